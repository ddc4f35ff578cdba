/**
 * Bit instructions: BT/BTS/BTR/BTC with a register bit offset (0F A3, AB, B3,
 * BB) or an immediate one (0F BA /4../7), BSF/BSR (0F BC, BD) and BSWAP
 * (0F C8+r). Intel SDM Vol. 2A "BT", "BTC", "BTR", "BTS", "BSF", "BSR",
 * "BSWAP".
 *
 * - Register bit offsets with a memory destination are signed and may reach
 *   outside the addressed word/dword: the access is at EA + 2*(offset SAR 4)
 *   (16-bit) or EA + 4*(offset SAR 5) (32-bit), wrapped to the address size
 *   (SDM Vol. 2A "BT": "Effective Address + (4 * (BitOffset DIV 32))").
 *   Immediate offsets are masked to the operand size and never leave it.
 * - Flags: the SDM says CF = the selected bit, ZF unaffected, OF/SF/AF/PF
 *   undefined. A modern Intel core leaves all of those unchanged, and so do we.
 * - BSF/BSR with a zero source set ZF and leave the destination unchanged (what
 *   P6 and later do; the SDM calls the destination undefined). The other flags
 *   (undefined in the SDM) follow the host; see `bitScanFlags`.
 * - BSWAP with a 16-bit operand is undefined; the host clears the low word.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $modrm from '../decode/modrm.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $flags from '../flags.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { FLAG_CF, FLAG_PF, FLAG_ZF, FLAGS_ARITH, VEC_UD } = $constants;
const { decodeEA } = $modrm;
const { defineOp } = $dispatch;
const { PARITY, setFlagBits } = $flags;

const BT = 0, BTS = 1, BTR = 2, BTC = 3;

/** Applies BTS/BTR/BTC to `v` for `bit`; BT returns `v` unchanged. */
function modifyBit(op: number, v: number, bit: number): number {
  const m = 1 << bit;
  switch (op) {
    case BTS: return v | m;
    case BTR: return v & ~m;
    case BTC: return v ^ m;
    default: return v;
  }
}

/**
 * BT* r/m16 with a bit offset from a register (`fromReg`, offset already
 * read) or from an imm8 (for a register operand the caller has fetched it
 * into `offset`; for memory it follows the displacement and is fetched here).
 */
function bitTest16(c: Cpu, op: number, modrm: number, offset: number, fromReg: boolean): void {
  if (modrm >= 0xc0) {
    const r = (modrm & 7) << 1;
    const v = c.reg16[r];
    const bit = offset & 15;
    setFlagBits(c, FLAG_CF, (v >>> bit) & 1);
    if (op !== BT) c.reg16[r] = modifyBit(op, v, bit);
    return;
  }
  let off = decodeEA(c, modrm);
  if (fromReg) {
    // Signed word index: offset SAR 4, times 2 bytes.
    off += ((offset << 16) >> 20) << 1;
  } else {
    offset = c.fetch8();
  }
  off = c.addr32 ? off | 0 : off & 0xffff;
  const bit = offset & 15;
  if (op === BT) {
    setFlagBits(c, FLAG_CF, (c.read16(c.eaSeg, off) >>> bit) & 1);
    return;
  }
  const lin = c.rmwAddr(c.eaSeg, off, 2);
  const v = c.lread16(lin);
  setFlagBits(c, FLAG_CF, (v >>> bit) & 1);
  c.lwrite16(lin, modifyBit(op, v, bit));
}

/** BT* r/m32: as bitTest16. */
function bitTest32(c: Cpu, op: number, modrm: number, offset: number, fromReg: boolean): void {
  if (modrm >= 0xc0) {
    const r = modrm & 7;
    const v = c.reg32[r];
    const bit = offset & 31;
    setFlagBits(c, FLAG_CF, (v >>> bit) & 1);
    if (op !== BT) c.reg32[r] = modifyBit(op, v, bit);
    return;
  }
  let off = decodeEA(c, modrm);
  if (fromReg) {
    // Signed dword index: offset SAR 5, times 4 bytes.
    off += (offset >> 5) << 2;
  } else {
    offset = c.fetch8();
  }
  off = c.addr32 ? off | 0 : off & 0xffff;
  const bit = offset & 31;
  if (op === BT) {
    setFlagBits(c, FLAG_CF, (c.read32(c.eaSeg, off) >>> bit) & 1);
    return;
  }
  const lin = c.rmwAddr(c.eaSeg, off, 4);
  const v = c.lread32(lin);
  setFlagBits(c, FLAG_CF, (v >>> bit) & 1);
  c.lwrite32(lin, modifyBit(op, v, bit));
}

