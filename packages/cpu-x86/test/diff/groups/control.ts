// Flag consumers and control flow: CMOVcc, SETcc, Jcc/JMP (short and near,
// forward only), LOOP/LOOPE/LOOPNE/JECXZ (forward, and bounded backward loops).
import { opText, type CaseBuilder } from '../case-builder.js';
import { ECX, ZF } from '../diff-case.js';
import { pickSize, type Group } from '../group.js';
import { ADSIZE, CC_NAMES, ccFlags, le, regName } from '../x86-encode.js';

function emitCmov(b: CaseBuilder): void {
  const rng = b.rng;
  const cc = rng.int(16);
  const size = pickSize(rng, false);
  if (rng.chance(0.3)) b.filler(1);
  // Intel SDM CMOVcc: a memory source is read whatever the condition.
  const rm = b.rm(size, { dest: false, memProb: 0.5 });
  const dest = b.destReg(size);
  b.insn({
    prefixes: size === 16 ? [0x66] : [],
    opcode: [0x0f, 0x40 + cc],
    rm,
    reg: dest,
    text: `cmov${CC_NAMES[cc]} ${regName(size, dest)}, ${opText(rm)}`,
    reads: 1 << dest,
    writes: 1 << dest,
    flagsRead: ccFlags(cc),
  });
}

function emitSetcc(b: CaseBuilder): void {
  const rng = b.rng;
  const cc = rng.int(16);
  if (rng.chance(0.3)) b.filler(1);
  const rm = b.rm(8, { dest: true });
  b.insn({
    opcode: [0x0f, 0x90 + cc],
    rm,
    reg: 0,
    text: `set${CC_NAMES[cc]} ${opText(rm)}`,
    rmRead: false,
    rmWrite: true,
    flagsRead: ccFlags(cc),
  });
}

/** Emits a branch whose displacement covers `body`, then joins both paths. */
function branchOver(
  b: CaseBuilder,
  head: { opcode: number[]; prefixes?: number[]; text: string; dispBytes: 1 | 4; flagsRead?: number; reads?: number; writes?: number; known?: [number, number][]; conditional: boolean },
  body: () => void,
): void {
  const at = b.insn({
    prefixes: head.prefixes,
    opcode: head.opcode,
    imm: new Array<number>(head.dispBytes).fill(0),
    text: head.text,
    flagsRead: head.flagsRead,
    reads: head.reads,
    writes: head.writes,
    known: head.known,
    fixedPrefixOrder: true,
  });
  const taken = b.snapshot();
  body();
  const dist = b.codeLength - at.end;
  if (head.dispBytes === 1 && dist > 127) throw new Error('generator bug: short branch too far');
  b.patch(at.immAt, le(dist, head.dispBytes));
  if (head.conditional) b.join(taken);
  else b.restore(taken);
}

function emitJcc(b: CaseBuilder): void {
  const rng = b.rng;
  if (rng.chance(0.5)) b.filler(1);
  const form = rng.weighted<string>([
    [4, 'jcc8'],
    [3, 'jcc32'],
    [1, 'jmp8'],
    [1, 'jmp32'],
  ]);
  const cc = rng.int(16);
  const n = rng.int(4);
  const body = (): void => b.filler(n);
  switch (form) {
    case 'jcc8':
      return branchOver(b, { opcode: [0x70 + cc], text: `j${CC_NAMES[cc]} short +body`, dispBytes: 1, flagsRead: ccFlags(cc), conditional: true }, body);
    case 'jcc32':
      return branchOver(b, { opcode: [0x0f, 0x80 + cc], text: `j${CC_NAMES[cc]} near +body`, dispBytes: 4, flagsRead: ccFlags(cc), conditional: true }, body);
    case 'jmp8':
      return branchOver(b, { opcode: [0xeb], text: 'jmp short +body', dispBytes: 1, conditional: false }, body);
    default:
      return branchOver(b, { opcode: [0xe9], text: 'jmp near +body', dispBytes: 4, conditional: false }, body);
  }
}

