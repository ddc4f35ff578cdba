/**
 * Stack instructions: PUSH/POP of registers, immediates, memory and segment
 * registers, PUSHA/POPA, PUSHF/POPF (with the privilege rules for IF and IOPL
 * that paravirtualization relies on), ENTER and LEAVE. Intel SDM Vol. 2.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $modrm from '../decode/modrm.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $segment_load from '../protected/segment-load.js';
import * as $operands from './operands.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CS, DS, EBP, ES, ESP, FLAG_AC, FLAG_ID, FLAG_IF, FLAG_IOPL, FLAG_NT, FLAG_RF, FLAG_VIF, FLAG_VIP, FLAG_VM, FLAGS_ARITH, FLAG_DF, FLAG_TF, FS, GS, SS, VEC_GP, VEC_UD } = $constants;
const { decodeEA } = $modrm;
const { defineOp } = $dispatch;
const { loadSegment, loadStackSegmentWithShadow } = $segment_load;
const { fetchS8 } = $operands;

function iopl(c: Cpu): number {
  return (c.flags >> 12) & 3;
}

/**
 * The EFLAGS bits POPF (and IRET at the same privilege) may change, by mode
 * (Intel SDM Vol. 2B "POPF"): IOPL only at CPL 0, IF only when CPL <= IOPL;
 * VM, VIP, VIF and RF never. Others are kept silently, without a fault.
 */
export function writableFlagsMask(c: Cpu): number {
  let mask = FLAGS_ARITH | FLAG_TF | FLAG_DF | FLAG_NT | FLAG_AC | FLAG_ID;
  if (!c.protectedMode) return mask | FLAG_IF | FLAG_IOPL;
  if (c.vm86) return mask | FLAG_IF; // VM86 with IOPL 3 (IOPL < 3 faults before we get here)
  if (c.cpl === 0) mask |= FLAG_IOPL;
  if (c.cpl <= iopl(c)) mask |= FLAG_IF;
  return mask;
}

function popf(c: Cpu, op32: boolean): void {
  if (c.vm86 && iopl(c) < 3) c.fault(VEC_GP, 0);
  const v = op32 ? c.pop32() : c.pop16();
  let mask = writableFlagsMask(c);
  if (!op32) mask &= 0xffff;
  const cur = c.getEflags();
  c.setEflags(((cur & ~mask) | (v & mask)) & ~FLAG_RF);
}

function pushf(c: Cpu, op32: boolean): void {
  if (c.vm86 && iopl(c) < 3) c.fault(VEC_GP, 0);
  const f = c.getEflags() & ~(FLAG_VM | FLAG_RF);
  if (op32) c.push32(f);
  else c.push16(f);
}

/** PUSH Sreg with 32-bit operand size writes only the selector's two bytes (P6 and later). */
function pushSeg(c: Cpu, seg: number): void {
  if (!c.opsize32) {
    c.push16(c.segSel[seg]);
    return;
  }
  const sp = c.stack32 ? (c.reg32[ESP] - 4) | 0 : (c.reg32[ESP] - 4) & 0xffff;
  c.writeAddr(SS, sp, 4);
  c.write16(SS, sp, c.segSel[seg]);
  if (c.stack32) c.reg32[ESP] = sp;
  else c.reg16[ESP << 1] = sp;
}

function popSeg(c: Cpu, seg: number): void {
  const v = c.opsize32 ? c.peek32(0) : c.peek16(0);
  if (seg === SS) loadStackSegmentWithShadow(c, v & 0xffff);
  else loadSegment(c, seg, v & 0xffff);
  c.adjustStack(c.opsize32 ? 4 : 2);
}

function pusha(c: Cpu, op32: boolean): void {
  const size = op32 ? 4 : 2;
  const start = c.stack32 ? c.reg32[ESP] : c.reg16[ESP << 1];
  const bottom = c.stack32 ? (start - 8 * size) | 0 : (start - 8 * size) & 0xffff;
  c.writeAddr(SS, bottom, 8 * size);
  for (let r = 0; r < 8; r++) {
    const off = c.stack32 ? (start - (r + 1) * size) | 0 : (start - (r + 1) * size) & 0xffff;
    if (op32) c.write32(SS, off, c.reg32[r]);
    else c.write16(SS, off, c.reg16[r << 1]);
  }
  if (c.stack32) c.reg32[ESP] = bottom;
  else c.reg16[ESP << 1] = bottom;
}

function popa(c: Cpu, op32: boolean): void {
  const size = op32 ? 4 : 2;
  const vals = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) vals[7 - i] = op32 ? c.peek32(i * size) : c.peek16(i * size);
  for (let r = 0; r < 8; r++) {
    if (r === ESP) continue; // the saved ESP is discarded
    if (op32) c.reg32[r] = vals[r];
    else c.reg16[r << 1] = vals[r];
  }
  c.adjustStack(8 * size);
}

