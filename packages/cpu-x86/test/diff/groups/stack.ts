// Stack instructions: PUSH/POP (registers, immediates, memory, ESP itself),
// PUSHF/POPF (user-settable flags only), PUSHA/POPA, ENTER/LEAVE.
// ESP always stays inside the stack window.
import { opText, type CaseBuilder } from '../case-builder.js';
import {
  AF,
  CF,
  DF,
  EBP,
  ESP,
  ID,
  OF,
  PF,
  SF,
  STACK_WINDOW_BASE,
  STACK_WINDOW_SIZE,
  ZF,
} from '../diff-case.js';
import { type Group } from '../group.js';
import { STATUS6, hex, le, regName, sext, type Size } from '../x86-encode.js';

const WIN_LO = STACK_WINDOW_BASE + 16;
const WIN_HI = STACK_WINDOW_BASE + STACK_WINDOW_SIZE;

function canPush(b: CaseBuilder, n: number): boolean {
  return b.esp - n >= WIN_LO && b.esp <= WIN_HI;
}

function canPop(b: CaseBuilder, n: number): boolean {
  return b.esp >= WIN_LO && b.esp + n <= WIN_HI;
}

/** Value known after a 16-bit write into a register with a known value. */
function merge16(old: number | undefined, v: number | undefined): number | undefined {
  if (old === undefined || v === undefined) return undefined;
  return ((old & 0xffff0000) | (v & 0xffff)) >>> 0;
}

function osize(b: CaseBuilder): Size {
  return b.rng.chance(0.2) ? 16 : 32;
}

function emitPush(b: CaseBuilder): void {
  const rng = b.rng;
  const size = osize(b);
  const n = size / 8;
  const pre = size === 16 ? [0x66] : [];
  const esp = b.esp;
  const slot = esp - n;
  const newEsp: [number, number] = [ESP, slot];
  const m = size === 16 ? 0xffff : 0xffffffff;
  switch (rng.int(4)) {
    case 0: {
      // 50+r; PUSH ESP pushes the value before the decrement.
      const r = b.srcReg(32);
      const v = b.value(r);
      b.insn({ prefixes: pre, opcode: [0x50 + r], text: `push ${regName(size, r)}`, reads: (1 << r) | (1 << ESP), writes: 1 << ESP, known: [newEsp], memWrites: [[slot, n, v === undefined ? undefined : v & m]] });
      return;
    }
    case 1: {
      const wide = rng.int(2);
      const imm = wide ? rng.interesting32() : rng.int(256);
      const v = wide ? imm & m : sext(imm, 8) & m;
      b.insn({
        prefixes: pre,
        opcode: [wide ? 0x68 : 0x6a],
        imm: le(imm, wide ? n : 1),
        text: `push ${size === 16 ? 'word ' : ''}${hex(v)}`,
        reads: 1 << ESP,
        writes: 1 << ESP,
        known: [newEsp],
        memWrites: [[slot, n, v >>> 0]],
      });
      return;
    }
    default: {
      // FF /6: the address of an ESP-based operand uses ESP before the push.
      const rm = rng.chance(0.2) ? b.reg(size, b.srcReg(size)) : b.mem(size, { region: rng.chance(0.5) ? 'stack' : 'data' });
      b.insn({
        prefixes: pre,
        opcode: [0xff],
        rm,
        reg: 6,
        text: `push ${opText(rm)}`,
        reads: 1 << ESP,
        writes: 1 << ESP,
        known: [newEsp],
        memWrites: [[slot, n]],
      });
    }
  }
}

function emitPop(b: CaseBuilder): void {
  const rng = b.rng;
  const size = osize(b);
  const n = size / 8;
  const pre = size === 16 ? [0x66] : [];
  const esp = b.esp;
  const v = b.memValue(esp, n);
  const popped = (r: number): [number, number][] => {
    const k = size === 32 ? v : merge16(b.value(r), v);
    return k === undefined ? [[ESP, esp + n]] : [[ESP, esp + n], [r, k]];
  };
  const k = rng.int(10);
  if (k === 0 && size === 32) {
    // POP ESP: ESP <- the popped value; make that a valid stack address.
    const target = Math.min(WIN_HI - 64, Math.max(WIN_LO + 128, esp + rng.range(-24, 24) * 4 + rng.pick([0, 0, 0, 2])));
    b.setMem(esp, 4, target);
    b.insn({ opcode: [0x5c], text: 'pop esp', reads: 1 << ESP, writes: 1 << ESP, known: [[ESP, target]], memReads: [[esp, 4]] });
    return;
  }
  if (k < 5) {
    const r = b.destReg(size);
    b.insn({ prefixes: pre, opcode: [0x58 + r], text: `pop ${regName(size, r)}`, reads: 1 << ESP, writes: (1 << ESP) | (1 << r), known: popped(r), memReads: [[esp, n]] });
    return;
  }
  if (k < 7) {
    // 8F /0 with a register operand (the long form of POP r).
    const r = b.destReg(size);
    b.insn({ prefixes: pre, opcode: [0x8f], rm: b.reg(size, r), reg: 0, text: `pop ${regName(size, r)} ; 8F /0`, rmRead: false, rmWrite: true, reads: 1 << ESP, writes: 1 << ESP, known: popped(r), memReads: [[esp, n]] });
    return;
  }
  // 8F /0 to memory. Intel SDM POP: an ESP-based destination address is
  // computed after ESP is incremented.
  const rm = b.mem(size, { region: rng.chance(0.6) ? 'stack' : 'data', espAdjust: n });
  b.insn({
    prefixes: pre,
    opcode: [0x8f],
    rm,
    reg: 0,
    text: `pop ${opText(rm)}`,
    rmRead: false,
    reads: 1 << ESP,
    writes: 1 << ESP,
    known: [[ESP, esp + n]],
    memReads: [[esp, n]],
    memWrites: [[rm.addr, n, v]],
  });
}

