/**
 * String instructions: MOVS (A4/A5), CMPS (A6/A7), STOS (AA/AB), LODS
 * (AC/AD), SCAS (AE/AF), INS (6C/6D) and OUTS (6E/6F), with the REP, REPE
 * and REPNE prefixes. Intel SDM Vol. 2A "CMPS", "INS", "LODS", "MOVS",
 * Vol. 2B "OUTS", "REP/REPE/REPZ/REPNE/REPNZ", "SCAS", "STOS".
 *
 * - The address size picks SI/DI/CX or ESI/EDI/ECX; 16-bit pointers wrap at
 *   64 KiB. DF selects increment or decrement.
 * - A segment override applies to the source (DS:rSI) only; the destination
 *   is always ES:rDI, which no prefix can override (SDM "MOVS").
 * - REP: each iteration commits ECX/ESI/EDI before the next one starts, so a
 *   fault in the middle leaves them consistent with the iterations done and
 *   the instruction restarts from there (SDM Vol. 2B "REP": a repeated string
 *   instruction can be interrupted between iterations, with the registers
 *   describing the progress made).
 *   To stay interruptible a dispatch runs a bounded number of iterations;
 *   if ECX is not yet exhausted it points EIP back at the instruction (with
 *   its prefixes) so that the run loop re-executes it after checking for
 *   interrupts. With TF set, one iteration runs per dispatch so the #DB trap
 *   comes after every iteration, as on hardware.
 * - F2 (REPNE) on MOVS/STOS/LODS/INS/OUTS acts as REP, as on Intel cores.
 * - REPE/REPNE on CMPS/SCAS stop when ECX reaches 0 or the ZF test fails;
 *   ECX is tested before the first iteration only (a zero count leaves flags
 *   untouched).
 * - REP MOVS/STOS have a fast path (either direction) that copies or fills
 *   whole runs of elements lying within one page on both sides, inside the
 *   segment limits, in plain RAM. It translates each page through the TLB
 *   where the element-by-element loop would (source first), so a #PF arrives
 *   with the same registers and CR2; anything unusual (limit, MMIO, an
 *   element straddling pages) falls back to the element loop.
 *
 * Cost model: one cycle per element (the dispatch itself counts as one), and
 * IO_CYCLES per element for INS/OUTS like IN/OUT.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $flags from '../flags.js';
import * as $tlb_bits from '../paging/tlb-bits.js';
import * as $io_permission from '../protected/io-permission.js';
import * as $io from './io.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { DS, ECX, EDI, EDX, ES, ESI, FLAG_DF, FLAG_TF } = $constants;
const { defineOp } = $dispatch;
const { getZF, sub } = $flags;
const { TLB_MMIO } = $tlb_bits;
const { checkIoPermission } = $io_permission;
const { IO_CYCLES } = $io;

/** Elements per dispatch on the element-by-element path. */
const MAX_ITERATIONS = 4096;
/** Bytes per dispatch on the fast path (page-sized chunks). */
const MAX_FAST_BYTES = 64 * 1024;

const MOVS = 0, CMPS = 1, STOS = 2, LODS = 3, SCAS = 4, INS = 5, OUTS = 6;

// --- Sized accesses --------------------------------------------------------

function readSized(c: Cpu, seg: number, off: number, size: number): number {
  if (size === 1) return c.read8(seg, off);
  if (size === 2) return c.read16(seg, off);
  return c.read32(seg, off);
}

function writeSized(c: Cpu, seg: number, off: number, v: number, size: number): void {
  if (size === 1) c.write8(seg, off, v);
  else if (size === 2) c.write16(seg, off, v);
  else c.write32(seg, off, v);
}

function getAcc(c: Cpu, size: number): number {
  return size === 1 ? c.reg8[0] : size === 2 ? c.reg16[0] : c.reg32[0];
}

function setAcc(c: Cpu, size: number, v: number): void {
  if (size === 1) c.reg8[0] = v;
  else if (size === 2) c.reg16[0] = v;
  else c.reg32[0] = v;
}

// --- One element -----------------------------------------------------------

/**
 * Performs one element of string operation `op` and advances rSI/rDI.
 * Registers are written only after every access of the element succeeded.
 */
