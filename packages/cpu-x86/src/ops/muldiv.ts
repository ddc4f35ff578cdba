/**
 * Exchange-and-compare and conditional instructions: XADD (0F C0, C1),
 * CMPXCHG (0F B0, B1), CMPXCHG8B (0F C7 /1), CMOVcc (0F 40-4F) and SETcc
 * (0F 90-9F). Intel SDM Vol. 2A "CMOVcc", "CMPXCHG", "CMPXCHG8B",
 * Vol. 2B "SETcc", "XADD". (MUL/IMUL/DIV/IDIV live in alu.ts.)
 *
 * Notes:
 * - CMPXCHG with a memory destination always writes it (the old value when
 *   the comparison fails), so the access is a read-modify-write and a
 *   read-only page faults even when nothing changes (SDM: "the destination
 *   operand is written back if the comparison fails").
 * - CMPXCHG8B also always writes its destination; it only changes ZF. A
 *   register operand or another /reg of 0F C7 raises #UD.
 * - CMOVcc always reads its source, so a memory source may fault even when
 *   the condition is false; with a false condition the destination keeps all
 *   its bits.
 * - XADD with both operands the same register leaves the sum in it (the
 *   destination is written last).
 * - LOCK is checked by the prefix decoder, not here.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $modrm from '../decode/modrm.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $flags from '../flags.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { EAX, EBX, ECX, EDX, FLAG_ZF, VEC_UD } = $constants;
const { decodeEA } = $modrm;
const { defineOp } = $dispatch;
const { add, setFlagBits, sub, testCondition } = $flags;

// --- XADD ------------------------------------------------------------------

function xadd8(c: Cpu): void {
  const modrm = c.fetch8();
  const reg = (modrm >> 3) & 7;
  const src = c.getReg8(reg);
  if (modrm >= 0xc0) {
    const rm = modrm & 7;
    const dst = c.getReg8(rm);
    c.setReg8(reg, dst);
    c.setReg8(rm, add(c, dst, src, 8));
    return;
  }
  const off = decodeEA(c, modrm);
  const lin = c.rmwAddr(c.eaSeg, off, 1);
  const dst = c.lread8(lin);
  const sum = add(c, dst, src, 8);
  c.lwrite8(lin, sum);
  c.setReg8(reg, dst);
}

function xadd16(c: Cpu): void {
  const modrm = c.fetch8();
  const reg = ((modrm >> 3) & 7) << 1;
  const src = c.reg16[reg];
  if (modrm >= 0xc0) {
    const rm = (modrm & 7) << 1;
    const dst = c.reg16[rm];
    c.reg16[reg] = dst;
    c.reg16[rm] = add(c, dst, src, 16);
    return;
  }
  const off = decodeEA(c, modrm);
  const lin = c.rmwAddr(c.eaSeg, off, 2);
  const dst = c.lread16(lin);
  const sum = add(c, dst, src, 16);
  c.lwrite16(lin, sum);
  c.reg16[reg] = dst;
}

function xadd32(c: Cpu): void {
  const modrm = c.fetch8();
  const reg = (modrm >> 3) & 7;
  const src = c.reg32[reg];
  if (modrm >= 0xc0) {
    const rm = modrm & 7;
    const dst = c.reg32[rm];
    c.reg32[reg] = dst;
    c.reg32[rm] = add(c, dst, src, 32);
    return;
  }
  const off = decodeEA(c, modrm);
  const lin = c.rmwAddr(c.eaSeg, off, 4);
  const dst = c.lread32(lin);
  const sum = add(c, dst, src, 32);
  c.lwrite32(lin, sum);
  c.reg32[reg] = dst;
}

// --- CMPXCHG ---------------------------------------------------------------

function cmpxchg8(c: Cpu): void {
  const modrm = c.fetch8();
  const src = c.getReg8((modrm >> 3) & 7);
  const acc = c.reg8[0];
  if (modrm >= 0xc0) {
    const rm = modrm & 7;
    const dst = c.getReg8(rm);
    sub(c, acc, dst, 8);
    if (acc === dst) c.setReg8(rm, src);
    else c.reg8[0] = dst;
    return;
  }
  const off = decodeEA(c, modrm);
  const lin = c.rmwAddr(c.eaSeg, off, 1);
  const dst = c.lread8(lin);
  sub(c, acc, dst, 8);
  if (acc === dst) {
    c.lwrite8(lin, src);
  } else {
    c.lwrite8(lin, dst);
    c.reg8[0] = dst;
  }
}

function cmpxchg16(c: Cpu): void {
  const modrm = c.fetch8();
  const src = c.reg16[((modrm >> 3) & 7) << 1];
  const acc = c.reg16[0];
  if (modrm >= 0xc0) {
    const rm = (modrm & 7) << 1;
    const dst = c.reg16[rm];
    sub(c, acc, dst, 16);
    if (acc === dst) c.reg16[rm] = src;
    else c.reg16[0] = dst;
    return;
  }
  const off = decodeEA(c, modrm);
  const lin = c.rmwAddr(c.eaSeg, off, 2);
  const dst = c.lread16(lin);
  sub(c, acc, dst, 16);
  if (acc === dst) {
    c.lwrite16(lin, src);
  } else {
    c.lwrite16(lin, dst);
    c.reg16[0] = dst;
  }
}

function cmpxchg32(c: Cpu): void {
  const modrm = c.fetch8();
  const src = c.reg32[(modrm >> 3) & 7];
  const acc = c.reg32[EAX];
  if (modrm >= 0xc0) {
    const rm = modrm & 7;
    const dst = c.reg32[rm];
    sub(c, acc, dst, 32);
    if (acc === dst) c.reg32[rm] = src;
    else c.reg32[EAX] = dst;
    return;
  }
  const off = decodeEA(c, modrm);
  const lin = c.rmwAddr(c.eaSeg, off, 4);
  const dst = c.lread32(lin);
  sub(c, acc, dst, 32);
  if (acc === dst) {
    c.lwrite32(lin, src);
  } else {
    c.lwrite32(lin, dst);
    c.reg32[EAX] = dst;
  }
}

/** 0F C7: group 9; only /1 CMPXCHG8B m64 exists on a P6. */
function group9(c: Cpu): void {
  const modrm = c.fetch8();
  if (modrm >= 0xc0 || ((modrm >> 3) & 7) !== 1) c.fault(VEC_UD);
  const off = decodeEA(c, modrm);
  const lin = c.rmwAddr(c.eaSeg, off, 8);
  const lo = c.lread32(lin);
  const hi = c.lread32((lin + 4) | 0);
  if (lo === c.reg32[EAX] && hi === c.reg32[EDX]) {
    c.lwrite32(lin, c.reg32[EBX]);
    c.lwrite32((lin + 4) | 0, c.reg32[ECX]);
    setFlagBits(c, FLAG_ZF, FLAG_ZF);
  } else {
    c.lwrite32(lin, lo);
    c.lwrite32((lin + 4) | 0, hi);
    c.reg32[EAX] = lo;
    c.reg32[EDX] = hi;
    setFlagBits(c, FLAG_ZF, 0);
  }
}

