/**
 * The architectural state of the x87 FPU as the CPU sees it (Intel SDM Vol. 1
 * 8.1): eight physical data registers, TOP, the tag word, the control and
 * status words, and the last-instruction pointers (FIP = CS:EIP, FOP, FDP =
 * DS:offset).
 *
 * Representation:
 * - `regs` is one float80 register file (see float80-regs.ts): slots 0..7
 *   are the physical registers R0..R7 (ST(i) is slot (top + i) & 7), slots
 *   8.. are scratch (memory operands, the +0.0 of FTST).
 * - The tag word is kept abridged, as on the P6: `full` has bit i set when
 *   Ri is not empty. FNSTENV/FNSAVE compute the 2-bit tags (valid, zero,
 *   special) from the register contents, and FLDENV/FRSTOR only look at
 *   "empty or not" (checked on the host: a loaded tag of 00 for a register
 *   holding +0 is stored back as 01).
 * - `sw` is the status word without TOP (bits 13..11 are kept 0 here);
 *   `status` composes the architectural value. ES and B (which mirrors ES on
 *   the 387 and later) are set when an instruction raises an exception whose
 *   mask bit is clear, and recomputed by FLDCW/FLDENV/FRSTOR.
 * - `env.cw` is the control word; the float80 core reads RC/PC/masks from it.
 *
 * FERR# / IGNNE# (CR0.NE = 0, "MS-DOS compatible" error reporting, SDM
 * Vol. 1 D.2): a PC routes FERR# to IRQ 13 and asserts IGNNE# when software
 * writes port F0h. Connect `onFerr` to the interrupt controller (raise IRQ 13
 * on true, lower it on false) and set `ignne` from the port F0h handler.
 * FERR# is asserted when a waiting FPU instruction (or WAIT) finds an
 * unmasked exception pending, as on the P6 (deferred error reporting); the
 * instruction then freezes (the CPU halts with EIP at it, so the IRQ 13
 * handler runs and the instruction is retried after its IRET) unless
 * `ignne` is set, in which case it executes normally. FERR# is released,
 * and `ignne` cleared, when ES is cleared (FNCLEX, FNINIT, FNSAVE,
 * FLDENV/FRSTOR/FLDCW leaving nothing unmasked). With no `onFerr` connected
 * the error is ignored as if IGNNE# were asserted. With CR0.NE = 1 a pending
 * exception raises #MF (vector 16) instead.
 */
import * as $float80 from './float80.js';
import { FpuEnv } from './float80.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { classifyParts, createF80File, CW_DEFAULT, K_NORMAL, K_ZERO } = $float80;

// Status word bits (SDM Vol. 1 Figure 8-4).
export const SW_IE = 0x0001;
export const SW_DE = 0x0002;
export const SW_ZE = 0x0004;
export const SW_OE = 0x0008;
export const SW_UE = 0x0010;
export const SW_PE = 0x0020;
export const SW_SF = 0x0040;
export const SW_ES = 0x0080;
export const SW_C0 = 0x0100;
export const SW_C1 = 0x0200;
export const SW_C2 = 0x0400;
export const SW_TOP = 0x3800;
export const SW_C3 = 0x4000;
export const SW_B = 0x8000;
export const SW_EXC = 0x003f;
export const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;

/** Tag values (SDM Vol. 1 Figure 8-7). */
export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

/** Scratch slots of the register file, after the eight physical registers. */
export const SLOT_MEM = 8;
/** Always +0.0 (FTST compares with it). */
export const SLOT_ZERO = 9;
export const SLOT_TMP = 10;
const SLOTS = 11;

/** Indexes of X87State.ptr. */
export const PTR_FIP = 0, PTR_FCS = 1, PTR_FOP = 2, PTR_FDP = 3, PTR_FDS = 4;

/** Control word bits that exist (SDM: bits 6 and 13..15 reserved; the host keeps bit 12 and reads bit 6 as 1). */
const CW_WRITABLE = 0x1f3f;
const CW_ONE = 0x0040;

export class X87State {
  /** Physical registers R0..R7 in slots 0..7, then scratch slots. */
  readonly regs = createF80File(SLOTS);
  /** Control word and the exception/condition output of the float80 core. */
  readonly env = new FpuEnv(CW_DEFAULT);
  /** TOP: the physical register that is ST(0). */
  top = 0;
  /** Bit i set: physical register Ri is not empty (tag != 11b). */
  full = 0;
  /** Status word except TOP (see `status`). */
  sw = 0;
  /**
   * Last-instruction pointers, [FIP, FCS, FOP, FDP, FDS] (see the accessors).
   * A typed array so that 32-bit offsets never become heap numbers.
   */
  readonly ptr = new Int32Array(5);

  /** FERR# output (CR0.NE = 0): see the module comment. */
  onFerr: ((asserted: boolean) => void) | null = null;
  /** IGNNE# input: while set, a pending error does not freeze waiting instructions. */
  ignne = false;
  /** Current level of FERR#. */
  ferr = false;

  constructor() {
    this.reset();
  }

  /**
   * The state after RESET (Intel SDM Vol. 3A table 9-1, P6 family): CW 0040h
   * (every exception unmasked), SW 0, all eight registers +0 and tagged
   * "zero" (TW 5555h). Software runs FNINIT before using the FPU, as the
   * Linux runner does for a new process.
   */
  reset(): void {
    this.regs.fill(0);
    this.init();
    this.env.cw = 0x0040;
    this.full = 0xff;
  }

  /** FNINIT (SDM Vol. 2 FINIT): register contents are kept. */
  init(): void {
    this.env.cw = CW_DEFAULT;
    this.env.flags = 0;
    this.sw = 0;
    this.top = 0;
    this.full = 0;
    this.ptr.fill(0);
    this.setFerr(false);
  }

