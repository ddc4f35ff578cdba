/**
 * A read-only window of physical address space backed by a ROM image, as the
 * flash chip at the top of the 4 GiB space of a PC: reads return the image,
 * writes are ignored, bytes of the window before the image (when the image is
 * not a multiple of 4 KiB) read as open bus (0xFF).
 */
import type { MmioDevice } from '../memory/physical-memory.js';

export class RomWindow implements MmioDevice {
  /** Physical address of the image's first byte. */
  readonly imageBase: number;

  /**
   * Maps `image` so that it ends at physical address `end` (exclusive; 2^32
   * for the top of the address space). `windowBase` is the page-aligned start
   * of the claimed window.
   */
  constructor(
    private readonly image: Uint8Array,
    end: number,
  ) {
    this.imageBase = end - image.length;
  }

  /** Page-aligned first address of the window covering the image. */
  get windowBase(): number {
    return Math.floor(this.imageBase / 4096) * 4096;
  }

  /** Length of the page-aligned window. */
  get windowLength(): number {
    return this.imageBase + this.image.length - this.windowBase;
  }

  read8(addr: number): number {
    const i = (addr >>> 0) - this.imageBase;
    return i >= 0 && i < this.image.length ? this.image[i] : 0xff;
  }

  write8(): void {
    // ROM: writes are ignored.
  }

  read16(addr: number): number {
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  read32(addr: number): number {
    return (this.read8(addr) | (this.read8(addr + 1) << 8) | (this.read8(addr + 2) << 16) | (this.read8(addr + 3) << 24)) | 0;
  }
}
