/**
 * System instructions: HLT, descriptor-table registers (LGDT LIDT SGDT SIDT
 * LLDT SLDT LTR STR), LMSW/SMSW, CLTS, MOV to/from control and debug
 * registers, INVLPG, INVD/WBINVD, RDMSR/WRMSR, RDTSC, RDPMC, CPUID,
 * LAR/LSL/VERR/VERW/ARPL, BOUND, UD2 and the long NOP. Privileged ones raise
 * #GP(0) at CPL > 0 (Intel SDM Vol. 3A 2.8) — the property that keeps a
 * ring-1 guest kernel from touching the machine.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $modrm from '../decode/modrm.js';
import * as $dispatch from '../decode/dispatch.js';
import * as $flags from '../flags.js';
import * as $descriptor from '../protected/descriptor.js';
import * as $operands from './operands.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CR0_AM, CR0_ET, CR0_PE, CR0_PG, CR0_WP, CR4_DE, CR4_PAE, CR4_PGE, CR4_PSE, CR4_TSD, CR4_VALID, EAX, EBX, ECX, EDX, EFER_NXE, FLAG_ZF, MSR_EFER, VEC_BR, VEC_GP, VEC_NP, VEC_UD } = $constants;
const { decodeEA } = $modrm;
const { defineOp } = $dispatch;
const { materializeFlags } = $flags;
const { desc, descBase, descDpl, descLimit, readDescriptor } = $descriptor;
const { readE16 } = $operands;

/** CPUID identity: a P6-family processor without MMX/SSE (see DESIGN.md "CPUID"). */
export const CPUID_SIGNATURE = 0x00000619; // family 6, model 1, stepping 9 (Pentium Pro)
export const CPUID_FEATURES_EDX =
  (1 << 0) | // FPU
  (1 << 3) | // PSE
  (1 << 4) | // TSC
  (1 << 5) | // MSR
  (1 << 6) | // PAE
  (1 << 8) | // CX8
  (1 << 13) | // PGE
  (1 << 15); // CMOV
/** CPUID 0x80000001 EDX: XD/NX (bit 20), so that PAE guests may use it. */
export const CPUID_EXT_FEATURES_EDX = 1 << 20;

const MSR_TSC = 0x10;
const MSR_PLATFORM_ID = 0x17;
const MSR_BIOS_SIGN_ID = 0x8b;

function requireCpl0(c: Cpu): void {
  if (c.protectedMode && (c.cpl !== 0 || c.vm86)) c.fault(VEC_GP, 0);
}

function requireProtected(c: Cpu): void {
  if (!c.protectedMode || c.vm86) c.fault(VEC_UD);
}

function setZF(c: Cpu, on: boolean): void {
  materializeFlags(c);
  c.flags = on ? c.flags | FLAG_ZF : c.flags & ~FLAG_ZF;
}

// --- Control registers ------------------------------------------------------

export function writeCr0(c: Cpu, v: number): void {
  v |= CR0_ET; // ET is hardwired to 1 on P6
  if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) c.fault(VEC_GP, 0);
  if ((v & 0x20000000) !== 0 && (v & 0x40000000) === 0) c.fault(VEC_GP, 0); // NW without CD
  const changed = c.cr0 ^ v;
  // Turning paging on in PAE mode loads (and checks) the PDPTEs.
  if ((changed & v & CR0_PG) !== 0 && (c.cr4 & CR4_PAE) !== 0) c.loadPdptes(c.cr3, true);
  c.cr0 = v;
  if ((changed & (CR0_PG | CR0_WP | CR0_PE | CR0_AM)) !== 0) {
    c.flushTlb(true);
    c.updateModeMasks();
    if ((changed & CR0_PE) !== 0) for (let s = 0; s < 6; s++) c.recomputeSegmentChecks(s);
  }
}

export function writeCr3(c: Cpu, v: number): void {
  if ((c.cr4 & CR4_PAE) !== 0 && (c.cr0 & CR0_PG) !== 0) c.loadPdptes(v, true);
  const pdpteValid = c.pdpteValid;
  c.cr3 = v;
  c.pdpteValid = pdpteValid;
  c.flushTlb(false);
}

