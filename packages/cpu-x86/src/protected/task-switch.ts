/**
 * Hardware task switching (Intel SDM Vol. 3A 7.3 "Task Switching", table 7-1,
 * and the TASK-GATE / TASK-STATE-SEGMENT / TASK-RETURN paths of the "CALL",
 * "JMP", "IRET" and "INT n" pseudocode in Vol. 2).
 *
 * The callers (far-transfer.ts, interrupts.ts) have already checked the gate
 * or TSS descriptor DPL for JMP/CALL/INT n; this module does everything from
 * the TSS selector on:
 *
 *  1. the TSS selector must name a TSS descriptor in the GDT, available for
 *     JMP/CALL/INT (#GP) or busy for IRET (#TS), present (#NP), with a limit
 *     of at least 67h (2Bh for a 16-bit TSS) (#TS);
 *  2. every page the switch will touch (new TSS, old TSS save area, the GDT
 *     entries whose busy bit changes) is translated first, so a #PF aborts the
 *     switch with nothing changed;
 *  3. the old busy bit is cleared (JMP, IRET), the current state is saved in
 *     the old TSS (EIP = cpu.eip, which the caller set to the next or the
 *     faulting instruction; NT cleared in the image for IRET), the back link
 *     of the new TSS is written (CALL, INT), and the new busy bit is set
 *     (JMP, CALL, INT);
 *  4. commit: TR, CR0.TS, DR7.L0-L3/LE cleared, EIP, EFLAGS (NT set for
 *     CALL/INT), general registers and segment selectors; CR3 (32-bit TSS,
 *     paging on; the non-global TLB is flushed when the value changes, SDM
 *     4.10.4.1); then LDTR and the segment descriptors are loaded and checked
 *     in the P6 order of table 7-1. A fault from here on is delivered in the
 *     new task's context with EIP = the new task's first instruction;
 *  5. for an exception with an error code delivered through a task gate, the
 *     code is pushed on the new task's stack; EIP is checked against CS; the
 *     T bit of a 32-bit TSS raises a #DB trap (DR6.BT) before the first
 *     instruction of the new task.
 *
 * Error codes carry EXT (bit 0) when the switch delivers an external event or
 * an exception (SDM 6.13).
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $descriptor from './descriptor.js';
import * as $segment_load from './segment-load.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CR0_PG, CR0_TS, CS, DS, EAX, EBP, EBX, ECX, EDI, EDX, ES, ESI, ESP, FLAG_NT, FLAG_VM, FS, GS, SS, VEC_DB, VEC_GP, VEC_NP, VEC_SS, VEC_TS } = $constants;
const { desc, descAttr, descBase, descDpl, descLimit, readDescriptor } = $descriptor;
const { VM86_ATTR } = $segment_load;

export const TASK_SWITCH_JMP = 0, TASK_SWITCH_CALL = 1, TASK_SWITCH_IRET = 2, TASK_SWITCH_INT = 3;

/** A P6 task switch takes a few hundred clocks (two TSS images, descriptor loads). */
export const TASK_SWITCH_CYCLES = 300;

/** Minimum limits of a new TSS (SDM 7.2.2) and of the old one's save area. */
const TSS32_MIN_LIMIT = 0x67;
const TSS16_MIN_LIMIT = 0x2b;
const TSS32_SAVE_END = 0x5f;
const TSS16_SAVE_END = 0x29;

/** Segment registers in the order of their TSS slots (ES CS SS DS FS GS). */
const SEG_SLOTS = [ES, CS, SS, DS, FS, GS] as const;
/** General registers in the order of their TSS slots. */
const REG_SLOTS = [EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI] as const;

// Scratch state of the incoming task (module level: the switch does not allocate).
const newRegs = new Int32Array(8);
const newSels = new Uint16Array(6);

/** Translates [lin, lin+len] for a supervisor access so a later write or read cannot fault half way. */
function probe(c: Cpu, lin: number, len: number, write: boolean): void {
  c.translateEntry(lin | 0, write, false, false);
  c.translateEntry((lin + len) | 0, write, false, false);
}

/**
 * Reads the descriptor of a non-null selector into `desc`; false when it lies
 * beyond its table (or names a null LDT), in which case nothing is read.
 */
function fetchDescriptor(c: Cpu, selector: number): boolean {
  if ((selector & 0xfffc) === 0) return false;
  let limit: number;
  if ((selector & 4) !== 0) {
    if ((c.ldtrSel & 0xfffc) === 0) return false;
    limit = c.ldtrLimit;
  } else {
    limit = c.gdtrLimit;
  }
  if ((selector & 0xfff8) + 7 > limit >>> 0) return false;
  readDescriptor(c, selector);
  return true;
}

