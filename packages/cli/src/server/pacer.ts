// Runs the simulated machine for an interactive host: in short slices so the event loop stays
// responsive (setImmediate between slices), optionally no faster than `pace` simulated seconds
// per wall-clock second (DESIGN.md §3: wall-clock pacing is an option, never the source of
// truth — the model only ever sees simulated time; the wall clock only decides when to run it).
import { performance } from 'node:perf_hooks';
import type { Hypervisor, RunResult } from '@xen-ts/hypervisor';

export interface PacerOptions {
  /** Simulated seconds per wall-clock second; 0 = as fast as the host can. */
  pace: number;
  /** Wall-clock budget of one slice before yielding to the event loop (ms). */
  sliceMs?: number;
  /** Simulated time per `run` call inside a slice (ns). */
  stepNs?: number;
  /** Called after every slice (toolstack work, log forwarding). */
  afterSlice?: (result: RunResult) => void;
  /** The model threw: the machine is stopped and this is told why. */
  onFault?: (error: unknown) => void;
}

export class Pacer {
  private running = false;
  private stopped = false;
  /** Waiting for a kick: nothing can run (all blocked with no timer, or no domain alive). */
  private waiting = false;
  private timer: NodeJS.Timeout | null = null;
  private anchorWallMs = 0;
  private anchorSimNs = 0;
  private readonly sliceMs: number;
  private readonly stepNs: number;

  constructor(
    private readonly xen: Hypervisor,
    private readonly options: PacerOptions,
  ) {
    this.sliceMs = options.sliceMs ?? 15;
    this.stepNs = options.stepNs ?? 1_000_000;
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.reanchor();
    setImmediate(this.slice);
  }

  stop(): void {
    this.stopped = true;
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Something changed (a request, console input): if the machine was idle, run it again. */
  kick(): void {
    if (!this.running || !this.waiting) return;
    this.waiting = false;
    this.reanchor();
    setImmediate(this.slice);
  }

  get isWaiting(): boolean {
    return this.waiting;
  }

  private reanchor(): void {
    this.anchorWallMs = performance.now();
    this.anchorSimNs = this.xen.now();
  }

  private readonly slice = (): void => {
    this.timer = null;
    if (!this.running) return;
    const start = performance.now();
    let result: RunResult = 'deadline';
    try {
      do {
        const paced = this.options.pace > 0;
        const targetNs = paced ? this.anchorSimNs + (performance.now() - this.anchorWallMs) * 1e6 * this.options.pace : Infinity;
        const untilNs = Math.min(this.xen.now() + this.stepNs, targetNs);
        if (untilNs <= this.xen.now()) break; // ahead of the wall clock
        result = this.xen.run({ untilNs });
        this.options.afterSlice?.(result);
      } while (result === 'deadline' && performance.now() - start < this.sliceMs);
    } catch (e) {
      this.running = false;
      this.options.onFault?.(e);
      return;
    }
    if (result === 'idle' || result === 'all-down') {
      this.waiting = true;
      return;
    }
    if (this.options.pace > 0) {
      const aheadNs = this.xen.now() - (this.anchorSimNs + (performance.now() - this.anchorWallMs) * 1e6 * this.options.pace);
      if (aheadNs > 0) {
        this.timer = setTimeout(this.slice, Math.max(1, Math.min(100, aheadNs / 1e6 / this.options.pace)));
        return;
      }
      // Far behind the wall clock (the emulator is slower than real time): do not try to catch up later.
      if (-aheadNs > 1e9 * this.options.pace) this.reanchor();
    }
    setImmediate(this.slice);
  };
}