export function writeCr4(c: Cpu, v: number): void {
  if ((v & ~CR4_VALID) !== 0) c.fault(VEC_GP, 0);
  const changed = c.cr4 ^ v;
  if ((changed & (CR4_PAE | CR4_PSE | CR4_PGE)) !== 0 && (v & CR4_PAE) !== 0 && (c.cr0 & CR0_PG) !== 0) {
    c.loadPdptes(c.cr3, true);
  }
  c.cr4 = v;
  if ((changed & (CR4_PAE | CR4_PSE | CR4_PGE)) !== 0) c.flushTlb(true);
}

function movCr(c: Cpu, toCr: boolean): void {
  const m = c.fetch8();
  requireCpl0(c);
  const cr = (m >> 3) & 7;
  const r = m & 7;
  if (!toCr) {
    let v: number;
    switch (cr) {
      case 0: v = c.cr0; break;
      case 2: v = c.cr2; break;
      case 3: v = c.cr3; break;
      case 4: v = c.cr4; break;
      default: return c.fault(VEC_UD);
    }
    c.reg32[r] = v;
    return;
  }
  const v = c.reg32[r];
  switch (cr) {
    case 0: writeCr0(c, v); break;
    case 2: c.cr2 = v; break;
    case 3: writeCr3(c, v); break;
    case 4: writeCr4(c, v); break;
    default: c.fault(VEC_UD);
  }
  c.extraCycles += 20;
}

function movDr(c: Cpu, toDr: boolean): void {
  const m = c.fetch8();
  requireCpl0(c);
  let dr = (m >> 3) & 7;
  if (dr === 4 || dr === 5) {
    if ((c.cr4 & CR4_DE) !== 0) c.fault(VEC_UD);
    dr += 2; // DR4/DR5 alias DR6/DR7 when CR4.DE = 0
  }
  const r = m & 7;
  if (toDr) {
    let v = c.reg32[r];
    if (dr === 6) v = (v & 0xe00f) | 0xffff0ff0;
    else if (dr === 7) v = (v & ~0xd800) | 0x400;
    c.dr[dr] = v;
    if (dr !== 6) c.updateBreakpoints();
  } else c.reg32[r] = c.dr[dr];
}

// --- Descriptor tables ---------------------------------------------------------

function group7(c: Cpu): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  if (op === 4) {
    // SMSW: register form stores all of CR0 with 32-bit operand size.
    if (m >= 0xc0) {
      if (c.opsize32) c.reg32[m & 7] = c.cr0;
      else c.reg16[(m & 7) << 1] = c.cr0;
    } else { const ea = decodeEA(c, m); c.write16(c.eaSeg, ea, c.cr0 & 0xffff); }
    return;
  }
  if (op === 6) {
    // LMSW: loads PE MP EM TS; cannot clear PE.
    const v = readE16(c, m);
    requireCpl0(c);
    writeCr0(c, (c.cr0 & ~0xe) | (v & 0xf) | (c.cr0 & CR0_PE));
    return;
  }
  if (m >= 0xc0) c.fault(VEC_UD);
  const off = decodeEA(c, m);
  const seg = c.eaSeg;
  switch (op) {
    case 0:
    case 1: {
      const limit = op === 0 ? c.gdtrLimit : c.idtrLimit;
      const base = op === 0 ? c.gdtrBase : c.idtrBase;
      c.writeAddr(seg, off, 6);
      c.write16(seg, off, limit);
      c.write32(seg, (off + 2) | 0, base);
      return;
    }
    case 2:
    case 3: {
      requireCpl0(c);
      const limit = c.read16(seg, off);
      let base = c.read32(seg, (off + 2) | 0);
      if (!c.opsize32) base &= 0xffffff;
      if (op === 2) {
        c.gdtrLimit = limit;
        c.gdtrBase = base;
      } else {
        c.idtrLimit = limit;
        c.idtrBase = base;
      }
      return;
    }
    case 7:
      requireCpl0(c);
      c.invalidatePage((c.segBase[seg] + off) | 0);
      c.extraCycles += 25;
      return;
    default:
      c.fault(VEC_UD);
  }
}

