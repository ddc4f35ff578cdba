// copy_from_guest / copy_to_guest: the hypervisor reads hypercall arguments through the calling
// vCPU's page tables, as the guest kernel would see them, and refuses (-EFAULT) anything not
// mapped, not writable for a write, or in the hypervisor hole (Xen: access_ok / __copy_*_guest).
import { Pte } from '@xen-ts/mmu';
import type { HoleLayout } from '../machine/hole-layout.js';
import type { RamMachineMemory } from '../machine/machine-memory.js';

const P = Pte.PRESENT;
const RW = Pte.RW;
const PS = Pte.PAT_PSE;

export class GuestMemory {
  private readonly pae: boolean;

  constructor(
    private readonly mem: RamMachineMemory,
    private readonly layout: HoleLayout,
  ) {
    this.pae = layout.mode === 'pae';
  }

  /** Machine byte address of `va` under top table `base`, or -1 (not mapped / read-only for a write / hole). */
  translate(base: number, va: number, write: boolean): number {
    va >>>= 0;
    if (base < 0 || va >= this.layout.hypervisorVirtStart) return -1;
    const u32 = this.mem.u32;
    const frames = this.mem.frames;
    if (!this.pae) {
      const pde = u32[base * 1024 + (va >>> 22)]! >>> 0;
      if ((pde & P) === 0 || (write && (pde & RW) === 0)) return -1;
      if ((pde & PS) !== 0) return -1; // PV guests get no superpages
      const l1 = pde >>> 12;
      if (l1 >= frames) return -1;
      const pte = u32[l1 * 1024 + ((va >>> 12) & 1023)]! >>> 0;
      if ((pte & P) === 0 || (write && (pte & RW) === 0)) return -1;
      const mfn = pte >>> 12;
      if (mfn >= frames) return -1;
      return mfn * 4096 + (va & 0xfff);
    }
    const l3e = u32[base * 1024 + (va >>> 30) * 2]! >>> 0;
    if ((l3e & P) === 0 || u32[base * 1024 + (va >>> 30) * 2 + 1] !== 0) return -1;
    const l2 = l3e >>> 12;
    if (l2 >= frames) return -1;
    const l2i = (l2 * 512 + ((va >>> 21) & 511)) * 2;
    const pde = u32[l2i]! >>> 0;
    if ((pde & P) === 0 || (write && (pde & RW) === 0) || (pde & PS) !== 0) return -1;
    if ((u32[l2i + 1]! & 0x7fffffff) !== 0) return -1;
    const l1 = pde >>> 12;
    if (l1 >= frames) return -1;
    const l1i = (l1 * 512 + ((va >>> 12) & 511)) * 2;
    const pte = u32[l1i]! >>> 0;
    if ((pte & P) === 0 || (write && (pte & RW) === 0)) return -1;
    if ((u32[l1i + 1]! & 0x7fffffff) !== 0) return -1;
    const mfn = pte >>> 12;
    if (mfn >= frames) return -1;
    return mfn * 4096 + (va & 0xfff);
  }

  /** Copies `dst.length` bytes from guest `va`; false if any byte is inaccessible. */
  copyFrom(base: number, va: number, dst: Uint8Array): boolean {
    let done = 0;
    while (done < dst.length) {
      const a = this.translate(base, (va + done) >>> 0, false);
      if (a < 0) return false;
      const n = Math.min(dst.length - done, 4096 - (a & 0xfff));
      dst.set(this.mem.u8.subarray(a, a + n), done);
      done += n;
    }
    return true;
  }

  copyTo(base: number, va: number, src: Uint8Array): boolean {
    // Check the whole range first so a refused copy writes nothing.
    for (let off = 0; off < src.length; ) {
      const a = this.translate(base, (va + off) >>> 0, true);
      if (a < 0) return false;
      off += 4096 - (a & 0xfff);
    }
    let done = 0;
    while (done < src.length) {
      const a = this.translate(base, (va + done) >>> 0, true);
      const n = Math.min(src.length - done, 4096 - (a & 0xfff));
      this.mem.u8.set(src.subarray(done, done + n), a);
      done += n;
    }
    return true;
  }

  /** A 32-bit read, or null. */
  read32(base: number, va: number): number | null {
    const a = this.translate(base, va, false);
    if (a < 0) return null;
    if ((a & 0xfff) <= 0xffc) return this.mem.view.getUint32(a, true);
    // The word straddles a page boundary.
    const b = new Uint8Array(4);
    if (!this.copyFrom(base, va, b)) return null;
    return new DataView(b.buffer).getUint32(0, true);
  }

  write32(base: number, va: number, value: number): boolean {
    const a = this.translate(base, va, true);
    if (a >= 0 && (a & 0xfff) <= 0xffc) {
      this.mem.view.setUint32(a, value >>> 0, true);
      return true;
    }
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    return this.copyTo(base, va, b);
  }

  /** Reads `len` bytes into a fresh DataView, or null. */
  readView(base: number, va: number, len: number): DataView | null {
    const b = new Uint8Array(len);
    return this.copyFrom(base, va, b) ? new DataView(b.buffer) : null;
  }
}
