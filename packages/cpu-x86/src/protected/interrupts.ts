/**
 * Interrupt and exception delivery (Intel SDM Vol. 3A 6.12-6.14, and Vol. 2A
 * "INT n/INTO/INT3/INT1" pseudocode): the real-mode IVT, and protected-mode IDT
 * gates with their privilege checks, the stack switch through the TSS, error
 * codes, and virtual-8086 exits. The caller leaves in `cpu.eip` the address to
 * return to (the faulting instruction for faults, the next one otherwise).
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $descriptor from './descriptor.js';
import * as $task_switch from './task-switch.js';
import * as $stack_frame from './stack-frame.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CS, DS, ES, FLAG_AC, FLAG_IF, FLAG_NT, FLAG_RF, FLAG_TF, FLAG_VM, FS, GS, SS, VEC_GP, VEC_NP, VEC_SS, VEC_TS } = $constants;
const { desc, descAttr, descBase, descDpl, descLimit, readDescriptor } = $descriptor;
const { TASK_SWITCH_INT, taskSwitch } = $task_switch;
const { DATA_SEGMENTS, pushOnCurrentStack, pushOnInnerStack } = $stack_frame;

/** A processor exception (EXT = 1, no gate DPL check). */
export const INT_EXCEPTION = 0;
/** An external interrupt or NMI (EXT = 1, no gate DPL check). */
export const INT_EXTERNAL = 1;
/** INT n, INT3 and INTO: gate DPL is checked against CPL, EXT = 0. */
export const INT_SOFTWARE = 2;

/** Exceptions of the fault class (Intel SDM Vol. 3A table 6-1); #DB is treated as a trap. */
const FAULT_CLASS = new Uint8Array(256);
for (const v of [0, 5, 6, 7, 10, 11, 12, 13, 14, 16, 17, 19]) FAULT_CLASS[v] = 1;

/** Cycles charged for delivering an interrupt through a gate (P6-class figure, order of magnitude). */
export const INTERRUPT_CYCLES = 60;

