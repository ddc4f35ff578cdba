/**
 * Physical address space: RAM as one typed array, plus MMIO windows that
 * claim ranges of physical pages. This is the CPU's only view of memory;
 * paging and segmentation sit above it (see ../paging).
 */

/** A device that answers physical reads and writes in a window of pages. */
export interface MmioDevice {
  read8(addr: number): number;
  write8(addr: number, value: number): void;
  /** Optional wide accesses; when absent the bus splits them into bytes. */
  read16?(addr: number): number;
  read32?(addr: number): number;
  write16?(addr: number, value: number): void;
  write32?(addr: number, value: number): void;
}

/** Bytes read from physical addresses that nothing answers (open bus). */
const OPEN_BUS = 0xff;

export class PhysicalMemory {
  readonly size: number;
  readonly u8: Uint8Array;
  /** Aligned 32-bit view of the same RAM, for the fast path. */
  readonly u32: Int32Array;
  readonly u16: Uint16Array;
  /** Per 4 KiB physical page: 0 = RAM (or open bus past the end), else index+1 into `devices`. */
  private readonly mmioPageMap = new Map<number, number>();
  private readonly devices: MmioDevice[] = [];
  /** Bumped whenever the MMIO map changes, so cached translations can be dropped. */
  generation = 0;

  constructor(sizeBytes: number) {
    if (!Number.isInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % 4096 !== 0 || sizeBytes > 0xf000_0000) {
      throw new RangeError(`RAM size must be a positive multiple of 4096 below 3.75 GiB, got ${sizeBytes}`);
    }
    this.size = sizeBytes;
    const buffer = new ArrayBuffer(sizeBytes);
    this.u8 = new Uint8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.u32 = new Int32Array(buffer);
  }

  /** Claims [base, base+length) for a device. Both must be page aligned. */
  mapMmio(base: number, length: number, device: MmioDevice): void {
    if ((base & 0xfff) !== 0 || (length & 0xfff) !== 0 || length <= 0) {
      throw new RangeError('MMIO windows must be page aligned');
    }
    this.devices.push(device);
    const id = this.devices.length;
    for (let page = base >>> 12; page < (base + length) / 4096; page++) this.mmioPageMap.set(page, id);
    this.generation++;
  }

  /** True when the physical page is plain RAM that the fast path may touch directly. */
  isRamPage(physPage: number): boolean {
    return physPage < this.size >>> 12 && !this.mmioPageMap.has(physPage);
  }

  private deviceAt(addr: number): MmioDevice | undefined {
    const id = this.mmioPageMap.get(addr >>> 12);
    return id === undefined ? undefined : this.devices[id - 1];
  }

  read8(addr: number): number {
    addr >>>= 0;
    const dev = this.deviceAt(addr);
    if (dev) return dev.read8(addr) & 0xff;
    return addr < this.size ? this.u8[addr] : OPEN_BUS;
  }

  write8(addr: number, value: number): void {
    addr >>>= 0;
    const dev = this.deviceAt(addr);
    if (dev) dev.write8(addr, value & 0xff);
    else if (addr < this.size) this.u8[addr] = value;
  }

  read16(addr: number): number {
    addr >>>= 0;
    const dev = this.deviceAt(addr);
    if (dev?.read16 && (addr & 0xfff) <= 0xffe) return dev.read16(addr) & 0xffff;
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  read32(addr: number): number {
    addr >>>= 0;
    const dev = this.deviceAt(addr);
    if (dev?.read32 && (addr & 0xfff) <= 0xffc) return dev.read32(addr) | 0;
    if (!dev && (addr & 3) === 0 && addr + 3 < this.size) return this.u32[addr >>> 2];
    return (this.read8(addr) | (this.read8(addr + 1) << 8) | (this.read8(addr + 2) << 16) | (this.read8(addr + 3) << 24)) | 0;
  }

  write16(addr: number, value: number): void {
    addr >>>= 0;
    const dev = this.deviceAt(addr);
    if (dev?.write16 && (addr & 0xfff) <= 0xffe) return dev.write16(addr, value & 0xffff);
    this.write8(addr, value);
    this.write8(addr + 1, value >>> 8);
  }

  write32(addr: number, value: number): void {
    addr >>>= 0;
    const dev = this.deviceAt(addr);
    if (dev?.write32 && (addr & 0xfff) <= 0xffc) return dev.write32(addr, value | 0);
    if (!dev && (addr & 3) === 0 && addr + 3 < this.size) {
      this.u32[addr >>> 2] = value;
      return;
    }
    this.write8(addr, value);
    this.write8(addr + 1, value >>> 8);
    this.write8(addr + 2, value >>> 16);
    this.write8(addr + 3, value >>> 24);
  }

  /** Copies bytes into physical memory (loaders, DMA). */
  load(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.write8(addr + i, bytes[i]);
  }

  /** Copies bytes out of physical memory. */
  slice(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.read8(addr + i);
    return out;
  }
}
