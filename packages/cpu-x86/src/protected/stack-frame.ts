/**
 * Writing the frames of interrupts and far calls one word at a time, from a
 * local SP that is committed to ESP only once the whole frame is written (so
 * a fault on the stack leaves the state intact). Plain functions: these run on
 * every ring transition and must not allocate.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';

// A module-local copy (see DESIGN.md: imported bindings are re-checked at every use).
const { ES, DS, FS, GS, SS } = $constants;

/**
 * Pushes `v` onto the stack at linear `base` below `sp` with supervisor rights
 * (the inner ring's stack taken from the TSS) and returns the new SP.
 */
export function pushOnInnerStack(c: Cpu, base: number, sp: number, stack32: boolean, word32: boolean, v: number): number {
  const size = word32 ? 4 : 2;
  const next = stack32 ? (sp - size) | 0 : (sp - size) & 0xffff;
  const lin = (base + next) | 0;
  if (word32) c.sysWrite32(lin, v);
  else c.sysWrite16(lin, v);
  return next;
}

/** Pushes `v` below `sp` on the current SS at the current privilege, and returns the new SP. */
export function pushOnCurrentStack(c: Cpu, sp: number, word32: boolean, v: number): number {
  const size = word32 ? 4 : 2;
  const next = c.stack32 ? (sp - size) | 0 : (sp - size) & 0xffff;
  if (word32) c.write32(SS, next, v);
  else c.write16(SS, next, v);
  return next;
}

/** The data segment registers ES, DS, FS, GS (nulled on leaving virtual-8086 mode or an inner ring). */
export const DATA_SEGMENTS: readonly number[] = [ES, DS, FS, GS];