export function deliverInterrupt(c: Cpu, vector: number, kind: number, errorCode: number): void {
  c.extraCycles += INTERRUPT_CYCLES;
  if (!c.protectedMode) {
    deliverReal(c, vector);
    return;
  }
  const ext = kind === INT_SOFTWARE ? 0 : 1;
  const gateError = (vector << 3) | 2 | ext;
  if (kind === INT_SOFTWARE && c.vm86 && ((c.flags >> 12) & 3) < 3) c.fault(VEC_GP, 0);
  if ((vector << 3) + 7 > c.idtrLimit) c.fault(VEC_GP, gateError);
  const gateLin = (c.idtrBase + (vector << 3)) | 0;
  const lo = c.sysRead32(gateLin);
  const hi = c.sysRead32((gateLin + 4) | 0);
  const type = (hi >>> 8) & 0x1f;
  if (type !== 0x05 && type !== 0x06 && type !== 0x07 && type !== 0x0e && type !== 0x0f) c.fault(VEC_GP, gateError);
  if (kind === INT_SOFTWARE && descDpl(hi) < c.cpl) c.fault(VEC_GP, gateError);
  if ((hi & 0x8000) === 0) c.fault(VEC_NP, gateError);

  if (type === 0x05) {
    taskSwitch(c, lo >>> 16, TASK_SWITCH_INT, errorCode, ext);
    return;
  }

  const is32 = (type & 0x08) !== 0;
  const isInterruptGate = (type & 1) === 0;
  const selector = lo >>> 16;
  const offset = is32 ? (lo & 0xffff) | (hi & 0xffff0000) : lo & 0xffff;

  if ((selector & 0xfffc) === 0) c.fault(VEC_GP, ext);
  readDescriptor(c, selector, VEC_GP);
  const cLo = desc[0];
  const cHi = desc[1];
  const selErr = (selector & 0xfffc) | ext;
  if ((cHi & 0x1800) !== 0x1800) c.fault(VEC_GP, selErr); // must be a code segment
  const dpl = descDpl(cHi);
  if (dpl > c.cpl) c.fault(VEC_GP, selErr);
  if ((cHi & 0x8000) === 0) c.fault(VEC_NP, selErr);
  const conforming = (cHi & 0x400) !== 0;
  const csLimit = descLimit(cLo, cHi);
  if (offset >>> 0 > csLimit) c.fault(VEC_GP, 0);

  // Faults push EFLAGS with RF set, so that the IRET back does not re-trigger an
  // instruction breakpoint (Intel SDM Vol. 3A 17.3.1.1).
  const oldFlags = kind === INT_EXCEPTION && FAULT_CLASS[vector] === 1 ? c.getEflags() | FLAG_RF : c.getEflags();
  const oldCs = c.segSel[CS];
  const oldEip = c.eip;
  const fromVm86 = (oldFlags & FLAG_VM) !== 0;

  if (!conforming && dpl < c.cpl) {
    // Inner privilege: take SS:ESP for the new ring from the TSS.
    if (fromVm86 && dpl !== 0) c.fault(VEC_GP, selErr);
    const newCpl = dpl;
    let newSs: number;
    let newEsp: number;
    const tss32 = (c.trType & 8) !== 0;
    if (tss32) {
      if (newCpl * 8 + 11 > c.trLimit) c.fault(VEC_TS, (c.trSel & 0xfffc) | ext);
      newEsp = c.sysRead32((c.trBase + 4 + newCpl * 8) | 0);
      newSs = c.sysRead16((c.trBase + 8 + newCpl * 8) | 0);
    } else {
      if (newCpl * 4 + 5 > c.trLimit) c.fault(VEC_TS, (c.trSel & 0xfffc) | ext);
      newEsp = c.sysRead16((c.trBase + 2 + newCpl * 4) | 0);
      newSs = c.sysRead16((c.trBase + 4 + newCpl * 4) | 0);
    }
    if ((newSs & 0xfffc) === 0) c.fault(VEC_TS, ext);
    if ((newSs & 3) !== newCpl) c.fault(VEC_TS, (newSs & 0xfffc) | ext);
    readDescriptor(c, newSs, VEC_TS);
    const sLo = desc[0];
    const sHi = desc[1];
    if (descDpl(sHi) !== newCpl || (sHi & 0x1a00) !== 0x1200) c.fault(VEC_TS, (newSs & 0xfffc) | ext);
    if ((sHi & 0x8000) === 0) c.fault(VEC_SS, (newSs & 0xfffc) | ext);

    const ssBase = descBase(sLo, sHi);
    const ssLimit = descLimit(sLo, sHi);
    const ssAttr = descAttr(sHi);
    const ss32 = (ssAttr & 0x4000) !== 0;
    const wordSize = is32 ? 4 : 2;
    const words = (fromVm86 ? 9 : 5) + (errorCode >= 0 ? 1 : 0);
    let sp = ss32 ? newEsp : newEsp & 0xffff;
    const frameBottom = ((sp - words * wordSize) >>> 0) & (ss32 ? 0xffffffff : 0xffff);
    checkStackRange(c, ssAttr, ssLimit, frameBottom, words * wordSize, (newSs & 0xfffc) | ext);

    if (fromVm86) {
      sp = pushOnInnerStack(c, ssBase, sp, ss32, is32, c.segSel[GS]);
      sp = pushOnInnerStack(c, ssBase, sp, ss32, is32, c.segSel[FS]);
      sp = pushOnInnerStack(c, ssBase, sp, ss32, is32, c.segSel[DS]);
      sp = pushOnInnerStack(c, ssBase, sp, ss32, is32, c.segSel[ES]);
    }
    sp = pushOnInnerStack(c, ssBase, sp, ss32, is32, c.segSel[SS]);
    sp = pushOnInnerStack(c, ssBase, sp, ss32, is32, c.reg32[4]);
    sp = pushOnInnerStack(c, ssBase, sp, ss32, is32, oldFlags);
    sp = pushOnInnerStack(c, ssBase, sp, ss32, is32, oldCs);
    sp = pushOnInnerStack(c, ssBase, sp, ss32, is32, oldEip);
    if (errorCode >= 0) sp = pushOnInnerStack(c, ssBase, sp, ss32, is32, errorCode);

    c.flags &= ~(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM | (isInterruptGate ? FLAG_IF : 0));
    if (fromVm86) {
      for (const s of DATA_SEGMENTS) c.setSegmentCache(s, 0, 0, 0, 0x10000);
    }
    c.cpl = newCpl;
    c.setSegmentCache(SS, newSs, ssBase, ssLimit, ssAttr);
    if (ss32) c.reg32[4] = sp;
    else c.reg16[8] = sp;
    c.setSegmentCache(CS, (selector & 0xfffc) | newCpl, descBase(cLo, cHi), csLimit, descAttr(cHi));
    c.updateModeMasks();
    markCodeAccessed(c, selector);
    c.eip = offset;
    return;
  }

  // Same privilege (or conforming code).
  if (fromVm86) c.fault(VEC_GP, selErr);
  const wordSize = is32 ? 4 : 2;
  const bytes = (3 + (errorCode >= 0 ? 1 : 0)) * wordSize;
  const sp0 = c.stack32 ? c.reg32[4] : c.reg16[8];
  const bottom = ((sp0 - bytes) >>> 0) & (c.stack32 ? 0xffffffff : 0xffff);
  checkStackRange(c, c.segAttr[SS], c.segLimit[SS], bottom, bytes, 0, true);
  // Write the frame first and move ESP last, so a #PF on the stack leaves the state intact.
  let sp = sp0;
  sp = pushOnCurrentStack(c, sp, is32, oldFlags);
  sp = pushOnCurrentStack(c, sp, is32, oldCs);
  sp = pushOnCurrentStack(c, sp, is32, oldEip);
  if (errorCode >= 0) sp = pushOnCurrentStack(c, sp, is32, errorCode);
  if (c.stack32) c.reg32[4] = sp;
  else c.reg16[8] = sp;
  c.flags &= ~(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM | (isInterruptGate ? FLAG_IF : 0));
  c.setSegmentCache(CS, (selector & 0xfffc) | c.cpl, descBase(cLo, cHi), csLimit, descAttr(cHi));
  markCodeAccessed(c, selector);
  c.eip = offset;
}