function group6(c: Cpu): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  requireProtected(c);
  switch (op) {
    case 0:
    case 1: {
      const v = op === 0 ? c.ldtrSel : c.trSel;
      if (m >= 0xc0) {
        if (c.opsize32) c.reg32[m & 7] = v;
        else c.reg16[(m & 7) << 1] = v;
      } else { const ea = decodeEA(c, m); c.write16(c.eaSeg, ea, v); }
      return;
    }
    case 2:
      loadLdtr(c, readE16(c, m));
      return;
    case 3:
      loadTr(c, readE16(c, m));
      return;
    case 4:
    case 5:
      setZF(c, verify(c, readE16(c, m), op === 5));
      return;
    default:
      c.fault(VEC_UD);
  }
}

export function loadLdtr(c: Cpu, selector: number): void {
  requireCpl0(c);
  if ((selector & 0xfffc) === 0) {
    c.ldtrSel = selector;
    c.ldtrBase = 0;
    c.ldtrLimit = 0;
    return;
  }
  if ((selector & 4) !== 0) c.fault(VEC_GP, selector & 0xfffc);
  readDescriptor(c, selector);
  const hi = desc[1];
  if ((hi & 0x1f00) !== 0x0200) c.fault(VEC_GP, selector & 0xfffc);
  if ((hi & 0x8000) === 0) c.fault(VEC_NP, selector & 0xfffc);
  c.ldtrSel = selector;
  c.ldtrBase = descBase(desc[0], hi);
  c.ldtrLimit = descLimit(desc[0], hi);
}

export function loadTr(c: Cpu, selector: number): void {
  requireCpl0(c);
  if ((selector & 0xfffc) === 0) c.fault(VEC_GP, 0);
  if ((selector & 4) !== 0) c.fault(VEC_GP, selector & 0xfffc);
  readDescriptor(c, selector);
  const hi = desc[1];
  const type = (hi >>> 8) & 0x1f;
  if (type !== 0x01 && type !== 0x09) c.fault(VEC_GP, selector & 0xfffc); // available 16/32-bit TSS
  if ((hi & 0x8000) === 0) c.fault(VEC_NP, selector & 0xfffc);
  c.sysWrite8((desc[2] + 5) | 0, ((hi >>> 8) | 2) & 0xff); // mark busy
  c.trSel = selector;
  c.trBase = descBase(desc[0], hi);
  c.trLimit = descLimit(desc[0], hi);
  c.trType = type | 2;
}

/**
 * Reads the descriptor for LAR/LSL/VERR/VERW without faulting: returns false
 * when the selector is null, beyond the table, or not visible at CPL/RPL.
 */
function visibleDescriptor(c: Cpu, selector: number): boolean {
  if ((selector & 0xfffc) === 0) return false;
  const limit = (selector & 4) !== 0 ? c.ldtrLimit : c.gdtrLimit;
  if ((selector & 4) !== 0 && (c.ldtrSel & 0xfffc) === 0) return false;
  if ((selector & 0xfff8) + 7 > limit >>> 0) return false;
  readDescriptor(c, selector);
  const hi = desc[1];
  const conformingCode = (hi & 0x1c00) === 0x1c00;
  if (!conformingCode) {
    const dpl = descDpl(hi);
    if (dpl < c.cpl || dpl < (selector & 3)) return false;
  }
  return true;
}

function verify(c: Cpu, selector: number, write: boolean): boolean {
  if (!visibleDescriptor(c, selector)) return false;
  const hi = desc[1];
  if ((hi & 0x1000) === 0) return false; // system segment
  const isCode = (hi & 0x800) !== 0;
  if (write) return !isCode && (hi & 0x200) !== 0;
  return !isCode || (hi & 0x200) !== 0;
}

const LAR_SYSTEM_TYPES = new Set([1, 2, 3, 4, 5, 9, 11, 12]);
const LSL_SYSTEM_TYPES = new Set([1, 2, 3, 9, 11]);

