/**
 * Loading data and stack segment registers (MOV Sreg, POP Sreg, LDS..LGS) with
 * the protected-mode checks of Intel SDM Vol. 2B "MOV—Move" and Vol. 3A 5.5-5.7.
 * CS is loaded only by far transfers (far-transfer.ts) and interrupts.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $descriptor from './descriptor.js';
import * as $stack_frame from './stack-frame.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CS, SS, VEC_GP, VEC_NP, VEC_SS } = $constants;
const { desc, descAttr, descBase, descDpl, descIsCodeOrData, descLimit, descPresent, markAccessed, readDescriptor } = $descriptor;
const { DATA_SEGMENTS } = $stack_frame;

/** Segment attributes of a real-mode or virtual-8086 segment. */
export const REAL_MODE_DATA_ATTR = 0x93;
export const VM86_ATTR = 0xf3;

/**
 * MOV SS and POP SS (not LSS) hold off interrupts, debug exceptions and the
 * single-step trap until the next instruction has run, so that a following
 * MOV ESP completes the stack switch (Intel SDM Vol. 3A 6.8.3).
 */
export function loadStackSegmentWithShadow(c: Cpu, selector: number): void {
  loadSegment(c, SS, selector);
  c.inhibitInterrupts = true;
  c.ssShadow = true;
}

export function loadSegment(c: Cpu, seg: number, selector: number): void {
  selector &= 0xffff;
  if (!c.protectedMode) {
    // Real mode keeps the cached limit and attributes ("unreal mode" works as on hardware).
    c.setSegmentCache(seg, selector, selector << 4, c.segLimit[seg], c.segAttr[seg] & 0xffff);
    return;
  }
  if (c.vm86) {
    c.setSegmentCache(seg, selector, selector << 4, 0xffff, VM86_ATTR);
    return;
  }
  const rpl = selector & 3;
  if (seg === SS) {
    if ((selector & 0xfffc) === 0) c.fault(VEC_GP, 0);
    if (rpl !== c.cpl) c.fault(VEC_GP, selector & 0xfffc);
    readDescriptor(c, selector);
    const hi = desc[1];
    // Must be a writable data segment with DPL = CPL.
    if (!descIsCodeOrData(hi) || (hi & 0x800) !== 0 || (hi & 0x200) === 0 || descDpl(hi) !== c.cpl) {
      c.fault(VEC_GP, selector & 0xfffc);
    }
    if (!descPresent(hi)) c.fault(VEC_SS, selector & 0xfffc);
    markAccessed(c);
    c.setSegmentCache(SS, selector, descBase(desc[0], desc[1]), descLimit(desc[0], desc[1]), descAttr(desc[1]));
    return;
  }
  if (seg === CS) c.fault(VEC_GP, 0);
  if ((selector & 0xfffc) === 0) {
    // A null selector may be loaded; using it faults (segAttr bit 16 = unusable).
    c.setSegmentCache(seg, selector, 0, 0, 0x10000);
    return;
  }
  readDescriptor(c, selector);
  const hi = desc[1];
  const isCode = (hi & 0x800) !== 0;
  if (!descIsCodeOrData(hi) || (isCode && (hi & 0x200) === 0)) c.fault(VEC_GP, selector & 0xfffc);
  const conformingCode = isCode && (hi & 0x400) !== 0;
  if (!conformingCode && (rpl > descDpl(hi) || c.cpl > descDpl(hi))) c.fault(VEC_GP, selector & 0xfffc);
  if (!descPresent(hi)) c.fault(VEC_NP, selector & 0xfffc);
  markAccessed(c);
  c.setSegmentCache(seg, selector, descBase(desc[0], desc[1]), descLimit(desc[0], desc[1]), descAttr(desc[1]));
}

/**
 * After a privilege drop (RET/IRET to an outer ring), data segments whose DPL
 * is below the new CPL are nulled (Intel SDM Vol. 2A "RET", "IRET").
 */
export function nullInaccessibleSegments(c: Cpu): void {
  for (const seg of DATA_SEGMENTS) {
    const attr = c.segAttr[seg];
    if ((attr & 0x10000) !== 0) continue;
    const dpl = (attr >> 5) & 3;
    const conformingCode = (attr & 0x1c) === 0x1c;
    if ((attr & 0x10) !== 0 && !conformingCode && dpl < c.cpl) c.setSegmentCache(seg, 0, 0, 0, 0x10000);
  }
}
