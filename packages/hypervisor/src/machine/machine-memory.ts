// Machine memory seen by frame and word: the view @xen-ts/mmu and the hypervisor use to read and
// write page tables and shared pages in the emulated RAM.
import type { PhysicalMemory } from '@xen-ts/cpu-x86';
import type { MachineMemory } from '@xen-ts/mmu';

export class RamMachineMemory implements MachineMemory {
  readonly u8: Uint8Array;
  readonly u32: Int32Array;
  readonly view: DataView;

  constructor(readonly ram: PhysicalMemory) {
    this.u8 = ram.u8;
    this.u32 = ram.u32;
    this.view = new DataView(ram.u8.buffer);
  }

  get frames(): number {
    return this.u8.length >>> 12;
  }

  read32(mfn: number, index: number): number {
    return this.u32[mfn * 1024 + index]! >>> 0;
  }

  write32(mfn: number, index: number, value: number): void {
    this.u32[mfn * 1024 + index] = value | 0;
  }

  clearFrame(mfn: number): void {
    this.u32.fill(0, mfn * 1024, mfn * 1024 + 1024);
  }

  /** Writes a page-table entry: 32-bit (2-level) or 64-bit with a zero high word (PAE). */
  writePte(pae: boolean, mfn: number, index: number, value: number): void {
    if (pae) {
      this.u32[mfn * 1024 + index * 2] = value | 0;
      this.u32[mfn * 1024 + index * 2 + 1] = 0;
    } else {
      this.u32[mfn * 1024 + index] = value | 0;
    }
  }

  readPteLow(pae: boolean, mfn: number, index: number): number {
    return this.u32[mfn * 1024 + (pae ? index * 2 : index)]! >>> 0;
  }
}