/** Sets the accessed bit of the code/data descriptor at linear address `lin`. */
function markAccessed(c: Cpu, lin: number, hi: number): void {
  if ((hi & 0x100) === 0) c.sysWrite8((lin + 5) | 0, ((hi >>> 8) | 1) & 0xff);
}

function isCode(hi: number): boolean {
  return (hi & 0x1800) === 0x1800;
}

/**
 * Switches to the task whose TSS `selector` names. `reason` is one of
 * TASK_SWITCH_*; `errorCode` (or -1) is pushed on the new stack for
 * TASK_SWITCH_INT; `ext` is the EXT bit for error codes.
 */
export function taskSwitch(c: Cpu, selector: number, reason: number, errorCode: number, ext: number): void {
  c.extraCycles += TASK_SWITCH_CYCLES;
  selector &= 0xffff;
  ext &= 1;
  const iret = reason === TASK_SWITCH_IRET;
  const nesting = reason === TASK_SWITCH_CALL || reason === TASK_SWITCH_INT;
  const selErr = (selector & 0xfffc) | ext;
  // IRET reports a bad back link as #TS; JMP/CALL/INT report a bad TSS selector as #GP.
  const badTss = iret ? VEC_TS : VEC_GP;

  // --- The new TSS descriptor: GDT only, a TSS, busy as the reason requires, present, big enough.
  if ((selector & 4) !== 0 || (selector & 0xfff8) + 7 > c.gdtrLimit >>> 0) c.fault(badTss, selErr);
  readDescriptor(c, selector);
  const tLo = desc[0];
  const tHi = desc[1];
  const tLin = desc[2];
  const tType = (tHi >>> 8) & 0x1f; // with the S bit, which must be clear
  if (tType !== 0x01 && tType !== 0x03 && tType !== 0x09 && tType !== 0x0b) c.fault(badTss, selErr);
  const busy = (tType & 2) !== 0;
  if (iret ? !busy : busy) c.fault(badTss, selErr);
  if ((tHi & 0x8000) === 0) c.fault(VEC_NP, selErr);
  const new32 = (tType & 8) !== 0;
  const newBase = descBase(tLo, tHi);
  const newLimit = descLimit(tLo, tHi);
  if (newLimit < (new32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT)) c.fault(VEC_TS, selErr);

  const old32 = (c.trType & 8) !== 0;
  const oldBase = c.trBase;
  if (c.trLimit < (old32 ? TSS32_SAVE_END : TSS16_SAVE_END)) c.fault(VEC_TS, (c.trSel & 0xfffc) | ext);
  const oldDescLin =
    (c.trSel & 0xfffc) !== 0 && (c.trSel & 4) === 0 && (c.trSel & 0xfff8) + 7 <= c.gdtrLimit >>> 0
      ? (c.gdtrBase + (c.trSel & 0xfff8)) | 0
      : -1;

  // --- Everything the switch touches must be mapped before anything changes (SDM 7.3 step 5).
  probe(c, newBase, new32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT, false);
  if (nesting) probe(c, newBase, 1, true);
  if (old32) probe(c, oldBase + 0x20, TSS32_SAVE_END - 0x20, true);
  else probe(c, oldBase + 0x0e, TSS16_SAVE_END - 0x0e, true);
  if (!iret) probe(c, tLin + 5, 0, true);
  if (!nesting && oldDescLin !== -1) probe(c, oldDescLin + 5, 0, true);

  // --- Leave the old task.
  if (!nesting && oldDescLin !== -1) {
    c.sysWrite8((oldDescLin + 5) | 0, c.sysRead8((oldDescLin + 5) | 0) & ~2);
  }
  let oldFlags = c.getEflags();
  if (iret) oldFlags &= ~FLAG_NT;
  if (old32) {
    c.sysWrite32((oldBase + 0x20) | 0, c.eip);
    c.sysWrite32((oldBase + 0x24) | 0, oldFlags);
    for (let i = 0; i < 8; i++) c.sysWrite32((oldBase + 0x28 + i * 4) | 0, c.reg32[REG_SLOTS[i]]);
    for (let i = 0; i < 6; i++) c.sysWrite16((oldBase + 0x48 + i * 4) | 0, c.segSel[SEG_SLOTS[i]]);
  } else {
    c.sysWrite16((oldBase + 0x0e) | 0, c.eip & 0xffff);
    c.sysWrite16((oldBase + 0x10) | 0, oldFlags & 0xffff);
    for (let i = 0; i < 8; i++) c.sysWrite16((oldBase + 0x12 + i * 2) | 0, c.reg16[REG_SLOTS[i] << 1]);
    for (let i = 0; i < 4; i++) c.sysWrite16((oldBase + 0x22 + i * 2) | 0, c.segSel[SEG_SLOTS[i]]);
  }
  if (nesting) c.sysWrite16(newBase, c.trSel);

  // --- Read the new task's state.
  let newEip: number;
  let newFlags: number;
  let newLdt: number;
  let newCr3 = 0;
  let trapWord = 0;
  if (new32) {
    newCr3 = c.sysRead32((newBase + 0x1c) | 0);
    newEip = c.sysRead32((newBase + 0x20) | 0);
    newFlags = c.sysRead32((newBase + 0x24) | 0);
    for (let i = 0; i < 8; i++) newRegs[REG_SLOTS[i]] = c.sysRead32((newBase + 0x28 + i * 4) | 0);
    for (let i = 0; i < 6; i++) newSels[SEG_SLOTS[i]] = c.sysRead16((newBase + 0x48 + i * 4) | 0);
    newLdt = c.sysRead16((newBase + 0x60) | 0);
    trapWord = c.sysRead16((newBase + 0x64) | 0);
  } else {
    newEip = c.sysRead16((newBase + 0x0e) | 0);
    newFlags = c.sysRead16((newBase + 0x10) | 0);
    // Upper halves of the general registers: all ones (the SDM is silent; Bochs and QEMU agree on this).
    for (let i = 0; i < 8; i++) newRegs[REG_SLOTS[i]] = 0xffff0000 | c.sysRead16((newBase + 0x12 + i * 2) | 0);
    for (let i = 0; i < 4; i++) newSels[SEG_SLOTS[i]] = c.sysRead16((newBase + 0x22 + i * 2) | 0);
    newSels[FS] = 0;
    newSels[GS] = 0;
    newLdt = c.sysRead16((newBase + 0x2a) | 0);
  }
  if (!iret) c.sysWrite8((tLin + 5) | 0, ((tHi >>> 8) | 2) & 0xff);

  // ===== Commit point: from here on faults belong to the new task. =====
  c.trSel = selector;
  c.trBase = newBase;
  c.trLimit = newLimit;
  c.trType = (tType & 0xf) | 2;
  c.cr0 |= CR0_TS;
  c.dr[7] &= ~0x155; // L0-L3 and LE are task-local
  c.updateBreakpoints();
  if (nesting) newFlags |= FLAG_NT;
  c.eip = newEip;
  c.instrStart = newEip;
  c.reg32.set(newRegs);
  c.setEflags(new32 ? newFlags : newFlags & 0xffff);
  c.inhibitInterrupts = false;
  const vm86 = (c.flags & FLAG_VM) !== 0;
  // Selectors are in place even if their descriptors turn out bad; the caches start unusable.
  for (let s = 0; s < 6; s++) c.setSegmentCache(s, newSels[s], 0, 0, 0x10000);
  c.ldtrSel = newLdt;
  c.ldtrBase = 0;
  c.ldtrLimit = 0;
  c.cpl = vm86 ? 3 : newSels[CS] & 3;
  c.updateModeMasks();
  if (new32 && (c.cr0 & CR0_PG) !== 0 && newCr3 !== c.cr3) {
    c.cr3 = newCr3;
    c.flushTlb(false);
  }

  // LDT selector valid (table 7-1 row 5): in the GDT, an LDT descriptor.
  let ldtPresent = true;
  if ((newLdt & 0xfffc) !== 0) {
    const ldtErr = (newLdt & 0xfffc) | ext;
    if ((newLdt & 4) !== 0 || !fetchDescriptor(c, newLdt)) c.fault(VEC_TS, ldtErr);
    if ((desc[1] & 0x1f00) !== 0x0200) c.fault(VEC_TS, ldtErr);
    ldtPresent = (desc[1] & 0x8000) !== 0;
    c.ldtrBase = descBase(desc[0], desc[1]);
    c.ldtrLimit = descLimit(desc[0], desc[1]);
  }

  if (vm86) {
    for (let s = 0; s < 6; s++) c.setSegmentCache(s, newSels[s], newSels[s] << 4, 0xffff, VM86_ATTR);
    if (!ldtPresent) c.fault(VEC_TS, (newLdt & 0xfffc) | ext);
  } else {
    loadProtectedSegments(c, ldtPresent, newLdt, ext);
  }

  // --- Finish the instruction (or event) that switched.
  if (reason === TASK_SWITCH_INT && errorCode >= 0) {
    const size = new32 ? 4 : 2;
    const sp = c.stack32 ? (c.reg32[ESP] - size) >>> 0 : (c.reg16[ESP << 1] - size) & 0xffff;
    if (sp < c.segWLo[SS] || sp + size - 1 > c.segWHi[SS]) c.fault(VEC_SS, ext);
    if (new32) c.push32(errorCode);
    else c.push16(errorCode);
  }
  if (c.eip >>> 0 > c.segLimit[CS]) c.fault(VEC_GP, ext);
  if (new32 && (trapWord & 1) !== 0) {
    // T flag: a #DB trap before the first instruction of the new task (SDM 7.2.1, 17.3.1.5).
    c.dr[6] |= 0x8000; // BT
    c.fault(VEC_DB);
  }
}

