/**
 * Far control transfers: JMP/CALL far (direct to code segments, through call
 * gates, or to tasks), RETF and IRET, in real, protected and virtual-8086
 * mode. Follows the pseudocode of Intel SDM Vol. 2 ("CALL", "JMP", "RET",
 * "IRET") and Vol. 3A 5.8. State changes are committed only after every check
 * and stack access that can fault, so a faulting transfer restarts cleanly.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $stack from '../ops/stack.js';
import * as $descriptor from './descriptor.js';
import * as $segment_load from './segment-load.js';
import * as $task_switch from './task-switch.js';
import * as $stack_frame from './stack-frame.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CS, DS, ES, FLAG_IOPL, FLAG_NT, FLAG_RF, FLAG_VIF, FLAG_VIP, FLAG_VM, FS, GS, SS, VEC_GP, VEC_NP, VEC_SS, VEC_TS } = $constants;
const { writableFlagsMask } = $stack;
const { desc, descAttr, descBase, descDpl, descLimit, readDescriptor } = $descriptor;
const { nullInaccessibleSegments, VM86_ATTR } = $segment_load;
const { TASK_SWITCH_CALL, TASK_SWITCH_IRET, TASK_SWITCH_JMP, taskSwitch } = $task_switch;
const { pushOnInnerStack } = $stack_frame;

/** The parameters a call gate copies (no allocation per call). */
const GATE_PARAMS = new Int32Array(32);

/** Cycles for a far transfer (P6: 20-40; through a gate with a stack switch ~100). */
export const FAR_CYCLES = 25;
export const GATE_CYCLES = 80;

/** Loads CS from the descriptor in `desc` with the given CPL (no checks). */
function loadCodeSegment(c: Cpu, selector: number, lo: number, hi: number, cpl: number): void {
  const changed = c.cpl !== cpl;
  c.cpl = cpl;
  c.setSegmentCache(CS, (selector & 0xfffc) | cpl, descBase(lo, hi), descLimit(lo, hi), descAttr(hi));
  if (changed) c.updateModeMasks();
  if ((hi & 0x100) === 0) c.sysWrite8((desc[2] + 5) | 0, ((hi >>> 8) | 1) & 0xff);
}

function realModeCs(c: Cpu, selector: number): void {
  if (c.vm86) c.setSegmentCache(CS, selector, selector << 4, 0xffff, VM86_ATTR);
  else c.setSegmentCache(CS, selector, selector << 4, c.segLimit[CS], c.segAttr[CS]);
}

/** Checks a code-segment descriptor in `desc` for a direct JMP/CALL (no privilege change). */
function checkDirectCode(c: Cpu, selector: number, hi: number): void {
  const dpl = descDpl(hi);
  if ((hi & 0x400) !== 0) {
    if (dpl > c.cpl) c.fault(VEC_GP, selector & 0xfffc);
  } else if ((selector & 3) > c.cpl || dpl !== c.cpl) {
    c.fault(VEC_GP, selector & 0xfffc);
  }
  if ((hi & 0x8000) === 0) c.fault(VEC_NP, selector & 0xfffc);
}

function isCode(hi: number): boolean {
  return (hi & 0x1800) === 0x1800;
}

/**
 * JMP/CALL to a system descriptor (Intel SDM "JMP", "CALL"): only TSS, task
 * gate and call gate descriptors qualify, with DPL >= CPL and >= RPL, present.
 * Switches task for a TSS or task gate and returns false; returns true for a
 * call gate, which the caller follows.
 */
function enterSystemDescriptor(c: Cpu, selector: number, lo: number, hi: number, reason: number): boolean {
  if ((hi & 0x1000) !== 0) c.fault(VEC_GP, selector & 0xfffc); // a data segment
  const type = (hi >>> 8) & 0xf;
  const isTask = type === 1 || type === 9 || type === 5;
  if (!isTask && type !== 4 && type !== 12) c.fault(VEC_GP, selector & 0xfffc);
  const gateDpl = descDpl(hi);
  if (gateDpl < c.cpl || gateDpl < (selector & 3)) c.fault(VEC_GP, selector & 0xfffc);
  if ((hi & 0x8000) === 0) c.fault(VEC_NP, selector & 0xfffc);
  if (!isTask) return true;
  taskSwitch(c, type === 5 ? lo >>> 16 : selector, reason, -1, 0);
  return false;
}

