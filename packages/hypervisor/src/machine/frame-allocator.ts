// Machine frames, handed out lowest first so that a run is reproducible.

export class FrameAllocator {
  private readonly used: Uint8Array;
  private next = 0;
  private free: number;

  constructor(readonly frames: number) {
    this.used = new Uint8Array(frames);
    this.free = frames;
  }

  get freeFrames(): number {
    return this.free;
  }

  /** One frame, or -1 when memory is exhausted. */
  alloc(): number {
    for (let i = 0; i < this.frames; i++) {
      const mfn = (this.next + i) % this.frames;
      if (this.used[mfn] === 0) {
        this.used[mfn] = 1;
        this.free--;
        this.next = mfn + 1;
        return mfn;
      }
    }
    return -1;
  }

  /** `count` contiguous frames (for boot-time tables), or -1. */
  allocContiguous(count: number): number {
    let run = 0;
    for (let mfn = 0; mfn < this.frames; mfn++) {
      run = this.used[mfn] === 0 ? run + 1 : 0;
      if (run === count) {
        const first = mfn - count + 1;
        this.used.fill(1, first, mfn + 1);
        this.free -= count;
        return first;
      }
    }
    return -1;
  }

  release(mfn: number): void {
    if (this.used[mfn] === 0) throw new Error(`frame ${mfn} freed twice`);
    this.used[mfn] = 0;
    this.free++;
    if (mfn < this.next) this.next = mfn;
  }

  isUsed(mfn: number): boolean {
    return this.used[mfn] === 1;
  }
}