function step(c: Cpu, op: number, size: number): void {
  const a32 = c.addr32;
  const delta = (c.flags & FLAG_DF) !== 0 ? -size : size;
  const r32 = c.reg32;
  const r16 = c.reg16;
  const si = a32 ? r32[ESI] : r16[ESI << 1];
  const di = a32 ? r32[EDI] : r16[EDI << 1];
  switch (op) {
    case MOVS: {
      const v = readSized(c, c.segOverride >= 0 ? c.segOverride : DS, si, size);
      writeSized(c, ES, di, v, size);
      break;
    }
    case CMPS: {
      // The host reads ES:(E)DI before DS:(E)SI: when both fault, #PF reports the ES:DI address.
      const b = readSized(c, ES, di, size);
      const a = readSized(c, c.segOverride >= 0 ? c.segOverride : DS, si, size);
      sub(c, a, b, size << 3);
      break;
    }
    case STOS:
      writeSized(c, ES, di, getAcc(c, size), size);
      break;
    case LODS:
      setAcc(c, size, readSized(c, c.segOverride >= 0 ? c.segOverride : DS, si, size));
      break;
    case SCAS:
      sub(c, getAcc(c, size), readSized(c, ES, di, size), size << 3);
      break;
    case INS: {
      const port = r16[EDX << 1];
      checkIoPermission(c, port, size);
      // Check the destination before reading the port so that a fault does
      // not lose the data the device has already handed over.
      const lin = c.writeAddr(ES, di, size);
      c.probeWrite(lin, size);
      c.extraCycles += IO_CYCLES;
      const v = c.io.in(port, size as 1 | 2 | 4);
      if (size === 1) c.lwrite8(lin, v);
      else if (size === 2) c.lwrite16(lin, v);
      else c.lwrite32(lin, v);
      break;
    }
    default: { // OUTS
      const port = r16[EDX << 1];
      checkIoPermission(c, port, size);
      const v = readSized(c, c.segOverride >= 0 ? c.segOverride : DS, si, size);
      c.extraCycles += IO_CYCLES;
      c.io.out(port, v, size as 1 | 2 | 4);
      break;
    }
  }
  // Commit the pointers this operation uses.
  const usesSi = op === MOVS || op === CMPS || op === LODS || op === OUTS;
  const usesDi = op !== LODS && op !== OUTS;
  if (a32) {
    if (usesSi) r32[ESI] = si + delta;
    if (usesDi) r32[EDI] = di + delta;
  } else {
    if (usesSi) r16[ESI << 1] = si + delta;
    if (usesDi) r16[EDI << 1] = di + delta;
  }
}

// --- REP loop ----------------------------------------------------------------

function repeat(c: Cpu, op: number, size: number): void {
  const a32 = c.addr32;
  let count = a32 ? c.reg32[ECX] >>> 0 : c.reg16[ECX << 1];
  if (count === 0) return;
  if (op === MOVS || op === STOS) {
    count = fastRep(c, op, size, count);
    if (count < 0) return; // the fast path finished the instruction or scheduled a restart
  }
  const limit = (c.flags & FLAG_TF) !== 0 ? 1 : MAX_ITERATIONS;
  const conditional = op === CMPS || op === SCAS;
  const repz = c.rep === 0xf3;
  let n = 0;
  for (;;) {
    step(c, op, size);
    count--;
    if (a32) c.reg32[ECX] = count;
    else c.reg16[ECX << 1] = count;
    n++;
    if (count === 0) break;
    if (conditional && getZF(c) !== repz) break;
    if (n >= limit) {
      c.eip = c.instrStart; // not done: re-execute after an interrupt window
      break;
    }
  }
  c.extraCycles += n - 1;
}

/**
 * REP MOVS / REP STOS over RAM: handles runs of elements that stay inside one
 * page on both sides and inside the segment limits, in bulk, in either
 * direction. Returns the remaining count for the element loop to continue
 * with, or -1 when the instruction is complete or has been set up to restart.
 */
