/**
 * Helpers shared by the x87 instruction families: the waiting-instruction
 * prologue (#MF / FERR#), the last-instruction pointers, the stack
 * (push/pop, overflow/underflow responses) and merging the float80 core's
 * flags into the status word. Nothing here allocates.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $float80 from './float80.js';
import * as $x87_state from './x87-state.js';
import { X87State } from './x87-state.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CR0_NE, CS, VEC_MF } = $constants;
const { f80FromInt32, f80WidenF32, f80WidenF64, WIDEN_DENORMAL, writeIndefinite } = $float80;
const { PTR_FCS, PTR_FDP, PTR_FDS, PTR_FIP, PTR_FOP, SLOT_MEM, SW_B, SW_C1, SW_CC, SW_ES, SW_EXC, SW_IE, SW_SF } = $x87_state;

/** A register form: `fop` is the 11-bit FPU opcode ((first byte & 7) << 8 | ModRM). */
export type RegOp = (c: Cpu, fop: number) => void;
/** A memory form: the effective address is decoded already (offset and segment). */
export type MemOp = (c: Cpu, fop: number, off: number, seg: number) => void;

/**
 * A waiting instruction found an unmasked exception pending (SW.ES = 1).
 * CR0.NE = 1: #MF. CR0.NE = 0: FERR# (IRQ 13 on a PC); the instruction
 * freezes unless IGNNE# is asserted (see x87-state.ts). Returns true when
 * the instruction may execute.
 */
export function pendingError(c: Cpu): boolean {
  if ((c.cr0 & CR0_NE) !== 0) c.fault(VEC_MF);
  const x = c.fpu;
  x.setFerr(true);
  if (x.ignne || x.onFerr === null) return true;
  // Frozen: wait for an interrupt at this instruction, then retry it.
  c.eip = c.instrStart;
  c.halted = true;
  return false;
}

/** Records the instruction pointer and opcode of a non-control instruction (SDM Vol. 1 8.1.8). */
export function noteInsn(c: Cpu, x: X87State, fop: number): void {
  const p = x.ptr;
  p[PTR_FIP] = c.instrStart;
  p[PTR_FCS] = c.segSel[CS];
  p[PTR_FOP] = fop;
}

/** Records the memory operand of a non-control instruction. */
export function noteData(c: Cpu, x: X87State, off: number, seg: number): void {
  const p = x.ptr;
  p[PTR_FDP] = off;
  p[PTR_FDS] = c.segSel[seg];
}

/**
 * Merges the float80 core's output (`env.flags`) into the status word: the
 * exception flags are sticky, the condition codes in `cc` are replaced
 * (those the core did not set become 0), ES/B are set for an unmasked
 * exception. Returns true when no unmasked exception was raised.
 */
export function commit(x: X87State, cc: number): boolean {
  const fl = x.env.flags;
  const sw = (x.sw & ~cc) | (fl & (cc | SW_EXC));
  if ((fl & ~x.env.cw & SW_EXC) !== 0) {
    x.sw = sw | SW_ES | SW_B;
    return false;
  }
  x.sw = sw;
  return true;
}

/**
 * Stack overflow (`overflow`, C1 = 1) or underflow (C1 = 0): IE and SF
 * (SDM Vol. 1 8.5.1.1). Returns true when IE is masked and the caller must
 * apply the masked response (QNaN indefinite); false when unmasked (no
 * register or TOP change, #MF at the next waiting instruction).
 */
export function stackFault(x: X87State, overflow: boolean, cc = SW_C1): boolean {
  const sw = (x.sw & ~cc) | SW_IE | SW_SF | (overflow ? SW_C1 : 0);
  if ((x.env.cw & SW_IE) === 0) {
    x.sw = sw | SW_ES | SW_B;
    return false;
  }
  x.sw = sw;
  return true;
}

/** Stack underflow for a compare: codes become "unordered" even when IE is unmasked (host check). */
export function compareUnderflow(x: X87State): boolean {
  const masked = stackFault(x, false, SW_CC);
  x.sw |= 0x4500; // C3 C2 C0
  return masked;
}