// --- CMOVcc / SETcc ----------------------------------------------------------

function cmov16(c: Cpu, cc: number): void {
  const modrm = c.fetch8();
  let v: number;
  if (modrm >= 0xc0) {
    v = c.reg16[(modrm & 7) << 1];
  } else {
    const off = decodeEA(c, modrm);
    v = c.read16(c.eaSeg, off);
  }
  if (testCondition(c, cc)) c.reg16[((modrm >> 3) & 7) << 1] = v;
}

function cmov32(c: Cpu, cc: number): void {
  const modrm = c.fetch8();
  let v: number;
  if (modrm >= 0xc0) {
    v = c.reg32[modrm & 7];
  } else {
    const off = decodeEA(c, modrm);
    v = c.read32(c.eaSeg, off);
  }
  if (testCondition(c, cc)) c.reg32[(modrm >> 3) & 7] = v;
}

/** SETcc r/m8: the ModRM reg field is ignored. */
function setcc(c: Cpu, cc: number): void {
  const modrm = c.fetch8();
  const v = testCondition(c, cc) ? 1 : 0;
  if (modrm >= 0xc0) {
    c.setReg8(modrm & 7, v);
    return;
  }
  const off = decodeEA(c, modrm);
  c.write8(c.eaSeg, off, v);
}

export function installExchangeOps(): void {
  defineOp(0x1c0, xadd8);
  defineOp(0x1c1, xadd16, xadd32);
  defineOp(0x1b0, cmpxchg8);
  defineOp(0x1b1, cmpxchg16, cmpxchg32);
  defineOp(0x1c7, group9);
  for (let cc = 0; cc < 16; cc++) {
    defineOp(0x140 + cc, (c) => cmov16(c, cc), (c) => cmov32(c, cc));
    defineOp(0x190 + cc, (c) => setcc(c, cc));
  }
}