  /** Last non-control instruction: offset (EIP), CS selector and 11-bit opcode. */
  get fip(): number {
    return this.ptr[PTR_FIP] >>> 0;
  }
  set fip(v: number) {
    this.ptr[PTR_FIP] = v;
  }
  get fcs(): number {
    return this.ptr[PTR_FCS];
  }
  set fcs(v: number) {
    this.ptr[PTR_FCS] = v;
  }
  get fop(): number {
    return this.ptr[PTR_FOP];
  }
  set fop(v: number) {
    this.ptr[PTR_FOP] = v;
  }
  /** Last memory operand of a non-control instruction: offset and segment selector. */
  get fdp(): number {
    return this.ptr[PTR_FDP] >>> 0;
  }
  set fdp(v: number) {
    this.ptr[PTR_FDP] = v;
  }
  get fds(): number {
    return this.ptr[PTR_FDS];
  }
  set fds(v: number) {
    this.ptr[PTR_FDS] = v;
  }

  get cw(): number {
    return this.env.cw;
  }

  /** FLDCW/FLDENV: loads the control word and re-evaluates ES/B. */
  set cw(v: number) {
    this.env.cw = (v & CW_WRITABLE) | CW_ONE;
    this.updateErrorSummary();
  }

  /** The architectural status word (with TOP). */
  get status(): number {
    return this.sw | (this.top << 11);
  }

  /** FLDENV/FRSTOR: loads the status word; ES and B are recomputed from the flags and masks (host check). */
  set status(v: number) {
    this.top = (v >>> 11) & 7;
    this.sw = v & 0xffff & ~SW_TOP;
    this.updateErrorSummary();
  }

  /** ES = B = some exception flag is set whose mask bit is clear. */
  updateErrorSummary(): void {
    if ((this.sw & ~this.env.cw & SW_EXC) !== 0) this.sw |= SW_ES | SW_B;
    else {
      this.sw &= ~(SW_ES | SW_B);
      this.setFerr(false);
    }
  }

  /** FNCLEX: clears the exception flags, SF, ES and B. */
  clearExceptions(): void {
    this.sw &= ~(SW_EXC | SW_SF | SW_ES | SW_B);
    this.setFerr(false);
  }

  /** Drives FERR#; releasing it also releases IGNNE# (the PC latch is reset with it). */
  setFerr(on: boolean): void {
    if (!on) this.ignne = false;
    if (this.ferr === on) return;
    this.ferr = on;
    if (this.onFerr !== null) this.onFerr(on);
  }

  /** Physical register number of ST(i). */
  st(i: number): number {
    return (this.top + i) & 7;
  }

  /** Tag of physical register r computed from its contents (SDM Vol. 1 8.1.7). */
  tagOf(r: number): number {
    if (((this.full >> r) & 1) === 0) return TAG_EMPTY;
    const o = r << 2;
    const k = classifyParts(this.regs[o + 2], this.regs[o + 1], this.regs[o]);
    return k === K_NORMAL ? TAG_VALID : k === K_ZERO ? TAG_ZERO : TAG_SPECIAL;
  }

  /** The full tag word (two bits per physical register). */
  get tagWord(): number {
    let t = 0;
    for (let r = 7; r >= 0; r--) t = (t << 2) | this.tagOf(r);
    return t;
  }

  /** FLDENV/FRSTOR: only "empty" (11b) versus "not empty" matters. */
  set tagWord(t: number) {
    let full = 0;
    for (let r = 0; r < 8; r++) if (((t >> (2 * r)) & 3) !== TAG_EMPTY) full |= 1 << r;
    this.full = full;
  }

  /**
   * A copy of the whole architectural state (registers, TOP, tags, CW, SW,
   * pointers), e.g. for fork() or a signal frame; `restore` puts it back.
   * FERR#/IGNNE# are machine wiring and are not part of it.
   */
  snapshot(): X87Snapshot {
    return {
      regs: this.regs.slice(0, 32),
      top: this.top,
      full: this.full,
      cw: this.env.cw,
      sw: this.sw,
      ptr: this.ptr.slice(),
    };
  }

  restore(s: X87Snapshot): void {
    this.regs.set(s.regs, 0);
    this.top = s.top;
    this.full = s.full;
    this.env.cw = s.cw;
    this.sw = s.sw;
    this.ptr.set(s.ptr);
    this.updateErrorSummary();
  }

  // --- Convenience accessors (tests, debuggers, signal frames) ---------------

  /** Raw 80-bit contents of physical register r: [sign/exponent, significand hi, significand lo]. */
  rawRegister(r: number): [number, number, number] {
    const o = r << 2;
    return [this.regs[o + 2], this.regs[o + 1], this.regs[o]];
  }

  /** Writes the raw contents of physical register r (the tag is not changed). */
  setRawRegister(r: number, se: number, hi: number, lo: number): void {
    const o = r << 2;
    this.regs[o] = lo >>> 0;
    this.regs[o + 1] = hi >>> 0;
    this.regs[o + 2] = se & 0xffff;
  }
}

/** Saved FPU state (X87State.snapshot). */
export interface X87Snapshot {
  /** The eight physical registers, 4 words each (see float80-regs.ts). */
  regs: Uint32Array;
  top: number;
  /** Bit i: physical register i not empty. */
  full: number;
  cw: number;
  /** Status word without TOP. */
  sw: number;
  /** [FIP, FCS, FOP, FDP, FDS] (X87State.ptr). */
  ptr: Int32Array;
}
