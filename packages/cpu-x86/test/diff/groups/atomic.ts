// Exchange-and-compare family: XADD, CMPXCHG, CMPXCHG8B (with and without LOCK).
import { opText, type CaseBuilder, type Operand } from '../case-builder.js';
import { EAX, EBX, ECX, EDX, ESP, ZF } from '../diff-case.js';
import { osz, pickSize, type Group } from '../group.js';
import { LOCK, STATUS6, fullReg, regBit, regName, type Size } from '../x86-encode.js';

function lockIf(b: CaseBuilder, rm: Operand): number[] {
  return rm.kind === 'mem' && b.rng.chance(0.4) ? [LOCK] : [];
}

function emitXadd(b: CaseBuilder): void {
  const size = pickSize(b.rng);
  const rm = b.rm(size, { dest: true });
  const src = b.destReg(size);
  b.insn({
    prefixes: [...osz(size), ...lockIf(b, rm)],
    opcode: [0x0f, size === 8 ? 0xc0 : 0xc1],
    rm,
    reg: src,
    text: `xadd ${opText(rm)}, ${regName(size, src)}`,
    reads: regBit(size, src),
    writes: regBit(size, src),
    rmWrite: true,
    // Intel SDM XADD: flags as for ADD.
    flagsWritten: STATUS6,
  });
}

/** Bits of `size` at the position of 8-bit register r within its full register. */
function placeIn(full: number, size: Size, r: number, v: number): number {
  if (size === 32) return v >>> 0;
  const shift = size === 8 && r >= 4 ? 8 : 0;
  const m = ((1 << size) - 1) << shift;
  return ((full & ~m) | ((v << shift) & m)) >>> 0;
}

function emitCmpxchg(b: CaseBuilder): void {
  const rng = b.rng;
  const size = pickSize(rng);
  const equal = rng.chance(0.5);
  const m = size === 32 ? 0xffffffff : (1 << size) - 1;
  let rm: Operand;
  if (rng.chance(0.5)) {
    // Memory destination: make its value known, then match the accumulator.
    const addr = b.pickTarget(rng.chance(0.2) ? 'stack' : 'data', size / 8);
    let v = b.memValue(addr, size / 8);
    if (v === undefined) {
      v = rng.interesting32() & m;
      b.setMem(addr, (size / 8) as 1 | 2 | 4, v);
    }
    const acc = equal ? v : rng.interesting32() & m;
    b.setReg(EAX, placeIn(b.value(EAX) ?? rng.u32(), size, 0, acc));
    rm = b.mem(size, { target: addr });
  } else {
    const r = b.destReg(size);
    const full = fullReg(size, r);
    const cur = b.ensureKnown(full);
    const shift = size === 8 && r >= 4 ? 8 : 0;
    const v = (cur >>> shift) & m;
    if (full !== EAX) {
      const acc = equal ? v : rng.interesting32() & m;
      b.setReg(EAX, placeIn(b.value(EAX) ?? rng.u32(), size, 0, acc));
    }
    rm = b.reg(size, r);
  }
  const src = b.srcReg(size);
  b.insn({
    prefixes: [...osz(size), ...lockIf(b, rm)],
    opcode: [0x0f, size === 8 ? 0xb0 : 0xb1],
    rm,
    reg: src,
    text: `cmpxchg ${opText(rm)}, ${regName(size, src)}`,
    reads: regBit(size, src) | (1 << EAX),
    writes: 1 << EAX,
    // Intel SDM: the destination gets a write cycle even when unequal.
    rmWrite: true,
    // Intel SDM CMPXCHG: flags as for CMP.
    flagsWritten: STATUS6,
  });
}

function emitCmpxchg8b(b: CaseBuilder): void {
  const rng = b.rng;
  const addr = b.pickTarget(rng.chance(0.2) ? 'stack' : 'data', 8);
  let lo = b.memValue(addr, 4);
  let hi = b.memValue(addr + 4, 4);
  if (lo === undefined || hi === undefined) {
    lo = rng.interesting32();
    hi = rng.interesting32();
    b.setMem(addr, 4, lo);
    b.setMem(addr + 4, 4, hi);
  }
  const how = rng.int(4); // 0,1 equal; 2 low differs; 3 high differs
  b.setReg(EAX, how === 2 ? rng.interesting32() : lo);
  b.setReg(EDX, how === 3 ? rng.interesting32() : hi);
  if (rng.chance(0.7)) b.setReg(EBX, rng.interesting32());
  if (rng.chance(0.7)) b.setReg(ECX, rng.interesting32());
  const rm = b.mem(64, { target: addr });
  b.insn({
    prefixes: rng.chance(0.4) ? [LOCK] : [],
    opcode: [0x0f, 0xc7],
    rm,
    reg: 1,
    text: `cmpxchg8b ${opText(rm)}`,
    reads: (1 << EAX) | (1 << EDX) | (1 << EBX) | (1 << ECX),
    writes: (1 << EAX) | (1 << EDX),
    rmWrite: true,
    // Intel SDM CMPXCHG8B: ZF defined; CF PF AF SF OF unaffected.
    flagsWritten: ZF,
  });
}

export const xaddGroup: Group = {
  name: 'xadd',
  summary: 'XADD 0F C0/C1, register and memory (LOCK) destinations',
  undefinedFlags: 0,
  emit: emitXadd,
};

export const cmpxchgGroup: Group = {
  name: 'cmpxchg',
  summary: 'CMPXCHG 0F B0/B1, equal and unequal, register and memory (LOCK) destinations',
  undefinedFlags: 0,
  implicitRegs: 1 << EAX,
  emit: emitCmpxchg,
};

export const cmpxchg8bGroup: Group = {
  name: 'cmpxchg8b',
  summary: 'CMPXCHG8B 0F C7 /1 m64, equal/unequal halves, LOCK',
  undefinedFlags: 0,
  implicitRegs: (1 << EAX) | (1 << EDX) | (1 << EBX) | (1 << ECX) | (1 << ESP),
  emit: emitCmpxchg8b,
};