export function farJump(c: Cpu, selector: number, offset: number, op32: boolean): void {
  c.extraCycles += FAR_CYCLES;
  if (!op32) offset &= 0xffff;
  if (!c.protectedMode || c.vm86) {
    if (offset >>> 0 > (c.vm86 ? 0xffff : c.segLimit[CS])) c.fault(VEC_GP, 0);
    realModeCs(c, selector);
    c.eip = offset;
    return;
  }
  if ((selector & 0xfffc) === 0) c.fault(VEC_GP, 0);
  readDescriptor(c, selector);
  let lo = desc[0];
  let hi = desc[1];
  if (isCode(hi)) {
    checkDirectCode(c, selector, hi);
    if (offset >>> 0 > descLimit(lo, hi)) c.fault(VEC_GP, 0);
    loadCodeSegment(c, selector, lo, hi, c.cpl);
    c.eip = offset;
    return;
  }
  if (!enterSystemDescriptor(c, selector, lo, hi, TASK_SWITCH_JMP)) return;
  // Call gate used by JMP: no privilege change allowed.
  const target = lo >>> 16;
  const gateOffset = (hi & 0x800) !== 0 ? (lo & 0xffff) | (hi & 0xffff0000) : lo & 0xffff;
  if ((target & 0xfffc) === 0) c.fault(VEC_GP, 0);
  readDescriptor(c, target);
  lo = desc[0];
  hi = desc[1];
  if (!isCode(hi)) c.fault(VEC_GP, target & 0xfffc);
  const dpl = descDpl(hi);
  if ((hi & 0x400) !== 0 ? dpl > c.cpl : dpl !== c.cpl) c.fault(VEC_GP, target & 0xfffc);
  if ((hi & 0x8000) === 0) c.fault(VEC_NP, target & 0xfffc);
  if (gateOffset >>> 0 > descLimit(lo, hi)) c.fault(VEC_GP, 0);
  loadCodeSegment(c, target, lo, hi, c.cpl);
  c.eip = gateOffset;
}

/** Checks that `bytes` can be pushed below the current SP (expand-up/down aware); #SS(0) otherwise. */
function checkPushRoom(c: Cpu, bytes: number): void {
  const sp = c.stack32 ? c.reg32[4] : c.reg16[8];
  const bottom = c.stack32 ? (sp - bytes) | 0 : (sp - bytes) & 0xffff;
  c.writeAddr(SS, bottom, bytes);
}

export function farCall(c: Cpu, selector: number, offset: number, op32: boolean): void {
  c.extraCycles += FAR_CYCLES;
  if (!op32) offset &= 0xffff;
  const retCs = c.segSel[CS];
  const retEip = c.eip;
  if (!c.protectedMode || c.vm86) {
    if (offset >>> 0 > (c.vm86 ? 0xffff : c.segLimit[CS])) c.fault(VEC_GP, 0);
    checkPushRoom(c, op32 ? 8 : 4);
    pushPair(c, op32, retCs, retEip);
    realModeCs(c, selector);
    c.eip = offset;
    return;
  }
  if ((selector & 0xfffc) === 0) c.fault(VEC_GP, 0);
  readDescriptor(c, selector);
  const lo = desc[0];
  const hi = desc[1];
  if (isCode(hi)) {
    checkDirectCode(c, selector, hi);
    if (offset >>> 0 > descLimit(lo, hi)) c.fault(VEC_GP, 0);
    checkPushRoom(c, op32 ? 8 : 4);
    pushPair(c, op32, retCs, retEip);
    readDescriptor(c, selector);
    loadCodeSegment(c, selector, lo, hi, c.cpl);
    c.eip = offset;
    return;
  }
  if (!enterSystemDescriptor(c, selector, lo, hi, TASK_SWITCH_CALL)) return;
  callGate(c, lo, hi, (hi & 0x800) !== 0, retCs, retEip);
}

function pushPair(c: Cpu, op32: boolean, cs: number, eip: number): void {
  if (op32) {
    c.push32(cs);
    c.push32(eip);
  } else {
    c.push16(cs);
    c.push16(eip);
  }
}

