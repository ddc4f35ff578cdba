/**
 * The page walker for 32-bit paging (2-level, optional 4 MiB pages) and PAE
 * (3-level, 2 MiB pages, XD). Intel SDM Vol. 3A 4.3 and 4.4. It checks rights,
 * sets accessed/dirty bits, fills the TLB, and raises #PF with the exact error
 * code and CR2.
 */
import type { Cpu } from '../cpu.js';
import * as $constants from '../constants.js';
import * as $tlb_bits from './tlb-bits.js';

// Imports are used through module-local copies: V8 re-checks an imported binding
// at every use (it could be uninitialised in an import cycle) but folds a module's
// own constants and calls its own function bindings directly. Hot paths depend on it.
const { CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE, EFER_NXE, PF_I, PF_P, PF_RSVD, PF_U, PF_W, PTE_A, PTE_D, PTE_G, PTE_P, PTE_PS, PTE_RW, PTE_US, VEC_PF } = $constants;
const { TLB_GLOBAL, TLB_MMIO, TLB_NX, TLB_SUP_READ, TLB_SUP_WRITE, TLB_USER_READ, TLB_USER_WRITE } = $tlb_bits;

/** Cycles charged per page-table walk (memory references of a 2- or 3-level walk). */
export const WALK_CYCLES = 20;

function pageFault(c: Cpu, lin: number, error: number): never {
  c.cr2 = lin | 0;
  return c.fault(VEC_PF, error);
}

/** Walks the tables for `lin`, fills the TLB and returns the entry, or raises #PF. */
export function walkPageTables(c: Cpu, lin: number, write: boolean, user: boolean, fetch: boolean): number {
  c.extraCycles += WALK_CYCLES;
  return (c.cr4 & CR4_PAE) !== 0 ? walkPae(c, lin, write, user, fetch) : walk32(c, lin, write, user, fetch);
}

function accessBits(write: boolean, user: boolean): number {
  return (write ? PF_W : 0) | (user ? PF_U : 0);
}

/** Builds the TLB entry once rights are known; `dirty` is the D bit after this access. */
function makeEntry(c: Cpu, physBase: number, rw: boolean, us: boolean, dirty: boolean, global: boolean, nx: boolean): number {
  let e = (physBase & ~0xfff) | TLB_SUP_READ;
  if (us) e |= TLB_USER_READ;
  if (dirty) {
    // Supervisor writes ignore R/W unless CR0.WP (Intel SDM Vol. 3A 4.6.1).
    if (rw || (c.cr0 & CR0_WP) === 0) e |= TLB_SUP_WRITE;
    if (rw && us) e |= TLB_USER_WRITE;
  }
  if (global && (c.cr4 & CR4_PGE) !== 0) e |= TLB_GLOBAL;
  if (nx) e |= TLB_NX;
  if (physBase < 0 || !c.mem.isRamPage(physBase >>> 12)) e |= TLB_MMIO;
  return e;
}

function checkRights(c: Cpu, lin: number, write: boolean, user: boolean, fetch: boolean, rw: boolean, us: boolean, nx: boolean): void {
  // I/D is reported only with PAE and EFER.NXE (Intel SDM Vol. 3A 4.7; no SMEP on P6).
  const fetchBit = fetch && (c.efer & EFER_NXE) !== 0 && (c.cr4 & CR4_PAE) !== 0 ? PF_I : 0;
  if (user && !us) pageFault(c, lin, PF_P | accessBits(write, user) | fetchBit);
  if (write && !rw && (user || (c.cr0 & CR0_WP) !== 0)) pageFault(c, lin, PF_P | accessBits(write, user));
  if (fetch && nx) pageFault(c, lin, PF_P | accessBits(false, user) | PF_I);
}

function walk32(c: Cpu, lin: number, write: boolean, user: boolean, fetch: boolean): number {
  const mem = c.mem;
  const pdeAddr = ((c.cr3 & ~0xfff) + ((lin >>> 22) << 2)) >>> 0;
  const pde = mem.read32(pdeAddr);
  if ((pde & PTE_P) === 0) pageFault(c, lin, accessBits(write, user));
  if ((pde & PTE_PS) !== 0 && (c.cr4 & CR4_PSE) !== 0) {
    const rw = (pde & PTE_RW) !== 0;
    const us = (pde & PTE_US) !== 0;
    checkRights(c, lin, write, user, fetch, rw, us, false);
    const updated = pde | PTE_A | (write ? PTE_D : 0);
    if (updated !== pde) mem.write32(pdeAddr, updated);
    const phys = ((pde & 0xffc00000) | (lin & 0x003ff000)) | 0;
    const e = makeEntry(c, phys, rw, us, (updated & PTE_D) !== 0, (pde & PTE_G) !== 0, false);
    c.fillTlb(lin >>> 12, e);
    return e;
  }
  const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
  const pte = mem.read32(pteAddr);
  if ((pte & PTE_P) === 0) pageFault(c, lin, accessBits(write, user));
  const rw = (pde & pte & PTE_RW) !== 0;
  const us = (pde & pte & PTE_US) !== 0;
  checkRights(c, lin, write, user, fetch, rw, us, false);
  if ((pde & PTE_A) === 0) mem.write32(pdeAddr, pde | PTE_A);
  const updated = pte | PTE_A | (write ? PTE_D : 0);
  if (updated !== pte) mem.write32(pteAddr, updated);
  const e = makeEntry(c, pte & ~0xfff, rw, us, (updated & PTE_D) !== 0, (pte & PTE_G) !== 0, false);
  c.fillTlb(lin >>> 12, e);
  return e;
}

