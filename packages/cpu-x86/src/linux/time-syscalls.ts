/** Clocks and sleeping, through the process's GuestClock (host time by default). */
import type { AddressSpace } from './address-space.js';
import { EINVAL, Errno } from './linux-abi.js';
import type { LinuxProcess } from './linux-process.js';
import type { SyscallGroup } from './syscall-types.js';

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3;
const CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;

function clockNs(p: LinuxProcess, id: number): bigint {
  switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case 8: // CLOCK_REALTIME_ALARM
    case 11: // CLOCK_TAI
      return p.clock.realtimeNs();
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case 9: // CLOCK_BOOTTIME_ALARM
      return p.clock.monotonicNs();
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
      return p.clock.cpuTimeNs();
    default:
      if (id < 0) return p.clock.cpuTimeNs(); // per-process CPU clock ids (clock_getcpuclockid)
      throw new Errno(EINVAL);
  }
}

function writeTimespec(as: AddressSpace, addr: number, ns: bigint, time64: boolean): void {
  const sec = ns / 1_000_000_000n;
  const nsec = ns % 1_000_000_000n;
  if (time64) {
    as.write64(addr, sec);
    as.write64(addr + 8, nsec);
  } else {
    as.write32(addr, Number(BigInt.asIntN(32, sec)));
    as.write32(addr + 4, Number(nsec));
  }
}

function readTimespecNs(as: AddressSpace, addr: number, time64: boolean): bigint {
  const sec = time64 ? as.read64(addr) : BigInt(as.read32(addr));
  const nsec = time64 ? as.read64(addr + 8) : BigInt(as.read32(addr + 4));
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) throw new Errno(EINVAL);
  return sec * 1_000_000_000n + nsec;
}

function nanosleep(p: LinuxProcess, req: number, rem: number, time64: boolean): number {
  const ns = readTimespecNs(p.as, req, time64);
  p.clock.sleep(ns);
  if (rem !== 0) writeTimespec(p.as, rem, 0n, time64);
  return 0;
}

function clockNanosleep(p: LinuxProcess, id: number, flags: number, req: number, rem: number, time64: boolean): number {
  let ns = readTimespecNs(p.as, req, time64);
  if ((flags & 1) !== 0) ns -= clockNs(p, id); // TIMER_ABSTIME
  if (ns > 0n) p.clock.sleep(ns);
  if (rem !== 0 && (flags & 1) === 0) writeTimespec(p.as, rem, 0n, time64);
  return 0;
}

export const timeSyscalls: SyscallGroup = {
  clock_gettime: (p, id, tp) => {
    writeTimespec(p.as, tp, clockNs(p, id), false);
    return 0;
  },
  clock_gettime64: (p, id, tp) => {
    writeTimespec(p.as, tp, clockNs(p, id), true);
    return 0;
  },
  clock_getres: (p, id, tp) => {
    clockNs(p, id);
    if (tp !== 0) writeTimespec(p.as, tp, 1n, false);
    return 0;
  },
  clock_getres_time64: (p, id, tp) => {
    clockNs(p, id);
    if (tp !== 0) writeTimespec(p.as, tp, 1n, true);
    return 0;
  },
  gettimeofday: (p, tv, tz) => {
    const ns = p.clock.realtimeNs();
    if (tv !== 0) {
      p.as.write32(tv, Number(ns / 1_000_000_000n));
      p.as.write32(tv + 4, Number((ns % 1_000_000_000n) / 1000n));
    }
    if (tz !== 0) {
      p.as.write32(tz, 0);
      p.as.write32(tz + 4, 0);
    }
    return 0;
  },
  time: (p, t) => {
    const s = Number(p.clock.realtimeNs() / 1_000_000_000n);
    if (t !== 0) p.as.write32(t, s);
    return s;
  },
  nanosleep: (p, req, rem) => nanosleep(p, req, rem, false),
  clock_nanosleep: (p, id, flags, req, rem) => clockNanosleep(p, id, flags, req, rem, false),
  clock_nanosleep_time64: (p, id, flags, req, rem) => clockNanosleep(p, id, flags, req, rem, true),
  alarm: () => 0,
  setitimer: (p, _which, _new, old) => {
    if (old !== 0) p.as.zero(old, 16);
    return 0;
  },
  getitimer: (p, _which, cur) => {
    p.as.zero(cur, 16);
    return 0;
  },
};