/** A POPF image: user flags random, plus bits POPF ignores at CPL 3 (IF,
 *  IOPL, RF, VM, VIF, VIP, reserved 3/5/15); ID sometimes. Never TF, NT, AC. */
function popfImage(b: CaseBuilder): number {
  const rng = b.rng;
  const user = rng.u32() & (STATUS6 | DF);
  const ignored = rng.u32() & (0x0200 | 0x3000 | 0x0002 | 0x0008 | 0x0020 | 0x8000 | 0x1_0000 | 0x2_0000 | 0x8_0000 | 0x10_0000);
  const id = rng.chance(0.1) ? ID : 0;
  return (user | (rng.chance(0.5) ? ignored : 0x0202) | id) >>> 0;
}

function emitPushfPopf(b: CaseBuilder): void {
  const rng = b.rng;
  const size = osize(b);
  const n = size / 8;
  const pre = size === 16 ? [0x66] : [];
  const esp = b.esp;
  if (canPush(b, n) && (rng.chance(0.5) || !canPop(b, n))) {
    b.insn({ prefixes: pre, opcode: [0x9c], text: size === 16 ? 'pushf' : 'pushfd', flagsRead: STATUS6, reads: 1 << ESP, writes: 1 << ESP, known: [[ESP, esp - n]], memWrites: [[esp - n, n]] });
    return;
  }
  const image = popfImage(b) & (size === 16 ? 0xffff : 0xffffffff);
  b.setMem(esp, n as 2 | 4, image);
  b.insn({
    prefixes: pre,
    opcode: [0x9d],
    text: `${size === 16 ? 'popf' : 'popfd'} ; image ${hex(image)}`,
    reads: 1 << ESP,
    writes: 1 << ESP,
    known: [[ESP, esp + n]],
    memReads: [[esp, n]],
    flagsWritten: CF | PF | AF | ZF | SF | OF,
    df: image & DF ? 1 : 0,
  });
}

const PUSHA_ORDER = [0, 1, 2, 3, 4, 5, 6, 7]; // EAX ECX EDX EBX ESP(original) EBP ESI EDI

function emitPushaPopa(b: CaseBuilder): void {
  const rng = b.rng;
  const size = osize(b);
  const n = size / 8;
  const pre = size === 16 ? [0x66] : [];
  const esp = b.esp;
  const m = size === 16 ? 0xffff : 0xffffffff;
  if (canPush(b, 8 * n) && (rng.chance(0.5) || !canPop(b, 8 * n))) {
    const writes: [number, number, number?][] = PUSHA_ORDER.map((r, i) => {
      const v = r === ESP ? esp : b.value(r);
      return [esp - (i + 1) * n, n, v === undefined ? undefined : v & m];
    });
    b.insn({ prefixes: pre, opcode: [0x60], text: size === 16 ? 'pusha' : 'pushad', reads: 0xff, writes: 1 << ESP, known: [[ESP, esp - 8 * n]], memWrites: writes });
    return;
  }
  // POPA: EDI ESI EBP (ESP skipped) EBX EDX ECX EAX from the lowest address up.
  const known: [number, number][] = [[ESP, esp + 8 * n]];
  for (let r = 0; r < 8; r++) {
    if (r === ESP) continue;
    const v = b.memValue(esp + (7 - r) * n, n);
    const k = size === 32 ? v : merge16(b.value(r), v);
    if (k !== undefined) known.push([r, k]);
  }
  b.insn({ prefixes: pre, opcode: [0x61], text: size === 16 ? 'popa' : 'popad', reads: 1 << ESP, writes: 0xff, known, memReads: [[esp, 8 * n]] });
}