function larLsl(c: Cpu, lsl: boolean): void {
  requireProtected(c);
  const m = c.fetch8();
  const selector = readE16(c, m);
  const r = (m >> 3) & 7;
  let ok = visibleDescriptor(c, selector);
  const hi = desc[1];
  if (ok && (hi & 0x1000) === 0) {
    const type = (hi >>> 8) & 0xf;
    ok = (lsl ? LSL_SYSTEM_TYPES : LAR_SYSTEM_TYPES).has(type);
  }
  setZF(c, ok);
  if (!ok) return;
  const v = lsl ? descLimit(desc[0], hi) : hi & 0x00ffff00;
  if (c.opsize32) c.reg32[r] = v;
  else c.reg16[r << 1] = v;
}

// --- MSRs, TSC, CPUID -------------------------------------------------------

/** The time-stamp counter: cycles executed plus the offset WRMSR(0x10) set. */
export function readTsc(c: Cpu): number {
  return c.cycles + c.tscOffset;
}

function rdmsr(c: Cpu): void {
  requireCpl0(c);
  const msr = c.reg32[ECX] >>> 0;
  let lo = 0;
  let hi = 0;
  switch (msr) {
    case MSR_TSC: {
      const t = readTsc(c);
      lo = t % 4294967296;
      hi = Math.floor(t / 4294967296);
      break;
    }
    case MSR_EFER: lo = c.efer; break;
    case MSR_PLATFORM_ID:
    case MSR_BIOS_SIGN_ID: break;
    default: {
      const v = c.msrs.get(msr);
      if (v === undefined) c.fault(VEC_GP, 0);
      lo = Number(v & 0xffffffffn);
      hi = Number(v >> 32n);
    }
  }
  c.reg32[EAX] = lo;
  c.reg32[EDX] = hi;
}

function wrmsr(c: Cpu): void {
  requireCpl0(c);
  const msr = c.reg32[ECX] >>> 0;
  const lo = c.reg32[EAX] >>> 0;
  const hi = c.reg32[EDX] >>> 0;
  switch (msr) {
    case MSR_TSC:
      // P6 family: only the low 32 bits are written; the high half is cleared (SDM Vol. 3B 17.17).
      void hi;
      c.tscOffset = lo - c.cycles;
      return;
    case MSR_EFER:
      if ((lo & ~EFER_NXE) !== 0 || hi !== 0) c.fault(VEC_GP, 0);
      c.efer = lo;
      c.flushTlb(true);
      return;
    case MSR_PLATFORM_ID:
    case MSR_BIOS_SIGN_ID:
      return;
    default:
      if (!c.msrs.has(msr)) c.fault(VEC_GP, 0);
      c.msrs.set(msr, (BigInt(hi) << 32n) | BigInt(lo));
  }
}

/** "GenuineIntel" in EBX, EDX, ECX order. */
const VENDOR = [0x756e6547, 0x49656e69, 0x6c65746e];

export function cpuid(c: Cpu): void {
  const leaf = c.reg32[EAX] >>> 0;
  let a = 0, b = 0, cc = 0, d = 0;
  if (leaf === 0x80000000) {
    a = 0x80000001;
  } else if (leaf === 0x80000001) {
    d = CPUID_EXT_FEATURES_EDX;
  } else if (leaf > 0x80000001 && leaf < 0x80000000 + 0x10000) {
    // Above the maximum extended leaf: the highest basic leaf's data (SDM "CPUID").
    a = 0x03020101;
    d = 0x0a060441;
  } else {
    switch (leaf) {
      case 0:
        a = 2;
        b = VENDOR[0];
        d = VENDOR[1];
        cc = VENDOR[2];
        break;
      case 1:
        a = CPUID_SIGNATURE;
        d = CPUID_FEATURES_EDX;
        break;
      default:
        // Leaf 2 (and beyond the maximum, which reports the highest basic leaf): cache descriptors
        // 0x01 (one iteration), 0x41 (128 KiB L2), 0x06/0x0A (8 KiB L1 I/D), 0x03/0x04 (TLBs).
        a = 0x03020101;
        d = 0x0a060441;
        break;
    }
  }
  c.reg32[EAX] = a;
  c.reg32[EBX] = b;
  c.reg32[ECX] = cc;
  c.reg32[EDX] = d;
  c.extraCycles += 80;
}

