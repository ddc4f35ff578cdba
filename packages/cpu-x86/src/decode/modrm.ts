/**
 * ModRM/SIB effective-address decoding (Intel SDM Vol. 2A 2.1.5, tables 2-1
 * to 2-3). Returns the offset and leaves the segment in `cpu.eaSeg`:
 * SS for EBP/ESP-based forms, DS otherwise, unless a prefix overrides it.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { DS, SS } = $constants;

export function decodeEA(c: Cpu, modrm: number): number {
  return c.addr32 ? decodeEA32(c, modrm) : decodeEA16(c, modrm);
}

function decodeEA16(c: Cpu, modrm: number): number {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  const r = c.reg16;
  let seg = DS;
  let off: number;
  switch (rm) {
    case 0: off = r[6] + r[12]; break; // BX+SI
    case 1: off = r[6] + r[14]; break; // BX+DI
    case 2: off = r[10] + r[12]; seg = SS; break; // BP+SI
    case 3: off = r[10] + r[14]; seg = SS; break; // BP+DI
    case 4: off = r[12]; break; // SI
    case 5: off = r[14]; break; // DI
    case 6:
      if (mod === 0) {
        c.eaSeg = c.segOverride >= 0 ? c.segOverride : DS;
        return c.fetch16();
      }
      off = r[10];
      seg = SS;
      break;
    default: off = r[6]; break; // BX
  }
  if (mod === 1) off += (c.fetch8() << 24) >> 24;
  else if (mod === 2) off += c.fetch16();
  c.eaSeg = c.segOverride >= 0 ? c.segOverride : seg;
  return off & 0xffff;
}

function decodeEA32(c: Cpu, modrm: number): number {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  const r = c.reg32;
  let seg = DS;
  let off: number;
  if (rm === 4) {
    const sib = c.fetch8();
    const base = sib & 7;
    const index = (sib >> 3) & 7;
    if (base === 5 && mod === 0) {
      off = c.fetch32();
    } else {
      off = r[base];
      if (base === 4 || base === 5) seg = SS;
    }
    if (index !== 4) off += r[index] << (sib >> 6);
  } else if (rm === 5 && mod === 0) {
    c.eaSeg = c.segOverride >= 0 ? c.segOverride : DS;
    return c.fetch32();
  } else {
    off = r[rm];
    if (rm === 5) seg = SS;
  }
  if (mod === 1) off += (c.fetch8() << 24) >> 24;
  else if (mod === 2) off += c.fetch32();
  c.eaSeg = c.segOverride >= 0 ? c.segOverride : seg;
  return off | 0;
}
