// The shape of one instruction group of the generator.
import type { CaseBuilder } from './case-builder.js';
import type { Rng } from './rng.js';
import type { Size } from './x86-encode.js';

export interface Group {
  name: string;
  /** What the group covers (opcodes / forms). */
  summary: string;
  /** Union of the EFLAGS bits Intel leaves undefined after some instruction
   *  of the group (documentation and coarse masking; cases carry exact masks). */
  undefinedFlags: number;
  /** Union of "destination undefined" situations, as text (empty if none). */
  undefinedResults?: string;
  /** Registers the group uses implicitly (pointer registers avoid them). */
  implicitRegs?: number;
  /** Cases raise exceptions by design. */
  faults?: boolean;
  /** Part of the "mixed" group (default true). */
  mixed?: boolean;
  /** Instructions per case [min, max] (default [1, 4]). */
  count?: readonly [number, number];
  /** Emits one instruction of the group (with any set-up it needs). */
  emit(b: CaseBuilder): void;
}

/** Operand size with 8/16/32 weights. */
export function pickSize(rng: Rng, allow8 = true): Size {
  if (!allow8) return rng.chance(0.3) ? 16 : 32;
  return rng.weighted<Size>([
    [3, 8],
    [2, 16],
    [5, 32],
  ]);
}

/** Operand-size prefix list for a size. */
export function osz(size: Size): number[] {
  return size === 16 ? [0x66] : [];
}

/** An immediate of the operand size with boundary-biased values. */
export function immFor(rng: Rng, size: Size): number {
  const v = rng.interesting32();
  return size === 32 ? v >>> 0 : v & ((1 << size) - 1);
}

/** Immediate bytes length for an operand size (imm8/imm16/imm32). */
export function immBytes(size: Size): number {
  return size / 8;
}