/** Loads SS, CS, then DS ES FS GS of a protected-mode task with the checks of table 7-1. */
function loadProtectedSegments(c: Cpu, ldtPresent: boolean, ldt: number, ext: number): void {
  const csSel = newSels[CS];
  const ssSel = newSels[SS];
  const cpl = csSel & 3;
  const csErr = (csSel & 0xfffc) | ext;
  const ssErr = (ssSel & 0xfffc) | ext;

  const csRead = fetchDescriptor(c, csSel);
  const csLo = desc[0];
  const csHi = desc[1];
  const csLin = desc[2];
  // Row 6: code segment DPL matches the selector RPL (conforming: DPL <= RPL).
  if (csRead && isCode(csHi)) {
    const dpl = descDpl(csHi);
    if ((csHi & 0x400) !== 0 ? dpl > cpl : dpl !== cpl) c.fault(VEC_TS, csErr);
  }
  // Rows 7-9: SS valid (a writable data segment), present, DPL = CPL.
  if (!fetchDescriptor(c, ssSel)) c.fault(VEC_TS, ssErr);
  const ssLo = desc[0];
  const ssHi = desc[1];
  const ssLin = desc[2];
  if ((ssHi & 0x1a00) !== 0x1200) c.fault(VEC_TS, ssErr);
  if ((ssHi & 0x8000) === 0) c.fault(VEC_SS, ssErr);
  if (descDpl(ssHi) !== cpl) c.fault(VEC_TS, ssErr);
  // Row 10: the LDT is present.
  if (!ldtPresent) c.fault(VEC_TS, (ldt & 0xfffc) | ext);
  // Rows 11-12: CS valid (a code segment) and present.
  if (!csRead || !isCode(csHi)) c.fault(VEC_TS, csErr);
  if ((csHi & 0x8000) === 0) c.fault(VEC_NP, csErr);
  // Row 13: SS DPL matches the selector RPL.
  if ((ssSel & 3) !== descDpl(ssHi)) c.fault(VEC_TS, ssErr);

  markAccessed(c, ssLin, ssHi);
  c.setSegmentCache(SS, ssSel, descBase(ssLo, ssHi), descLimit(ssLo, ssHi), descAttr(ssHi | 0x100));
  markAccessed(c, csLin, csHi);
  c.setSegmentCache(CS, csSel, descBase(csLo, csHi), descLimit(csLo, csHi), descAttr(csHi | 0x100));

  // Rows 14-17 for each data segment register; null selectors are allowed.
  loadDataSegment(c, DS, cpl, ext);
  loadDataSegment(c, ES, cpl, ext);
  loadDataSegment(c, FS, cpl, ext);
  loadDataSegment(c, GS, cpl, ext);
}

function loadDataSegment(c: Cpu, seg: number, cpl: number, ext: number): void {
  const sel = newSels[seg];
  if ((sel & 0xfffc) === 0) return;
  const err = (sel & 0xfffc) | ext;
  if (!fetchDescriptor(c, sel)) c.fault(VEC_TS, err);
  const lo = desc[0];
  const hi = desc[1];
  const lin = desc[2];
  if ((hi & 0x1000) === 0) c.fault(VEC_TS, err); // a system descriptor
  if ((hi & 0xa00) === 0x800) c.fault(VEC_TS, err); // execute-only code
  if ((hi & 0x8000) === 0) c.fault(VEC_NP, err);
  if ((hi & 0xc00) !== 0xc00) {
    // Data or non-conforming code: DPL >= CPL and DPL >= RPL.
    const dpl = descDpl(hi);
    if (dpl < cpl || dpl < (sel & 3)) c.fault(VEC_TS, err);
  }
  markAccessed(c, lin, hi);
  c.setSegmentCache(seg, sel, descBase(lo, hi), descLimit(lo, hi), descAttr(hi | 0x100));
}