const LOOP_NAMES = ['loopne', 'loope', 'loop', 'jecxz'] as const;

/** ECX after one LOOP-family decrement (CX only with the 67 prefix). */
function decremented(ecx: number, a16: boolean): number {
  if (!a16) return (ecx - 1) >>> 0;
  return ((ecx & 0xffff0000) | ((ecx - 1) & 0xffff)) >>> 0;
}

function emitLoop(b: CaseBuilder): void {
  const rng = b.rng;
  const kind = rng.int(4); // E0 loopne, E1 loope, E2 loop, E3 jecxz
  const a16 = rng.chance(0.2);
  const name = a16 && kind === 3 ? 'jcxz' : LOOP_NAMES[kind]!;
  const flagsRead = kind <= 1 ? ZF : 0;
  const prefixes = a16 ? [ADSIZE] : [];
  if (kind !== 3 && rng.chance(0.4)) {
    // Backward loop with a small known count; the body never writes ECX, so
    // it runs at most `count` times (count 0 is avoided: it would wrap).
    const count = rng.range(1, 5);
    const cur = b.value(ECX) ?? rng.u32();
    b.setReg(ECX, a16 ? ((cur & 0xffff0000) | count) >>> 0 : count, true);
    const top = b.codeLength;
    b.filler(rng.range(1, 3), 1 << ECX);
    if (flagsRead && rng.chance(0.5)) b.filler(1, 1 << ECX);
    const at = b.insn({
      prefixes,
      opcode: [0xe0 + kind],
      imm: [0],
      text: `${name} back to +${top}${a16 ? ' ; a16: cx' : ''}`,
      flagsRead,
      reads: 1 << ECX,
      writes: 1 << ECX,
      fixedPrefixOrder: true,
    });
    const dist = top - at.end;
    b.patch(at.immAt, le(dist, 1));
    // LOOP ends with (E)CX = 0; LOOPE/LOOPNE may stop early.
    if (kind === 2) b.setKnown(ECX, a16 ? ((cur & 0xffff0000) >>> 0) : 0);
    return;
  }
  // Forward form over a body that never writes ECX.
  let ecx = b.value(ECX);
  if (ecx === undefined || b.isTainted(ECX) || rng.chance(0.5)) {
    ecx = rng.pick([0, 1, 2, 0x10000, 0x10001, rng.interesting32()]) >>> 0;
    b.setReg(ECX, ecx);
  }
  const after = kind === 3 ? ecx : decremented(ecx, a16);
  const n = rng.int(4);
  branchOver(
    b,
    {
      prefixes,
      opcode: [0xe0 + kind],
      text: `${name} +body${a16 && kind !== 3 ? ' ; a16: cx' : ''}`,
      dispBytes: 1,
      flagsRead,
      reads: 1 << ECX,
      writes: kind === 3 ? 0 : 1 << ECX,
      known: kind === 3 ? [] : [[ECX, after]],
      conditional: true,
    },
    () => b.filler(n, 1 << ECX),
  );
}

export const cmovGroup: Group = {
  name: 'cmov',
  summary: 'CMOVcc 0F 40-4F, all 16 conditions, register and memory sources',
  undefinedFlags: 0,
  emit: emitCmov,
};

export const setccGroup: Group = {
  name: 'setcc',
  summary: 'SETcc 0F 90-9F, all 16 conditions, register and memory destinations',
  undefinedFlags: 0,
  emit: emitSetcc,
};

export const jccGroup: Group = {
  name: 'jcc',
  summary: 'Jcc 70-7F rel8 and 0F 80-8F rel32, JMP EB/E9, forward over 0-3 instructions',
  undefinedFlags: 0,
  emit: emitJcc,
};

export const loopGroup: Group = {
  name: 'loop',
  summary: 'LOOP/LOOPE/LOOPNE/JECXZ E0-E3, with 67 (CX), forward and bounded backward loops',
  undefinedFlags: 0,
  implicitRegs: 1 << ECX,
  emit: emitLoop,
};