/** Checks that [bottom, bottom+bytes) fits the stack segment (expand-up or down), else #SS. */
function checkStackRange(c: Cpu, attr: number, limit: number, bottom: number, bytes: number, err: number, current = false): void {
  const expandDown = (attr & 0x1c) === 0x14;
  const top = bottom + bytes - 1;
  let ok: boolean;
  if (expandDown) {
    const upper = (attr & 0x4000) !== 0 ? 0xffffffff : 0xffff;
    ok = bottom > limit && top <= upper;
  } else {
    ok = top <= limit;
  }
  if (!ok) c.fault(VEC_SS, current ? 0 : err);
}

function markCodeAccessed(c: Cpu, selector: number): void {
  // readDescriptor left the code descriptor's address in desc[2] only if no other read intervened;
  // re-read to be safe (cheap, rare).
  readDescriptor(c, selector, VEC_GP);
  if ((desc[1] & 0x100) === 0) c.sysWrite8((desc[2] + 5) | 0, ((desc[1] >>> 8) | 1) & 0xff);
}

/** Real-address mode: the IVT at IDTR.base, 4 bytes a vector (Intel SDM Vol. 3A 20.1.4). */
function deliverReal(c: Cpu, vector: number): void {
  if (vector * 4 + 3 > c.idtrLimit) c.fault(VEC_GP, 0);
  const lin = (c.idtrBase + vector * 4) | 0;
  const ip = c.lread16(lin);
  const cs = c.lread16((lin + 2) | 0);
  const flags = c.getEflags();
  c.push16(flags);
  c.push16(c.segSel[CS]);
  c.push16(c.eip);
  c.flags &= ~(FLAG_IF | FLAG_TF | FLAG_AC | FLAG_RF);
  c.setSegmentCache(CS, cs, cs << 4, c.segLimit[CS], c.segAttr[CS]);
  c.eip = ip;
}
