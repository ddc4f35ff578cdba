/**
 * A process's address space as an i386 kernel keeps it: 2-level 4 KiB page
 * tables in emulated physical memory (the CPU walks them), plus the list of
 * virtual memory areas (VMAs) that says what each user range is. User pages are
 * filled on demand: a VMA only reserves a range, and the first touch raises #PF,
 * which the runner's fault handler resolves by allocating a frame (zeroed, or
 * filled from the VMA's file bytes) and writing the PTE.
 *
 * The runner's own structures (GDT, IDT, TSS, ring-0 stack, host entry points)
 * live above TASK_SIZE in supervisor-only pages.
 *
 * PTE bit 9 (available to software) marks "this PTE owns a frame": a PROT_NONE
 * page keeps its frame with P clear, and the frame is freed when the range is
 * unmapped.
 */
import type { Cpu } from '../cpu.js';
import { PTE_D, PTE_P, PTE_RW, PTE_US } from '../constants.js';
import { FrameAllocator } from './frame-allocator.js';
import { EFAULT, Errno, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, SEGV_ACCERR, SEGV_MAPERR, TASK_SIZE } from './linux-abi.js';

/** Software PTE bit: the entry holds a frame that belongs to this address space. */
const PTE_FRAME = 1 << 9;

/** Bytes a VMA takes from a file (or any byte source) instead of zeros. */
export interface VmaBacking {
  readonly data: Uint8Array;
  /** Linear address that corresponds to `data[dataOffset]`. */
  readonly fileStart: number;
  readonly dataOffset: number;
  /** Linear address where the file bytes end (zeros follow). */
  readonly fileEnd: number;
}

export type VmaKind = 'elf' | 'heap' | 'stack' | 'mmap';

export interface Vma {
  start: number;
  end: number;
  prot: number;
  /** MAP_* flags as given to mmap (MAP_SHARED, MAP_GROWSDOWN...). */
  flags: number;
  kind: VmaKind;
  backing: VmaBacking | null;
}

interface SavedPage {
  lin: number;
  flags: number;
  data: Uint8Array;
}

export interface AddressSpaceSnapshot {
  readonly vmas: readonly Vma[];
  readonly pages: readonly SavedPage[];
}

/** Lowest address mmap hands out (vm.mmap_min_addr). */
export const MMAP_MIN_ADDR = 0x10000;

export function pageDown(a: number): number {
  return (a - (a % PAGE_SIZE)) >>> 0;
}

export function pageUp(a: number): number {
  return pageDown(a + PAGE_SIZE - 1);
}

export class AddressSpace {
  readonly pageDirectory: number;
  private readonly u32: Int32Array;
  private readonly u8: Uint8Array;
  /** Sorted by start, non-overlapping. */
  private vmas: Vma[] = [];

  constructor(private readonly cpu: Cpu, readonly frames: FrameAllocator) {
    this.u32 = cpu.mem.u32;
    this.u8 = cpu.mem.u8;
    this.pageDirectory = frames.alloc();
  }

  // ------------------------------------------------------------------
  // Page tables
  // ------------------------------------------------------------------

  /** Physical address of the PTE for `lin`, creating the page table when `create`; -1 if absent. */
  private pteAddress(lin: number, create: boolean, user = true): number {
    const pdeAddr = this.pageDirectory + ((lin >>> 22) << 2);
    let pde = this.u32[pdeAddr >> 2];
    if ((pde & PTE_P) === 0) {
      if (!create) return -1;
      const table = this.frames.alloc();
      pde = table | PTE_P | PTE_RW | (user ? PTE_US : 0);
      this.u32[pdeAddr >> 2] = pde;
    }
    return (pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2);
  }

  private readPte(lin: number): number {
    const a = this.pteAddress(lin, false);
    return a < 0 ? 0 : this.u32[a >> 2];
  }

  /** Maps a runner structure page (supervisor only). */
  mapKernelPage(lin: number, phys: number, writable: boolean): void {
    const a = this.pteAddress(lin, true, false);
    this.u32[a >> 2] = phys | PTE_P | (writable ? PTE_RW : 0);
    this.cpu.invalidatePage(lin);
  }

  private static pteFlags(prot: number): number {
    if ((prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) === 0) return 0;
    return PTE_P | PTE_US | ((prot & PROT_WRITE) !== 0 ? PTE_RW : 0);
  }