function fastRep(c: Cpu, op: number, size: number, count: number): number {
  if ((c.flags & FLAG_TF) !== 0) return count;
  const a32 = c.addr32;
  const down = (c.flags & FLAG_DF) !== 0;
  const offMask = a32 ? 0xffffffff : 0xffff;
  const srcSeg = c.segOverride >= 0 ? c.segOverride : DS;
  const user = c.cpl === 3;
  const ram = c.ram;
  let done = 0;
  while (count > 0) {
    const di = (a32 ? c.reg32[EDI] : c.reg16[EDI << 1]) >>> 0;
    const si = (a32 ? c.reg32[ESI] : c.reg16[ESI << 1]) >>> 0;
    const linD = (c.segBase[ES] + di) | 0;
    const linS = op === MOVS ? (c.segBase[srcSeg] + si) | 0 : 0;
    // Elements from the current one to the end of its page in the direction of travel.
    let k = down ? elementsDown(linD, size) : elementsUp(linD, size);
    if (op === MOVS) k = Math.min(k, down ? elementsDown(linS, size) : elementsUp(linS, size));
    if (k === 0) {
      // The current element straddles a page boundary: do that one the slow way.
      step(c, op, size);
      count--;
      if (a32) c.reg32[ECX] = count;
      else c.reg16[ECX << 1] = count;
      c.extraCycles++;
      continue;
    }
    if (k > count) k = count;
    const bytes = k * size;
    // The run's lowest offset relative to the current element (0 going up).
    const back = down ? bytes - size : 0;
    // Whole run inside the limits, without wrapping the offset.
    const loD = di - back;
    const hiD = loD + bytes - 1;
    if (loD < 0 || hiD > offMask || loD < c.segWLo[ES] || hiD > c.segWHi[ES]) break;
    if (op === MOVS) {
      const loS = si - back;
      const hiS = loS + bytes - 1;
      if (loS < 0 || hiS > offMask || loS < c.segRLo[srcSeg] || hiS > c.segRHi[srcSeg]) break;
    }
    // Translate as the element loop would: source read first, then the write.
    const eS = op === MOVS ? c.translateEntry(linS, false, user, false) : 0;
    const eD = c.translateEntry(linD, true, user, false);
    if (((eS | eD) & TLB_MMIO) !== 0) break;
    const pd = ((eD & ~0xfff) | (linD & 0xfff)) - back;
    if (op === MOVS) {
      const ps = ((eS & ~0xfff) | (linS & 0xfff)) - back;
      if (pd + bytes <= ps || ps + bytes <= pd || (down ? pd > ps : pd < ps)) {
        // Disjoint, or overlapping in the direction that memmove order
        // (what copyWithin does) reproduces element by element.
        ram.copyWithin(pd, ps, ps + bytes);
      } else {
        // Overlap the other way: each element may read bytes an earlier one wrote.
        for (let e = 0; e < k; e++) {
          const o = down ? bytes - size - e * size : e * size;
          let v = 0;
          for (let j = 0; j < size; j++) v |= ram[ps + o + j] << (j << 3);
          for (let j = 0; j < size; j++) ram[pd + o + j] = v >>> (j << 3);
        }
      }
      const nsi = down ? si - bytes : si + bytes;
      if (a32) c.reg32[ESI] = nsi;
      else c.reg16[ESI << 1] = nsi;
    } else {
      const v = getAcc(c, size);
      if (size === 1) {
        ram.fill(v, pd, pd + bytes);
      } else if (size === 2 && (pd & 1) === 0) {
        c.mem.u16.fill(v, pd >> 1, (pd + bytes) >> 1);
      } else if (size === 4 && (pd & 3) === 0) {
        c.ram32.fill(v, pd >> 2, (pd + bytes) >> 2);
      } else {
        for (let i = 0; i < bytes; i++) ram[pd + i] = v >>> ((i % size) << 3);
      }
    }
    const ndi = down ? di - bytes : di + bytes;
    if (a32) c.reg32[EDI] = ndi;
    else c.reg16[EDI << 1] = ndi;
    count -= k;
    if (a32) c.reg32[ECX] = count;
    else c.reg16[ECX << 1] = count;
    done += bytes;
    c.extraCycles += k;
    if (count > 0 && done >= MAX_FAST_BYTES) {
      c.extraCycles--; // the dispatch itself counts one
      c.eip = c.instrStart;
      return -1;
    }
  }
  if (count === 0) {
    c.extraCycles--;
    return -1;
  }
  return count;
}

/** Whole elements from `lin` up to the end of its page (0 if the first one straddles). */
function elementsUp(lin: number, size: number): number {
  return ((4096 - (lin & 0xfff)) / size) | 0;
}

/** Whole elements from `lin` down to the start of its page (0 if the first one straddles). */
function elementsDown(lin: number, size: number): number {
  const o = lin & 0xfff;
  return o + size > 4096 ? 0 : ((o / size) | 0) + 1;
}

// --- Handlers ----------------------------------------------------------------

function stringOp(c: Cpu, op: number, size: number): void {
  if (c.rep === 0) step(c, op, size);
  else repeat(c, op, size);
}

export function installStringOps(): void {
  const ops: [number, number][] = [[0xa4, MOVS], [0xa6, CMPS], [0xaa, STOS], [0xac, LODS], [0xae, SCAS], [0x6c, INS], [0x6e, OUTS]];
  for (const [opcode, op] of ops) {
    defineOp(opcode, (c) => stringOp(c, op, 1));
    defineOp(opcode + 1, (c) => stringOp(c, op, 2), (c) => stringOp(c, op, 4));
  }
}
