/**
 * Physical page frames of the emulated RAM, handed out one 4 KiB frame at a
 * time for page tables, runner structures and user pages. Frames come from a
 * bump pointer and a free stack; every frame is zeroed when it is handed out.
 */
import type { PhysicalMemory } from '../memory/physical-memory.js';

export class OutOfFrames extends Error {
  constructor() {
    super('out of emulated physical memory');
  }
}

export class FrameAllocator {
  private next: number;
  private readonly limit: number;
  private free = new Int32Array(1024);
  private freeCount = 0;
  /** Frames currently handed out. */
  used = 0;

  /** `firstFrame` keeps the low frames (frame 0 at least) out of use. */
  constructor(private readonly mem: PhysicalMemory, firstFrame = 1) {
    this.next = firstFrame;
    this.limit = mem.size >>> 12;
  }

  get total(): number {
    return this.limit;
  }

  /** Allocates a zeroed frame and returns its physical address. */
  alloc(): number {
    let frame: number;
    if (this.freeCount > 0) frame = this.free[--this.freeCount];
    else if (this.next < this.limit) frame = this.next++;
    else throw new OutOfFrames();
    const addr = frame * 4096;
    this.mem.u8.fill(0, addr, addr + 4096);
    this.used++;
    return addr;
  }

  release(addr: number): void {
    if (this.freeCount === this.free.length) {
      const grown = new Int32Array(this.free.length * 2);
      grown.set(this.free);
      this.free = grown;
    }
    this.free[this.freeCount++] = addr >>> 12;
    this.used--;
  }
}