/** POP Ev: the destination address is computed with ESP already incremented (Intel SDM "POP"). */
function popE(c: Cpu, op32: boolean): void {
  const m = c.fetch8();
  if ((m & 0x38) !== 0) c.fault(VEC_UD);
  const v = op32 ? c.peek32(0) : c.peek16(0);
  const oldEsp = c.reg32[ESP];
  c.adjustStack(op32 ? 4 : 2);
  try {
    if (m >= 0xc0) {
      if (op32) c.reg32[m & 7] = v;
      else c.reg16[(m & 7) << 1] = v;
    } else {
      const off = decodeEA(c, m);
      if (op32) c.write32(c.eaSeg, off, v);
      else c.write16(c.eaSeg, off, v);
    }
  } catch (e) {
    c.reg32[ESP] = oldEsp;
    throw e;
  }
}

/** ENTER imm16, imm8 (Intel SDM Vol. 2A "ENTER"): nesting level taken mod 32. */
function enter(c: Cpu, op32: boolean): void {
  const size = c.fetch16();
  const level = c.fetch8() & 31;
  const w = op32 ? 4 : 2;
  const mask = c.stack32 ? -1 : 0xffff;
  let sp = c.stack32 ? c.reg32[ESP] : c.reg16[ESP << 1];
  let bp = c.stack32 ? c.reg32[EBP] : c.reg16[EBP << 1];
  const write = (v: number): void => {
    sp = (sp - w) & mask;
    if (op32) c.write32(SS, sp, v);
    else c.write16(SS, sp, v);
  };
  write(op32 ? c.reg32[EBP] : c.reg16[EBP << 1]);
  const frameTemp = sp;
  if (level > 0) {
    for (let i = 1; i < level; i++) {
      bp = (bp - w) & mask;
      write(op32 ? c.read32(SS, bp) : c.read16(SS, bp));
    }
    write(frameTemp);
  }
  const newSp = (sp - size) & mask;
  c.writeAddr(SS, newSp, 1); // the final ESP must lie within the stack segment
  if (op32) c.reg32[EBP] = frameTemp;
  else c.reg16[EBP << 1] = frameTemp;
  if (c.stack32) c.reg32[ESP] = newSp;
  else c.reg16[ESP << 1] = newSp;
  c.extraCycles += 10 + level * 4;
}

function leave(c: Cpu, op32: boolean): void {
  const bp = c.stack32 ? c.reg32[EBP] : c.reg16[EBP << 1];
  const v = op32 ? c.read32(SS, bp) : c.read16(SS, bp);
  if (c.stack32) c.reg32[ESP] = (bp + (op32 ? 4 : 2)) | 0;
  else c.reg16[ESP << 1] = bp + (op32 ? 4 : 2);
  if (op32) c.reg32[EBP] = v;
  else c.reg16[EBP << 1] = v;
}

export function installStack(): void {
  for (let r = 0; r < 8; r++) {
    // PUSH ESP pushes the value before the decrement.
    defineOp(0x50 + r, (c) => c.push16(c.reg16[r << 1]), (c) => c.push32(c.reg32[r]));
    // POP ESP loads the popped value (the increment is overwritten).
    defineOp(
      0x58 + r,
      (c) => {
        const v = c.pop16();
        c.reg16[r << 1] = v;
      },
      (c) => {
        const v = c.pop32();
        c.reg32[r] = v;
      },
    );
  }
  defineOp(0x68, (c) => c.push16(c.fetch16()), (c) => c.push32(c.fetch32()));
  defineOp(0x6a, (c) => c.push16(fetchS8(c)), (c) => c.push32(fetchS8(c)));
  defineOp(0x8f, (c) => popE(c, false), (c) => popE(c, true));
  defineOp(0x60, (c) => pusha(c, false), (c) => pusha(c, true));
  defineOp(0x61, (c) => popa(c, false), (c) => popa(c, true));
  defineOp(0x9c, (c) => pushf(c, false), (c) => pushf(c, true));
  defineOp(0x9d, (c) => popf(c, false), (c) => popf(c, true));
  defineOp(0xc8, (c) => enter(c, false), (c) => enter(c, true));
  defineOp(0xc9, (c) => leave(c, false), (c) => leave(c, true));

  defineOp(0x06, (c) => pushSeg(c, ES));
  defineOp(0x07, (c) => popSeg(c, ES));
  defineOp(0x0e, (c) => pushSeg(c, CS));
  defineOp(0x16, (c) => pushSeg(c, SS));
  defineOp(0x17, (c) => popSeg(c, SS));
  defineOp(0x1e, (c) => pushSeg(c, DS));
  defineOp(0x1f, (c) => popSeg(c, DS));
  defineOp(0x1a0, (c) => pushSeg(c, FS));
  defineOp(0x1a1, (c) => popSeg(c, FS));
  defineOp(0x1a8, (c) => pushSeg(c, GS));
  defineOp(0x1a9, (c) => popSeg(c, GS));
}

export { FLAG_IF, FLAG_VIF, FLAG_VIP };