function btRegForm16(c: Cpu, op: number): void {
  const modrm = c.fetch8();
  const offset = c.reg16[((modrm >> 3) & 7) << 1];
  bitTest16(c, op, modrm, offset, true);
}

function btRegForm32(c: Cpu, op: number): void {
  const modrm = c.fetch8();
  const offset = c.reg32[(modrm >> 3) & 7];
  bitTest32(c, op, modrm, offset, true);
}

/** 0F BA: group 8, /4 BT, /5 BTS, /6 BTR, /7 BTC with an imm8 bit offset. */
function group8w(c: Cpu): void {
  const modrm = c.fetch8();
  const op = (modrm >> 3) & 7;
  if (op < 4) c.fault(VEC_UD);
  // For a register operand the immediate follows the ModRM byte directly;
  // for memory bitTest16 fetches it after the displacement.
  bitTest16(c, op - 4, modrm, modrm >= 0xc0 ? c.fetch8() : 0, false);
}

function group8d(c: Cpu): void {
  const modrm = c.fetch8();
  const op = (modrm >> 3) & 7;
  if (op < 4) c.fault(VEC_UD);
  bitTest32(c, op - 4, modrm, modrm >= 0xc0 ? c.fetch8() : 0, false);
}

// --- BSF / BSR -------------------------------------------------------------

/**
 * Flags after BSF/BSR (undefined in the SDM except ZF). The host clears CF,
 * OF, SF and AF, sets ZF = (source == 0), and PF from the index written, or
 * PF = 1 for a zero source (as if the result were 0).
 */
function bitScanFlags(c: Cpu, src: number, index: number): void {
  c.lzMask = 0;
  c.flags = (c.flags & ~FLAGS_ARITH) | (src === 0 ? FLAG_ZF | FLAG_PF : PARITY[index]);
}

function readRm16(c: Cpu, modrm: number): number {
  if (modrm >= 0xc0) return c.reg16[(modrm & 7) << 1];
  const off = decodeEA(c, modrm);
  return c.read16(c.eaSeg, off);
}

function readRm32(c: Cpu, modrm: number): number {
  if (modrm >= 0xc0) return c.reg32[modrm & 7];
  const off = decodeEA(c, modrm);
  return c.read32(c.eaSeg, off);
}

function bsf16(c: Cpu): void {
  const modrm = c.fetch8();
  const src = readRm16(c, modrm);
  const index = 31 - Math.clz32(src & -src);
  bitScanFlags(c, src, index);
  if (src !== 0) c.reg16[((modrm >> 3) & 7) << 1] = index;
}

function bsf32(c: Cpu): void {
  const modrm = c.fetch8();
  const src = readRm32(c, modrm);
  const index = 31 - Math.clz32(src & -src);
  bitScanFlags(c, src, index);
  if (src !== 0) c.reg32[(modrm >> 3) & 7] = index;
}

function bsr16(c: Cpu): void {
  const modrm = c.fetch8();
  const src = readRm16(c, modrm);
  const index = 31 - Math.clz32(src);
  bitScanFlags(c, src, index);
  if (src !== 0) c.reg16[((modrm >> 3) & 7) << 1] = index;
}

function bsr32(c: Cpu): void {
  const modrm = c.fetch8();
  const src = readRm32(c, modrm);
  const index = 31 - Math.clz32(src);
  bitScanFlags(c, src, index);
  if (src !== 0) c.reg32[(modrm >> 3) & 7] = index;
}

// --- BSWAP -----------------------------------------------------------------

function bswap32(c: Cpu, r: number): void {
  const v = c.reg32[r];
  c.reg32[r] = (v >>> 24) | ((v >> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24);
}

/** 66 0F C8+r: undefined in the SDM; Intel hardware zeroes the low word. */
function bswap16(c: Cpu, r: number): void {
  c.reg16[r << 1] = 0;
}

export function installBitOps(): void {
  defineOp(0x1a3, (c) => btRegForm16(c, BT), (c) => btRegForm32(c, BT));
  defineOp(0x1ab, (c) => btRegForm16(c, BTS), (c) => btRegForm32(c, BTS));
  defineOp(0x1b3, (c) => btRegForm16(c, BTR), (c) => btRegForm32(c, BTR));
  defineOp(0x1bb, (c) => btRegForm16(c, BTC), (c) => btRegForm32(c, BTC));
  defineOp(0x1ba, group8w, group8d);
  defineOp(0x1bc, bsf16, bsf32);
  defineOp(0x1bd, bsr16, bsr32);
  for (let r = 0; r < 8; r++) {
    defineOp(0x1c8 + r, (c) => bswap16(c, r), (c) => bswap32(c, r));
  }
}