/** Writes the QNaN indefinite to physical register r and tags it non-empty. */
export function setIndefinite(x: X87State, r: number): void {
  writeIndefinite(x.regs, r);
  x.full |= 1 << r;
}

/** True when physical register r is not empty. */
export function isFull(x: X87State, r: number): boolean {
  return ((x.full >> r) & 1) !== 0;
}

/** Decrements TOP and tags the new ST(0) non-empty (its contents are the caller's). */
export function push(x: X87State): void {
  const t = (x.top - 1) & 7;
  x.top = t;
  x.full |= 1 << t;
}

/** Tags ST(0) empty and increments TOP. */
export function pop(x: X87State): void {
  x.full &= ~(1 << x.top);
  x.top = (x.top + 1) & 7;
}

/**
 * Room for a push: returns the physical register that will be ST(0), or -1
 * after a stack overflow (ST(7) not empty) was handled: masked, TOP is
 * decremented and ST(0) is the QNaN indefinite (C1 = 1); unmasked, nothing
 * changes.
 */
export function pushSlot(x: X87State): number {
  const d = (x.top - 1) & 7;
  if (((x.full >> d) & 1) === 0) return d;
  if (stackFault(x, true)) {
    setIndefinite(x, d);
    x.top = d;
  }
  return -1;
}

/** Completes a push into slot d (from pushSlot) and sets C1 = 0. */
export function pushDone(x: X87State, d: number): void {
  x.top = d;
  x.full |= 1 << d;
  x.sw &= ~SW_C1;
}

/** Linear address of a `size`-byte store at seg:off, checked and probed so that no byte is written before a fault. */
export function storeAddr(c: Cpu, seg: number, off: number, size: number): number {
  const lin = c.writeAddr(seg, off, size);
  c.probeWrite(lin, size);
  return lin;
}

/** Memory operand kinds of the arithmetic and compare instructions. */
export const MEM_F32 = 0, MEM_F64 = 1, MEM_I32 = 2, MEM_I16 = 3;

/**
 * Reads an arithmetic memory operand into SLOT_MEM (exactly, no flags: an
 * SNaN stays signaling so the operation reports it). Returns 1 when it was
 * a denormal m32fp/m64fp (the core's `memDenormal`), else 0.
 */
export function loadMemOperand(c: Cpu, x: X87State, kind: number, off: number, seg: number): number {
  switch (kind) {
    case MEM_F32:
      return f80WidenF32(x.regs, SLOT_MEM, c.read32(seg, off)) === WIDEN_DENORMAL ? 1 : 0;
    case MEM_F64: {
      const lo = c.read32(seg, off);
      const hi = c.read32(seg, (off + 4) | 0);
      return f80WidenF64(x.regs, SLOT_MEM, hi, lo) === WIDEN_DENORMAL ? 1 : 0;
    }
    case MEM_I32:
      f80FromInt32(x.regs, SLOT_MEM, c.read32(seg, off));
      return 0;
    default:
      f80FromInt32(x.regs, SLOT_MEM, (c.read16(seg, off) << 16) >> 16);
      return 0;
  }
}

/**
 * Start of an arithmetic or compare memory form: pending #MF first, then the
 * operand is read into SLOT_MEM (a fault there leaves FIP/FDP as they were),
 * then FIP/FOP and FDP. Returns loadMemOperand's denormal bit (0/1), or -1
 * when the instruction does not execute.
 */
export function beginMemOperand(c: Cpu, x: X87State, kind: number, fop: number, off: number, seg: number): number {
  if ((x.sw & SW_ES) !== 0 && !pendingError(c)) return -1;
  const den = loadMemOperand(c, x, kind, off, seg);
  noteInsn(c, x, fop);
  noteData(c, x, off, seg);
  return den;
}

/** Start of a waiting non-control register instruction: pending #MF first, then FIP/FOP. */
export function begin(c: Cpu, x: X87State, fop: number): boolean {
  if ((x.sw & SW_ES) !== 0 && !pendingError(c)) return false;
  noteInsn(c, x, fop);
  return true;
}