/** Loads EBP with a stack-window address near ESP. */
function ebpInWindow(b: CaseBuilder, below: number): number {
  const v = b.value(EBP);
  if (v !== undefined && v - below >= WIN_LO && v + 8 <= WIN_HI && !b.isTainted(EBP) && b.rng.chance(0.5)) return v;
  const lo = Math.max(WIN_LO + below, b.esp - 64);
  const hi = Math.min(WIN_HI - 8, b.esp + 64);
  const nv = lo + b.rng.int(Math.floor((hi - lo) / 4) + 1) * 4;
  b.setReg(EBP, nv);
  return nv;
}

function emitEnterLeave(b: CaseBuilder): void {
  const rng = b.rng;
  const size = osize(b);
  const n = size / 8;
  const pre = size === 16 ? [0x66] : [];
  const wantEnter = rng.chance(0.6);
  const alloc = rng.pick([0, 0, 4, 8, 12, 16, 1, 3, rng.int(48)]);
  const levelImm = rng.weighted<number>([
    [4, 0],
    [3, 1],
    [3, rng.range(2, 4)],
    [1, rng.pick([32, 33, 34])], // the level is taken modulo 32
  ]);
  const level = levelImm & 31;
  const pushed = n * (1 + (level > 0 ? level : 0));
  if (wantEnter && canPush(b, pushed + alloc + 8)) {
    // Intel SDM ENTER: push EBP; FrameTemp <- ESP; for level > 1 push the
    // (level-1) frame pointers at EBP-n, EBP-2n, ...; push FrameTemp;
    // EBP <- FrameTemp; ESP <- ESP - alloc. With a 32-bit stack, 16-bit
    // operands push words, and EBP's high half stays a window address.
    const ebp = ebpInWindow(b, n * level + 4);
    const esp = b.esp;
    const frame = esp - n;
    const reads: [number, number][] = [];
    for (let i = 1; i < level; i++) reads.push([ebp - i * n, n]);
    b.insn({
      prefixes: pre,
      opcode: [0xc8],
      imm: [...le(alloc, 2), levelImm],
      text: `enter ${alloc}, ${levelImm}${size === 16 ? ' ; o16' : ''}`,
      reads: (1 << ESP) | (1 << EBP),
      writes: (1 << ESP) | (1 << EBP),
      known: [
        [ESP, esp - pushed - alloc],
        [EBP, size === 32 ? frame : ((ebp & 0xffff0000) | (frame & 0xffff)) >>> 0],
      ],
      memReads: reads,
      memWrites: [[esp - pushed, pushed]],
    });
    return;
  }
  // LEAVE: ESP <- EBP; EBP <- pop (16-bit: BP only).
  const ebp = ebpInWindow(b, 0);
  const v = b.memValue(ebp, n);
  const newEbp = size === 32 ? v : merge16(ebp, v);
  b.insn({
    prefixes: pre,
    opcode: [0xc9],
    text: size === 16 ? 'leave ; o16' : 'leave',
    reads: (1 << ESP) | (1 << EBP),
    writes: (1 << ESP) | (1 << EBP),
    known: newEbp === undefined ? [[ESP, ebp + n]] : [[ESP, ebp + n], [EBP, newEbp]],
    memReads: [[ebp, n]],
  });
}

function emitStack(b: CaseBuilder): void {
  const rng = b.rng;
  const which = rng.int(10);
  if (which < 3 && canPush(b, 4)) return emitPush(b);
  if (which < 6 && canPop(b, 4)) return emitPop(b);
  if (which < 8) return emitPushfPopf(b);
  if (canPush(b, 4)) return emitPush(b);
  return emitPop(b);
}

export const pushPopGroup: Group = {
  name: 'pushpop',
  summary: 'PUSH 50+r/6A/68/FF /6, POP 58+r/8F /0 (incl. ESP-based memory, POP ESP), PUSHF/POPF, 16/32-bit',
  undefinedFlags: 0,
  implicitRegs: 1 << ESP,
  count: [1, 6],
  emit: emitStack,
};

export const pushaGroup: Group = {
  name: 'pusha',
  summary: 'PUSHA/PUSHAD 60, POPA/POPAD 61',
  undefinedFlags: 0,
  implicitRegs: 0xff,
  count: [1, 3],
  emit: emitPushaPopa,
};

export const enterGroup: Group = {
  name: 'enter',
  summary: 'ENTER C8 (sizes 0..47, levels 0..4 and >= 32), LEAVE C9, 16/32-bit',
  undefinedFlags: 0,
  implicitRegs: (1 << ESP) | (1 << EBP),
  count: [1, 4],
  emit: emitEnterLeave,
};