// --- Install ----------------------------------------------------------------------

export function installSystem(): void {
  defineOp(0xf4, (c) => {
    requireCpl0(c);
    c.halted = true;
  });
  defineOp(0x100, group6);
  defineOp(0x101, group7);
  defineOp(0x102, (c) => larLsl(c, false));
  defineOp(0x103, (c) => larLsl(c, true));
  defineOp(0x106, (c) => {
    requireCpl0(c);
    c.cr0 &= ~8; // CLTS clears TS
  });
  defineOp(0x108, (c) => requireCpl0(c)); // INVD: caches are not modelled
  defineOp(0x109, (c) => requireCpl0(c)); // WBINVD
  defineOp(0x10b, (c) => c.fault(VEC_UD)); // UD2
  // 0F 18-0F 1F: hint NOPs with a ModRM operand (the long NOP 0F 1F /0, PREFETCHh, ENDBR32 as
  // F3 0F 1E FB): they decode an address and touch nothing. gcc's crt files contain ENDBR32.
  const hintNop = (c: Cpu): void => {
    const m = c.fetch8();
    if (m < 0xc0) decodeEA(c, m);
  };
  for (let op = 0x118; op <= 0x11f; op++) defineOp(op, hintNop);
  defineOp(0x120, (c) => movCr(c, false));
  defineOp(0x122, (c) => movCr(c, true));
  defineOp(0x121, (c) => movDr(c, false));
  defineOp(0x123, (c) => movDr(c, true));
  defineOp(0x130, wrmsr);
  defineOp(0x132, rdmsr);
  defineOp(0x131, (c) => {
    if ((c.cr4 & CR4_TSD) !== 0 && c.protectedMode && c.cpl !== 0) c.fault(VEC_GP, 0);
    const t = readTsc(c);
    c.reg32[EAX] = t % 4294967296;
    c.reg32[EDX] = Math.floor(t / 4294967296);
  });
  defineOp(0x133, (c) => c.fault(VEC_GP, 0)); // RDPMC: no counters modelled (ECX always invalid)
  defineOp(0x1a2, cpuid);

  // ARPL Ew, Gw
  defineOp(0x63, (c) => {
    requireProtected(c);
    const m = c.fetch8();
    const src = c.reg16[((m >> 3) & 7) << 1];
    if (m >= 0xc0) {
      const i = (m & 7) << 1;
      const d = c.reg16[i];
      if ((d & 3) < (src & 3)) {
        c.reg16[i] = (d & ~3) | (src & 3);
        setZF(c, true);
      } else setZF(c, false);
      return;
    }
    const ea = decodeEA(c, m);
    const lin = c.rmwAddr(c.eaSeg, ea, 2);
    const d = c.lread16(lin);
    if ((d & 3) < (src & 3)) {
      c.lwrite16(lin, (d & ~3) | (src & 3));
      setZF(c, true);
    } else setZF(c, false);
  });

  // BOUND Gv, Ma: #BR when the signed index is outside [lower, upper].
  defineOp(
    0x62,
    (c) => {
      const m = c.fetch8();
      if (m >= 0xc0) c.fault(VEC_UD);
      const off = decodeEA(c, m);
      const idx = (c.reg16[((m >> 3) & 7) << 1] << 16) >> 16;
      const lo = (c.read16(c.eaSeg, off) << 16) >> 16;
      const hi = (c.read16(c.eaSeg, (off + 2) & (c.addr32 ? -1 : 0xffff)) << 16) >> 16;
      if (idx < lo || idx > hi) c.fault(VEC_BR);
    },
    (c) => {
      const m = c.fetch8();
      if (m >= 0xc0) c.fault(VEC_UD);
      const off = decodeEA(c, m);
      const idx = c.reg32[(m >> 3) & 7];
      const lo = c.read32(c.eaSeg, off);
      const hi = c.read32(c.eaSeg, (off + 4) | 0);
      if (idx < lo || idx > hi) c.fault(VEC_BR);
    },
  );
}
