// Near control transfers through the stack or a register: CALL rel32,
// CALL/JMP r/m32 (register and memory), RET and RET imm16. Every target is
// forward, inside the case code; skipped bytes never run.
import { opText, type CaseBuilder, type Operand } from '../case-builder.js';
import { CODE_BASE, ESP, STACK_WINDOW_BASE, STACK_WINDOW_SIZE } from '../diff-case.js';
import { type Group } from '../group.js';
import { STATUS6, le, regName } from '../x86-encode.js';

const WIN_LO = STACK_WINDOW_BASE + 32;
const WIN_HI = STACK_WINDOW_BASE + STACK_WINDOW_SIZE;

/** After a CALL: drop the return address in one of the usual ways. */
function afterCall(b: CaseBuilder, ret: number): void {
  const esp = b.esp;
  switch (b.rng.int(3)) {
    case 0: {
      const r = b.destReg(32);
      b.insn({ opcode: [0x58 + r], text: `pop ${regName(32, r)} ; return address`, reads: 1 << ESP, writes: (1 << ESP) | (1 << r), known: [[ESP, esp + 4], [r, ret]], memReads: [[esp, 4]] });
      return;
    }
    case 1:
      b.insn({ opcode: [0x83], rm: b.reg(32, ESP), reg: 0, imm: [4], text: 'add esp, 4', rmWrite: true, flagsWritten: STATUS6, known: [[ESP, esp + 4]] });
      return;
    default:
      // Leave it on the stack.
      return;
  }
}

function emitCallRet(b: CaseBuilder): void {
  const rng = b.rng;
  if (b.esp - 16 < WIN_LO || b.esp + 24 > WIN_HI) {
    b.filler(1);
    return;
  }
  const kind = rng.int(4);
  const skip = rng.int(3);
  if (kind === 0) {
    // E8 rel32: push the next EIP, jump forward over `skip` instructions.
    const esp = b.esp;
    const at = b.insn({ opcode: [0xe8], imm: [0, 0, 0, 0], text: 'call +body', reads: 1 << ESP, writes: 1 << ESP, known: [[ESP, esp - 4]] });
    const ret = CODE_BASE + at.end;
    const state = b.snapshot();
    b.filler(skip);
    b.patch(at.immAt, le(b.codeLength - at.end, 4));
    b.restore(state);
    b.noteWrite(esp - 4, 4, ret);
    afterCall(b, ret);
    return;
  }
  if (kind === 1) {
    // FF /2 CALL r/m32 or FF /4 JMP r/m32 with the target in a register or
    // in memory (loaded by MOV r32, imm32 whose immediate is patched later).
    const call = rng.int(2);
    const r = b.destReg(32);
    const mov = b.insn({ opcode: [0xb8 + r], imm: [0, 0, 0, 0], text: `mov ${regName(32, r)}, target`, writes: 1 << r });
    let rm: Operand = b.reg(32, r);
    let slot = -1;
    if (rng.chance(0.5)) {
      const m = b.mem(32, { avoidRegs: 1 << r });
      slot = m.addr;
      b.insn({ opcode: [0x89], rm: m, reg: r, text: `mov ${opText(m)}, ${regName(32, r)}`, reads: 1 << r, rmRead: false, rmWrite: true });
      rm = b.mem(32, { target: slot });
    }
    const esp = b.esp;
    const at = b.insn({
      opcode: [0xff],
      rm,
      reg: call ? 2 : 4,
      text: `${call ? 'call' : 'jmp'} ${opText(rm)}`,
      reads: call ? 1 << ESP : 0,
      writes: call ? 1 << ESP : 0,
      known: call ? [[ESP, esp - 4]] : [],
    });
    const state = b.snapshot();
    b.filler(skip);
    const target = CODE_BASE + b.codeLength;
    b.patch(mov.immAt, le(target, 4));
    b.restore(state);
    b.setKnown(r, target);
    if (slot >= 0) b.noteWrite(slot, 4, target);
    if (call) {
      b.noteWrite(esp - 4, 4, CODE_BASE + at.end);
      afterCall(b, CODE_BASE + at.end);
    }
    return;
  }
  // RET / RET imm16 to an address pushed by PUSH imm32 (patched later).
  const esp = b.esp;
  const push = b.insn({ opcode: [0x68], imm: [0, 0, 0, 0], text: 'push target', reads: 1 << ESP, writes: 1 << ESP, known: [[ESP, esp - 4]], memWrites: [[esp - 4, 4]] });
  const extra = kind === 2 ? 0 : rng.pick([0, 2, 4, 8, 12]);
  b.insn({
    opcode: kind === 2 ? [0xc3] : [0xc2],
    imm: kind === 2 ? [] : le(extra, 2),
    text: kind === 2 ? 'ret' : `ret ${extra}`,
    reads: 1 << ESP,
    writes: 1 << ESP,
    known: [[ESP, esp + extra]],
    memReads: [[esp - 4, 4]],
  });
  const state = b.snapshot();
  b.filler(skip);
  const target = CODE_BASE + b.codeLength;
  b.patch(push.immAt, le(target, 4));
  b.restore(state);
  b.noteWrite(esp - 4, 4, target);
}

export const callRetGroup: Group = {
  name: 'callret',
  summary: 'CALL E8 rel32, CALL/JMP FF /2 /4 via register and memory, RET C3, RET imm16 C2 (forward targets)',
  undefinedFlags: 0,
  implicitRegs: 1 << ESP,
  emit: emitCallRet,
};
