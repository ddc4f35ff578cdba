// Small i386 encoding helpers shared by the generator groups: register names,
// condition codes, immediates, and ModRM/SIB byte construction.
import { AF, CF, OF, PF, SF, ZF } from './diff-case.js';

export type Size = 8 | 16 | 32;

export const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
export const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] as const;
export const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'] as const;

/** Operand-size prefix. */
export const OPSIZE = 0x66;
/** Address-size prefix. */
export const ADSIZE = 0x67;
export const LOCK = 0xf0;
export const REPNE = 0xf2;
export const REP = 0xf3;
/** Segment overrides usable in a flat user process: DS ES SS (all base 0). */
export const SEG_PREFIXES = [0x3e, 0x26, 0x36] as const;
export const SEG_NAMES: Record<number, string> = { 0x3e: 'ds', 0x26: 'es', 0x36: 'ss', 0x2e: 'cs' };

export function regName(size: Size, r: number): string {
  return size === 8 ? REG8[r]! : size === 16 ? REG16[r]! : REG32[r]!;
}

/** The 32-bit register that an operand-size register number lives in. */
export function fullReg(size: Size, r: number): number {
  return size === 8 ? r & 3 : r;
}

/** Register mask bit of the full register. */
export function regBit(size: Size, r: number): number {
  return 1 << fullReg(size, r);
}

export function ptrName(size: number): string {
  switch (size) {
    case 8:
      return 'byte';
    case 16:
      return 'word';
    case 32:
      return 'dword';
    case 64:
      return 'qword';
    default:
      return '';
  }
}

export function mask(size: Size): number {
  return size === 32 ? 0xffffffff : (1 << size) - 1;
}

/** Little-endian bytes of an immediate of `bytes` length. */
export function le(value: number, bytes: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes; i++) out.push((value >>> (8 * i)) & 0xff);
  return out;
}

export function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

/** Signed hex for displacements: "+0x10" / "-0x4". */
export function signedHex(v: number): string {
  return v < 0 ? '-0x' + (-v).toString(16) : '+0x' + v.toString(16);
}

/** Sign-extends the low `bits` of v. */
export function sext(v: number, bits: number): number {
  const s = 32 - bits;
  return (v << s) >> s;
}

export const CC_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const;

/** Flags read by condition code cc (Intel SDM Jcc table). */
export function ccFlags(cc: number): number {
  switch (cc >> 1) {
    case 0:
      return OF;
    case 1:
      return CF;
    case 2:
      return ZF;
    case 3:
      return CF | ZF;
    case 4:
      return SF;
    case 5:
      return PF;
    case 6:
      return SF | OF;
    default:
      return ZF | SF | OF;
  }
}

/** ModRM byte. */
export function modrm(mod: number, reg: number, rm: number): number {
  return ((mod & 3) << 6) | ((reg & 7) << 3) | (rm & 7);
}

/** SIB byte; scale is 1, 2, 4 or 8. */
export function sib(scale: number, index: number, base: number): number {
  const ss = scale === 1 ? 0 : scale === 2 ? 1 : scale === 4 ? 2 : 3;
  return (ss << 6) | ((index & 7) << 3) | (base & 7);
}

export const STATUS6 = CF | PF | AF | ZF | SF | OF;