/** Reserved bits of the high dword of a PAE entry with MAXPHYADDR = 36 (bits 62:36; 63 unless NXE). */
function paeHighReserved(c: Cpu, high: number): boolean {
  const mask = (c.efer & EFER_NXE) !== 0 ? 0x7ffffff0 : 0xfffffff0 | 0;
  return (high & mask) !== 0;
}

function walkPae(c: Cpu, lin: number, write: boolean, user: boolean, fetch: boolean): number {
  const mem = c.mem;
  const nxe = (c.efer & EFER_NXE) !== 0;
  // Every PAE #PF on a fetch (not-present and reserved-bit ones too) reports I/D when NXE is on.
  const ab = accessBits(write, user) | (fetch && nxe ? PF_I : 0);
  // The PDPTEs come from the copy loaded at MOV CR3 (Intel SDM Vol. 3A 4.4.1): later edits of
  // the PDPT in memory are not seen until CR3 is reloaded. Embedders that set cr3 directly get
  // them loaded here, unchecked.
  if (!c.pdpteValid) c.loadPdptes(c.cr3, false);
  const pdpte = c.pdpte[(lin >>> 30) << 1];
  if ((pdpte & PTE_P) === 0) pageFault(c, lin, ab);
  const pdeAddr = ((pdpte & ~0xfff) + (((lin >>> 21) & 0x1ff) << 3)) >>> 0;
  const pde = mem.read32(pdeAddr);
  const pdeHigh = mem.read32(pdeAddr + 4);
  if ((pde & PTE_P) === 0) pageFault(c, lin, ab);
  if (paeHighReserved(c, pdeHigh)) pageFault(c, lin, PF_P | PF_RSVD | ab);
  const pdeNx = nxe && pdeHigh < 0;
  if ((pde & PTE_PS) !== 0) {
    if ((pde & 0x001fe000) !== 0) pageFault(c, lin, PF_P | PF_RSVD | ab); // bits 20:13 reserved in a 2 MiB PDE
    const rw = (pde & PTE_RW) !== 0;
    const us = (pde & PTE_US) !== 0;
    checkRights(c, lin, write, user, fetch, rw, us, pdeNx);
    const updated = pde | PTE_A | (write ? PTE_D : 0);
    if (updated !== pde) mem.write32(pdeAddr, updated);
    const phys = (pdeHigh & 0xf) !== 0 ? -4096 : ((pde & 0xffe00000) | (lin & 0x001ff000)) | 0;
    const e = makeEntry(c, phys, rw, us, (updated & PTE_D) !== 0, (pde & PTE_G) !== 0, pdeNx);
    c.fillTlb(lin >>> 12, e);
    return e;
  }
  const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x1ff) << 3)) >>> 0;
  const pte = mem.read32(pteAddr);
  const pteHigh = mem.read32(pteAddr + 4);
  if ((pte & PTE_P) === 0) pageFault(c, lin, ab);
  if (paeHighReserved(c, pteHigh)) pageFault(c, lin, PF_P | PF_RSVD | ab);
  const rw = (pde & pte & PTE_RW) !== 0;
  const us = (pde & pte & PTE_US) !== 0;
  const nx = pdeNx || (nxe && pteHigh < 0);
  checkRights(c, lin, write, user, fetch, rw, us, nx);
  if ((pde & PTE_A) === 0) mem.write32(pdeAddr, pde | PTE_A);
  const updated = pte | PTE_A | (write ? PTE_D : 0);
  if (updated !== pte) mem.write32(pteAddr, updated);
  // Frames above 4 GiB cannot be backed here: they read as open bus.
  const phys = (pteHigh & 0xf) !== 0 ? -4096 : pte & ~0xfff;
  const e = makeEntry(c, phys, rw, us, (updated & PTE_D) !== 0, (pte & PTE_G) !== 0, nx);
  c.fillTlb(lin >>> 12, e);
  return e;
}