/** CALL through a call gate, with a stack switch and parameter copy when it raises privilege. */
function callGate(c: Cpu, gateLo: number, gateHi: number, gate32: boolean, retCs: number, retEip: number): void {
  c.extraCycles += GATE_CYCLES;
  const target = gateLo >>> 16;
  const gateOffset = gate32 ? (gateLo & 0xffff) | (gateHi & 0xffff0000) : gateLo & 0xffff;
  const paramCount = gateHi & 0x1f;
  if ((target & 0xfffc) === 0) c.fault(VEC_GP, 0);
  readDescriptor(c, target);
  const lo = desc[0];
  const hi = desc[1];
  if (!isCode(hi) || descDpl(hi) > c.cpl) c.fault(VEC_GP, target & 0xfffc);
  if ((hi & 0x8000) === 0) c.fault(VEC_NP, target & 0xfffc);
  const dpl = descDpl(hi);
  const w = gate32 ? 4 : 2;
  if (gateOffset >>> 0 > descLimit(lo, hi)) c.fault(VEC_GP, 0);

  if ((hi & 0x400) === 0 && dpl < c.cpl) {
    // More privilege: new stack from the TSS, copy parameters (Intel SDM Vol. 3A 5.8.5).
    let newSs: number;
    let newEsp: number;
    if ((c.trType & 8) !== 0) {
      if (dpl * 8 + 11 > c.trLimit) c.fault(VEC_TS, c.trSel & 0xfffc);
      newEsp = c.sysRead32((c.trBase + 4 + dpl * 8) | 0);
      newSs = c.sysRead16((c.trBase + 8 + dpl * 8) | 0);
    } else {
      if (dpl * 4 + 5 > c.trLimit) c.fault(VEC_TS, c.trSel & 0xfffc);
      newEsp = c.sysRead16((c.trBase + 2 + dpl * 4) | 0);
      newSs = c.sysRead16((c.trBase + 4 + dpl * 4) | 0);
    }
    if ((newSs & 0xfffc) === 0) c.fault(VEC_TS, 0);
    if ((newSs & 3) !== dpl) c.fault(VEC_TS, newSs & 0xfffc);
    readDescriptor(c, newSs, VEC_TS);
    const sLo = desc[0];
    const sHi = desc[1];
    if (descDpl(sHi) !== dpl || (sHi & 0x1a00) !== 0x1200) c.fault(VEC_TS, newSs & 0xfffc);
    if ((sHi & 0x8000) === 0) c.fault(VEC_SS, newSs & 0xfffc);
    const ssBase = descBase(sLo, sHi);
    const ssLimit = descLimit(sLo, sHi);
    const ssAttr = descAttr(sHi);
    const ss32 = (ssAttr & 0x4000) !== 0;
    // Read the parameters from the old stack first (at most 31: the gate's 5-bit count).
    const params = GATE_PARAMS;
    for (let i = 0; i < paramCount; i++) params[i] = gate32 ? c.peek32((paramCount - 1 - i) * 4) : c.peek16((paramCount - 1 - i) * 2);
    const oldSs = c.segSel[SS];
    const oldEsp = c.stack32 ? c.reg32[4] : c.reg16[8];
    const frame = (4 + paramCount) * w;
    let sp = ss32 ? newEsp : newEsp & 0xffff;
    const bottom = ((sp - frame) >>> 0) & (ss32 ? 0xffffffff : 0xffff);
    const expandDown = (ssAttr & 0x1c) === 0x14;
    if (expandDown ? bottom <= ssLimit : bottom + frame - 1 > ssLimit) c.fault(VEC_SS, newSs & 0xfffc);
    // Written with the new ring's (supervisor) rights.
    sp = pushOnInnerStack(c, ssBase, sp, ss32, gate32, oldSs);
    sp = pushOnInnerStack(c, ssBase, sp, ss32, gate32, oldEsp);
    for (let i = 0; i < paramCount; i++) sp = pushOnInnerStack(c, ssBase, sp, ss32, gate32, params[i]);
    sp = pushOnInnerStack(c, ssBase, sp, ss32, gate32, retCs);
    sp = pushOnInnerStack(c, ssBase, sp, ss32, gate32, retEip);
    c.setSegmentCache(SS, newSs, ssBase, ssLimit, ssAttr);
    if (ss32) c.reg32[4] = sp;
    else c.reg16[8] = sp;
    readDescriptor(c, target);
    loadCodeSegment(c, target, lo, hi, dpl);
    c.eip = gateOffset;
    return;
  }
  // Same privilege through the gate.
  checkPushRoom(c, 2 * w);
  pushPair(c, gate32, retCs, retEip);
  readDescriptor(c, target);
  loadCodeSegment(c, target, lo, hi, c.cpl);
  c.eip = gateOffset;
}

