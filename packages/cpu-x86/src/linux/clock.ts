/**
 * Where the guest's clocks come from. x86-run, like qemu-user, shows real
 * programs the host's time by default; a deterministic clock (derived from
 * the instruction count) can be plugged in where runs must repeat exactly.
 */
import type { Cpu } from '../cpu.js';

export interface GuestClock {
  /** CLOCK_REALTIME in nanoseconds since the epoch. */
  realtimeNs(): bigint;
  /** CLOCK_MONOTONIC (and BOOTTIME) in nanoseconds. */
  monotonicNs(): bigint;
  /** CPU time used by the process, in nanoseconds. */
  cpuTimeNs(): bigint;
  /** Blocks (or pretends to) for `ns` nanoseconds. */
  sleep(ns: bigint): void;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the host thread for `ms` milliseconds without spinning. */
export function hostSleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

/** The host's clocks. */
export class HostClock implements GuestClock {
  private readonly hrBase = process.hrtime.bigint();
  private readonly realBase = BigInt(Date.now()) * 1_000_000n;

  realtimeNs(): bigint {
    return this.realBase + (process.hrtime.bigint() - this.hrBase);
  }

  monotonicNs(): bigint {
    return process.hrtime.bigint();
  }

  cpuTimeNs(): bigint {
    const u = process.cpuUsage();
    return BigInt(u.user + u.system) * 1000n;
  }

  sleep(ns: bigint): void {
    hostSleepMs(Number(ns / 1_000_000n));
  }
}

/**
 * Time as a function of executed instructions at a nominal clock rate, from a
 * fixed epoch: the same program and inputs always see the same times.
 */
export class InstructionClock implements GuestClock {
  private slept = 0n;

  constructor(
    private readonly cpu: Cpu,
    private readonly hz = 100_000_000,
    private readonly epochNs = 1_700_000_000_000_000_000n,
  ) {}

  private elapsed(): bigint {
    return (BigInt(this.cpu.cycles) * 1_000_000_000n) / BigInt(this.hz) + this.slept;
  }

  realtimeNs(): bigint {
    return this.epochNs + this.elapsed();
  }

  monotonicNs(): bigint {
    return this.elapsed();
  }

  cpuTimeNs(): bigint {
    return (BigInt(this.cpu.cycles) * 1_000_000_000n) / BigInt(this.hz);
  }

  sleep(ns: bigint): void {
    if (ns > 0n) this.slept += ns;
  }
}