  /** Allocates and fills the frame for the page at `page` inside `vma`. */
  private populate(page: number, vma: Vma): number {
    const phys = this.frames.alloc();
    const b = vma.backing;
    if (b !== null) {
      const lo = Math.max(page, b.fileStart);
      const hi = Math.min(page + PAGE_SIZE, b.fileEnd);
      if (lo < hi) {
        const src = b.dataOffset + (lo - b.fileStart);
        const srcEnd = Math.min(src + (hi - lo), b.data.length);
        if (srcEnd > src) this.u8.set(b.data.subarray(src, srcEnd), phys + (lo - page));
      }
    }
    const a = this.pteAddress(page, true);
    this.u32[a >> 2] = phys | PTE_FRAME | AddressSpace.pteFlags(vma.prot);
    return this.u32[a >> 2];
  }

  // ------------------------------------------------------------------
  // VMAs
  // ------------------------------------------------------------------

  get areas(): readonly Vma[] {
    return this.vmas;
  }

  findVma(lin: number): Vma | undefined {
    lin >>>= 0;
    let lo = 0;
    let hi = this.vmas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.vmas[mid];
      if (lin < v.start) hi = mid - 1;
      else if (lin >= v.end) lo = mid + 1;
      else return v;
    }
    return undefined;
  }

  /** True when no VMA overlaps [start, end). */
  isFree(start: number, end: number): boolean {
    for (const v of this.vmas) if (v.start < end && v.end > start) return false;
    return true;
  }

  /** Adds a VMA over a free range (callers unmap first). */
  addVma(vma: Vma): void {
    let i = 0;
    while (i < this.vmas.length && this.vmas[i].start < vma.start) i++;
    this.vmas.splice(i, 0, vma);
  }

  /** Highest free range of `len` bytes ending at or below `top` (top-down mmap layout), or -1. */
  findFree(len: number, top: number): number {
    let hi = top;
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const v = this.vmas[i];
      if (v.start >= hi) continue;
      if (v.end <= hi && hi - v.end >= len) return hi - len;
      hi = Math.min(hi, v.start);
    }
    return hi - MMAP_MIN_ADDR >= len ? hi - len : -1;
  }

  /** Splits VMAs so that `addr` is a boundary. */
  private splitAt(addr: number): void {
    const v = this.findVma(addr);
    if (v === undefined || v.start === addr) return;
    const tail: Vma = { ...v, start: addr };
    v.end = addr;
    this.addVma(tail);
  }

  /** Removes [start, end) from the VMAs and frees its frames. */
  unmap(start: number, end: number): void {
    this.splitAt(start);
    this.splitAt(end);
    this.vmas = this.vmas.filter((v) => v.end <= start || v.start >= end);
    this.clearPtes(start, end);
  }

  private clearPtes(start: number, end: number): void {
    for (let page = start; page < end; page += PAGE_SIZE) {
      const pdeAddr = this.pageDirectory + ((page >>> 22) << 2);
      if ((this.u32[pdeAddr >> 2] & PTE_P) === 0) {
        page = (((page >>> 22) + 1) * 0x400000) - PAGE_SIZE; // skip the whole empty table
        continue;
      }
      const a = this.pteAddress(page, false);
      const pte = this.u32[a >> 2];
      if (pte === 0) continue;
      if ((pte & PTE_FRAME) !== 0) this.frames.release(pte & ~0xfff);
      this.u32[a >> 2] = 0;
      this.cpu.invalidatePage(page);
    }
  }

  /** Changes the protection of [start, end), which callers have checked is fully mapped. */
  protect(start: number, end: number, prot: number): void {
    this.splitAt(start);
    this.splitAt(end);
    for (const v of this.vmas) if (v.start >= start && v.end <= end) v.prot = prot;
    const flags = AddressSpace.pteFlags(prot);
    for (let page = start; page < end; page += PAGE_SIZE) {
      const a = this.pteAddress(page, false);
      if (a < 0) continue;
      const pte = this.u32[a >> 2];
      if ((pte & PTE_FRAME) === 0) continue;
      this.u32[a >> 2] = (pte & ~(PTE_P | PTE_RW | PTE_US)) | flags;
      this.cpu.invalidatePage(page);
    }
  }

  /** True when every page of [start, end) belongs to some VMA. */
  isMapped(start: number, end: number): boolean {
    let a = start;
    while (a < end) {
      const v = this.findVma(a);
      if (v === undefined) return false;
      a = v.end;
    }
    return true;
  }

  /** Moves the pages of [from, from+len) to [to, to+len) (mremap); the target must be free. */
  move(from: number, len: number, to: number): void {
    this.splitAt(from);
    this.splitAt(from + len);
    const moved = this.vmas.filter((v) => v.start >= from && v.end <= from + len);
    this.vmas = this.vmas.filter((v) => !(v.start >= from && v.end <= from + len));
    const delta = to - from;
    for (let off = 0; off < len; off += PAGE_SIZE) {
      const src = this.pteAddress(from + off, false);
      if (src < 0) continue;
      const pte = this.u32[src >> 2];
      if (pte === 0) continue;
      this.u32[src >> 2] = 0;
      this.cpu.invalidatePage(from + off);
      const dst = this.pteAddress(to + off, true);
      this.u32[dst >> 2] = pte;
      this.cpu.invalidatePage(to + off);
    }
    for (const v of moved) {
      const b = v.backing;
      this.addVma({
        ...v,
        start: v.start + delta,
        end: v.end + delta,
        backing: b === null ? null : { ...b, fileStart: b.fileStart + delta, fileEnd: b.fileEnd + delta },
      });
    }
  }

  /** Copies every user mapping and page (fork: the parent's memory, put back when the child is done). */
  snapshot(): AddressSpaceSnapshot {
    const pages: SavedPage[] = [];
    for (const v of this.vmas) {
      for (let page = v.start; page < v.end; page += PAGE_SIZE) {
        const pte = this.readPte(page);
        if ((pte & PTE_FRAME) === 0) continue;
        const phys = pte & ~0xfff;
        pages.push({ lin: page, flags: pte & 0xfff, data: this.u8.slice(phys, phys + PAGE_SIZE) });
      }
    }
    return { vmas: this.vmas.map((v) => ({ ...v })), pages };
  }

  /** Replaces the user address space with a snapshot. */
  restore(snap: AddressSpaceSnapshot): void {
    this.clearUser();
    this.vmas = snap.vmas.map((v) => ({ ...v }));
    for (const pg of snap.pages) {
      const phys = this.frames.alloc();
      this.u8.set(pg.data, phys);
      const a = this.pteAddress(pg.lin, true);
      this.u32[a >> 2] = phys | pg.flags;
    }
    this.cpu.flushTlb(true);
  }

  /** Unmaps every user range (execve). */
  clearUser(): void {
    for (const v of this.vmas) this.clearPtes(v.start, v.end);
    this.vmas = [];
  }

  // ------------------------------------------------------------------
  // Faults
  // ------------------------------------------------------------------

  /**
   * Resolves a user #PF at `lin`: 0 when the page is now mapped (retry the
   * instruction), else the SIGSEGV si_code (SEGV_MAPERR or SEGV_ACCERR).
   */
  handleFault(lin: number, write: boolean): number {
    lin >>>= 0;
    if (lin >= TASK_SIZE) return SEGV_MAPERR;
    const vma = this.findVma(lin);
    if (vma === undefined) return SEGV_MAPERR;
    if (write ? (vma.prot & PROT_WRITE) === 0 : (vma.prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) === 0) {
      return SEGV_ACCERR;
    }
    const pte = this.readPte(lin);
    if ((pte & PTE_P) !== 0) return SEGV_ACCERR;
    if ((pte & PTE_FRAME) !== 0) return SEGV_ACCERR;
    this.populate(pageDown(lin), vma);
    return 0;
  }

  // ------------------------------------------------------------------
  // Kernel access to user memory (copy_from_user / copy_to_user)
  // ------------------------------------------------------------------

  /** Physical address of user byte `lin` for a kernel access, faulting the page in; throws EFAULT. */
  userPhys(lin: number, write: boolean): number {
    lin >>>= 0;
    if (lin >= TASK_SIZE) throw new Errno(EFAULT);
    let pte = this.readPte(lin);
    if ((pte & PTE_P) === 0) {
      if (this.handleFault(lin, write) !== 0) throw new Errno(EFAULT);
      pte = this.readPte(lin);
    } else if (write && (pte & PTE_RW) === 0) {
      throw new Errno(EFAULT);
    }
    if (write && (pte & PTE_D) === 0) {
      const a = this.pteAddress(lin, false);
      this.u32[a >> 2] = pte | PTE_D | 0x20;
    }
    return (pte & ~0xfff) + (lin & 0xfff);
  }

  checkRange(lin: number, len: number): void {
    if (len < 0 || (lin >>> 0) + len > TASK_SIZE) throw new Errno(EFAULT);
  }

  readBytes(lin: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(lin, out);
    return out;
  }

  readInto(lin: number, out: Uint8Array): void {
    lin >>>= 0;
    this.checkRange(lin, out.length);
    let done = 0;
    while (done < out.length) {
      const a = lin + done;
      const n = Math.min(out.length - done, PAGE_SIZE - (a & 0xfff));
      const p = this.userPhys(a, false);
      out.set(this.u8.subarray(p, p + n), done);
      done += n;
    }
  }

  writeBytes(lin: number, data: Uint8Array): void {
    lin >>>= 0;
    this.checkRange(lin, data.length);
    let done = 0;
    while (done < data.length) {
      const a = lin + done;
      const n = Math.min(data.length - done, PAGE_SIZE - (a & 0xfff));
      const p = this.userPhys(a, true);
      this.u8.set(data.subarray(done, done + n), p);
      done += n;
    }
  }

  /** Fills [lin, lin+len) with zero bytes. */
  zero(lin: number, len: number): void {
    lin >>>= 0;
    this.checkRange(lin, len);
    let done = 0;
    while (done < len) {
      const a = lin + done;
      const n = Math.min(len - done, PAGE_SIZE - (a & 0xfff));
      const p = this.userPhys(a, true);
      this.u8.fill(0, p, p + n);
      done += n;
    }
  }

  read8(lin: number): number {
    return this.u8[this.userPhys(lin, false)];
  }

  read32(lin: number): number {
    lin >>>= 0;
    if ((lin & 0xfff) <= 0xffc) {
      const p = this.userPhys(lin, false);
      const u = this.u8;
      return u[p] | (u[p + 1] << 8) | (u[p + 2] << 16) | (u[p + 3] << 24);
    }
    return this.read8(lin) | (this.read8(lin + 1) << 8) | (this.read8(lin + 2) << 16) | (this.read8(lin + 3) << 24);
  }

  read16(lin: number): number {
    return this.read8(lin) | (this.read8(lin + 1) << 8);
  }

  write8(lin: number, v: number): void {
    this.u8[this.userPhys(lin, true)] = v;
  }

  write16(lin: number, v: number): void {
    this.write8(lin, v);
    this.write8(lin + 1, v >> 8);
  }

  write32(lin: number, v: number): void {
    lin >>>= 0;
    if ((lin & 0xfff) <= 0xffc) {
      const p = this.userPhys(lin, true);
      const u = this.u8;
      u[p] = v;
      u[p + 1] = v >> 8;
      u[p + 2] = v >> 16;
      u[p + 3] = v >> 24;
      return;
    }
    for (let i = 0; i < 4; i++) this.write8(lin + i, v >> (8 * i));
  }

  /** Writes a 64-bit value (number or bigint) as two little-endian dwords. */
  write64(lin: number, v: number | bigint): void {
    const b = BigInt.asUintN(64, BigInt(v));
    this.write32(lin, Number(b & 0xffffffffn));
    this.write32(lin + 4, Number(b >> 32n));
  }

  read64(lin: number): bigint {
    const lo = BigInt(this.read32(lin) >>> 0);
    const hi = BigInt(this.read32(lin + 4) >>> 0);
    return BigInt.asIntN(64, (hi << 32n) | lo);
  }

  /** Reads a NUL-terminated string (as bytes, without the NUL); ENAMETOOLONG past `max`. */
  readCString(lin: number, max = 4096): Uint8Array {
    lin >>>= 0;
    const chunks: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.read8(lin + i);
      if (b === 0) return Uint8Array.from(chunks);
      chunks.push(b);
    }
    throw new Errno(36); // ENAMETOOLONG
  }
}