/** Validates the CS selector popped by RETF/IRET; leaves its descriptor in `desc`. */
function checkReturnCs(c: Cpu, selector: number): void {
  if ((selector & 0xfffc) === 0) c.fault(VEC_GP, 0);
  const rpl = selector & 3;
  if (rpl < c.cpl) c.fault(VEC_GP, selector & 0xfffc);
  readDescriptor(c, selector);
  const hi = desc[1];
  if (!isCode(hi)) c.fault(VEC_GP, selector & 0xfffc);
  const dpl = descDpl(hi);
  if ((hi & 0x400) !== 0 ? dpl > rpl : dpl !== rpl) c.fault(VEC_GP, selector & 0xfffc);
  if ((hi & 0x8000) === 0) c.fault(VEC_NP, selector & 0xfffc);
}

/** Validates the SS selector popped when returning to an outer ring; returns [lo, hi]. */
function checkReturnSs(c: Cpu, selector: number, rpl: number): [number, number] {
  if ((selector & 0xfffc) === 0) c.fault(VEC_GP, 0);
  if ((selector & 3) !== rpl) c.fault(VEC_GP, selector & 0xfffc);
  readDescriptor(c, selector);
  const hi = desc[1];
  if ((hi & 0x1a00) !== 0x1200 || descDpl(hi) !== rpl) c.fault(VEC_GP, selector & 0xfffc);
  if ((hi & 0x8000) === 0) c.fault(VEC_SS, selector & 0xfffc);
  return [desc[0], desc[1]];
}

export function farReturn(c: Cpu, op32: boolean, release: number): void {
  c.extraCycles += FAR_CYCLES;
  const w = op32 ? 4 : 2;
  const eip = op32 ? c.peek32(0) : c.peek16(0);
  const cs = (op32 ? c.peek32(w) : c.peek16(w)) & 0xffff;
  if (!c.protectedMode || c.vm86) {
    if (eip >>> 0 > (c.vm86 ? 0xffff : c.segLimit[CS])) c.fault(VEC_GP, 0);
    realModeCs(c, cs);
    c.eip = eip;
    c.adjustStack(2 * w + release);
    return;
  }
  checkReturnCs(c, cs);
  const lo = desc[0];
  const hi = desc[1];
  const rpl = cs & 3;
  if (eip >>> 0 > descLimit(lo, hi)) c.fault(VEC_GP, 0);
  if (rpl === c.cpl) {
    loadCodeSegment(c, cs, lo, hi, rpl);
    c.eip = eip;
    c.adjustStack(2 * w + release);
    return;
  }
  // Return to an outer ring: SS:ESP follow the parameters on the inner stack.
  const newEsp = op32 ? c.peek32(2 * w + release) : c.peek16(2 * w + release);
  const newSs = (op32 ? c.peek32(3 * w + release) : c.peek16(3 * w + release)) & 0xffff;
  const [sLo, sHi] = checkReturnSs(c, newSs, rpl);
  readDescriptor(c, cs);
  loadCodeSegment(c, cs, lo, hi, rpl);
  c.setSegmentCache(SS, newSs, descBase(sLo, sHi), descLimit(sLo, sHi), descAttr(sHi));
  if (c.stack32) c.reg32[4] = (newEsp + release) | 0;
  else c.reg16[8] = newEsp + release;
  c.eip = eip;
  nullInaccessibleSegments(c);
}

