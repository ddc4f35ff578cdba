/**
 * Reading ModRM operands. `m` is the ModRM byte; register forms (mod = 3) use
 * the r/m field as a register number, memory forms decode the address.
 */
import type { Cpu } from '../cpu.js';
import * as $modrm from '../decode/modrm.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { decodeEA } = $modrm;

export function readE8(c: Cpu, m: number): number {
  if (m >= 0xc0) return c.getReg8(m & 7);
  const off = decodeEA(c, m);
  return c.read8(c.eaSeg, off);
}

export function readE16(c: Cpu, m: number): number {
  if (m >= 0xc0) return c.reg16[(m & 7) << 1];
  const off = decodeEA(c, m);
  return c.read16(c.eaSeg, off);
}

export function readE32(c: Cpu, m: number): number {
  if (m >= 0xc0) return c.reg32[m & 7];
  const off = decodeEA(c, m);
  return c.read32(c.eaSeg, off);
}

export function writeE8(c: Cpu, m: number, v: number): void {
  if (m >= 0xc0) c.setReg8(m & 7, v);
  else { const ea = decodeEA(c, m); c.write8(c.eaSeg, ea, v); }
}

export function writeE16(c: Cpu, m: number, v: number): void {
  if (m >= 0xc0) c.reg16[(m & 7) << 1] = v;
  else { const ea = decodeEA(c, m); c.write16(c.eaSeg, ea, v); }
}

export function writeE32(c: Cpu, m: number, v: number): void {
  if (m >= 0xc0) c.reg32[m & 7] = v;
  else { const ea = decodeEA(c, m); c.write32(c.eaSeg, ea, v); }
}

/** Sign-extended immediate byte. */
export function fetchS8(c: Cpu): number {
  return (c.fetch8() << 24) >> 24;
}