/** IRET/IRETD. */
export function interruptReturn(c: Cpu, op32: boolean): void {
  c.extraCycles += FAR_CYCLES;
  // Any IRET ends NMI blocking (even one that then faults, on P6: SDM Vol. 3A 6.7.1).
  c.nmiBlocked = false;
  const w = op32 ? 4 : 2;
  if (!c.protectedMode) {
    const eip = op32 ? c.peek32(0) : c.peek16(0);
    const cs = (op32 ? c.peek32(4) : c.peek16(2)) & 0xffff;
    const fl = op32 ? c.peek32(8) : c.peek16(4);
    if (eip >>> 0 > c.segLimit[CS]) c.fault(VEC_GP, 0);
    realModeCs(c, cs);
    c.eip = eip;
    const keep = op32 ? FLAG_VM | FLAG_VIP | FLAG_VIF : 0xffff0000 | 0;
    const cur = c.getEflags();
    c.setEflags((cur & keep) | (fl & ~keep));
    c.adjustStack(3 * w);
    return;
  }
  if (c.vm86) {
    // IRET in virtual-8086 mode is IOPL-sensitive (Intel SDM Vol. 3A 20.2.7).
    if (((c.flags >> 12) & 3) < 3) c.fault(VEC_GP, 0);
    const eip = op32 ? c.peek32(0) : c.peek16(0);
    const cs = (op32 ? c.peek32(4) : c.peek16(2)) & 0xffff;
    const fl = op32 ? c.peek32(8) : c.peek16(4);
    if (eip >>> 0 > 0xffff) c.fault(VEC_GP, 0);
    realModeCs(c, cs);
    c.eip = eip;
    const keep = FLAG_IOPL | FLAG_VM | FLAG_VIP | FLAG_VIF | (op32 ? 0 : 0xffff0000);
    const cur = c.getEflags();
    c.setEflags((cur & keep) | (fl & ~keep));
    c.adjustStack(3 * w);
    return;
  }
  if ((c.flags & FLAG_NT) !== 0) {
    // Return from a nested task: the back link is the first word of the current TSS.
    const backLink = c.sysRead16(c.trBase);
    taskSwitch(c, backLink, TASK_SWITCH_IRET, -1, 0);
    return;
  }
  const eip = op32 ? c.peek32(0) : c.peek16(0);
  const cs = (op32 ? c.peek32(4) : c.peek16(2)) & 0xffff;
  const fl = op32 ? c.peek32(8) : c.peek16(4);
  if (op32 && (fl & FLAG_VM) !== 0 && c.cpl === 0) {
    returnToVm86(c, eip, cs, fl);
    return;
  }
  checkReturnCs(c, cs);
  const lo = desc[0];
  const hi = desc[1];
  const rpl = cs & 3;
  if (eip >>> 0 > descLimit(lo, hi)) c.fault(VEC_GP, 0);
  // Flags writable under the rules of the privilege we are leaving (Intel SDM "IRET").
  let mask = writableFlagsMask(c) | FLAG_RF;
  if (c.cpl === 0 && op32) mask |= FLAG_VIP | FLAG_VIF;
  if (!op32) mask &= 0xffff;
  // RF is loaded: it suppresses an instruction breakpoint on the target, then clears (cpu.ts).
  const newFlags = (c.getEflags() & ~mask) | (fl & mask);
  if (rpl === c.cpl) {
    loadCodeSegment(c, cs, lo, hi, rpl);
    c.eip = eip;
    c.setEflags(newFlags);
    c.adjustStack(3 * w);
    return;
  }
  const newEsp = op32 ? c.peek32(12) : c.peek16(6);
  const newSs = (op32 ? c.peek32(16) : c.peek16(8)) & 0xffff;
  const [sLo, sHi] = checkReturnSs(c, newSs, rpl);
  readDescriptor(c, cs);
  loadCodeSegment(c, cs, lo, hi, rpl);
  c.setSegmentCache(SS, newSs, descBase(sLo, sHi), descLimit(sLo, sHi), descAttr(sHi));
  if (c.stack32) c.reg32[4] = newEsp;
  else c.reg16[8] = newEsp;
  c.eip = eip;
  c.setEflags(newFlags);
  nullInaccessibleSegments(c);
}

/** IRETD from CPL 0 with VM set in the popped EFLAGS: enter virtual-8086 mode (Intel SDM "IRET"). */
function returnToVm86(c: Cpu, eip: number, cs: number, fl: number): void {
  const esp = c.peek32(12);
  const ss = c.peek32(16) & 0xffff;
  const es = c.peek32(20) & 0xffff;
  const ds = c.peek32(24) & 0xffff;
  const fs = c.peek32(28) & 0xffff;
  const gs = c.peek32(32) & 0xffff;
  c.setEflags(fl | FLAG_VM);
  c.cpl = 3;
  c.setSegmentCache(CS, cs, cs << 4, 0xffff, VM86_ATTR);
  c.setSegmentCache(SS, ss, ss << 4, 0xffff, VM86_ATTR);
  c.setSegmentCache(ES, es, es << 4, 0xffff, VM86_ATTR);
  c.setSegmentCache(DS, ds, ds << 4, 0xffff, VM86_ATTR);
  c.setSegmentCache(FS, fs, fs << 4, 0xffff, VM86_ATTR);
  c.setSegmentCache(GS, gs, gs << 4, 0xffff, VM86_ATTR);
  c.reg32[4] = esp;
  c.eip = eip & 0xffff;
  c.updateModeMasks();
}
