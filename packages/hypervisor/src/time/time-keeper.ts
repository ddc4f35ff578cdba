// The paper's three clocks (§3; xen-abi.md §2.5): system time (ns since boot), each domain's
// virtual time (the CPU time it consumed), and wall-clock time (system time + the boot epoch),
// published in shared_info with the version protocol: the version is odd while an update is in
// progress, and the guest retries if it changed while it read.
import { SHARED_INFO, VCPU_INFO, VCPU_TIME_INFO, XEN_PVCLOCK_TSC_STABLE_BIT } from '@xen-ts/abi';
import type { Domain } from '../domain/domain.js';
import type { RamMachineMemory } from '../machine/machine-memory.js';

const T = VCPU_TIME_INFO.fields;
const TIME_OFFSET = VCPU_INFO.fields.time.offset;
const S = SHARED_INFO.fields;

/** tsc_to_system_mul and tsc_shift so that ns = ((tsc << shift) * mul) >> 32 (shift < 0: right). */
export function tscScale(hz: number): { mul: number; shift: number } {
  const ratio = 1e9 / hz;
  const shift = Math.floor(Math.log2(ratio)) + 1; // ratio / 2^shift in [0.5, 1)
  const mul = Math.round(ratio * 2 ** (32 - shift));
  if (mul >= 2 ** 32 || mul <= 0) throw new RangeError(`cannot scale a ${hz} Hz TSC`);
  return { mul, shift };
}

/** What a guest computes from a vcpu_time_info (for tests and tools). */
export function guestTimeFromTsc(systemTime: bigint, tscStamp: bigint, tsc: bigint, mul: number, shift: number): bigint {
  let delta = tsc - tscStamp;
  delta = shift >= 0 ? delta << BigInt(shift) : delta >> BigInt(-shift);
  return systemTime + ((delta * BigInt(mul)) >> 32n);
}

export class TimeKeeper {
  readonly mul: number;
  readonly shift: number;
  readonly nsPerCycle: number;
  readonly cyclesPerNs: number;

  constructor(
    readonly cpuHz: number,
    /** Wall clock at system time 0, in seconds since the Unix epoch. */
    readonly epochSec: number,
    private readonly mem: RamMachineMemory,
  ) {
    const s = tscScale(cpuHz);
    this.mul = s.mul;
    this.shift = s.shift;
    this.nsPerCycle = 1e9 / cpuHz;
    this.cyclesPerNs = cpuHz / 1e9;
  }

  /** Updates vCPU `vcpu`'s vcpu_time_info: system time `nowNs` at TSC value `tsc`. */
  publishVcpuTime(d: Domain, vcpu: number, tsc: number, nowNs: number): void {
    const v = this.mem.view;
    const at = d.sharedInfoMfn * 4096 + vcpu * 64 + TIME_OFFSET;
    const version = v.getUint32(at + T.version.offset, true);
    v.setUint32(at + T.version.offset, (version + 1) | 1, true); // odd: update in progress
    v.setBigUint64(at + T.tsc_timestamp.offset, BigInt(Math.floor(tsc)), true);
    v.setBigUint64(at + T.system_time.offset, BigInt(Math.floor(nowNs)), true);
    v.setUint32(at + T.tsc_to_system_mul.offset, this.mul, true);
    v.setInt8(at + T.tsc_shift.offset, this.shift);
    v.setUint8(at + T.flags.offset, XEN_PVCLOCK_TSC_STABLE_BIT);
    v.setUint32(at + T.version.offset, ((version + 1) | 1) + 1, true); // even: consistent
  }

  /** Writes the wall clock at system time 0 (wc_sec/wc_nsec under wc_version). */
  publishWallclock(d: Domain): void {
    const v = this.mem.view;
    const at = d.sharedInfoMfn * 4096;
    const version = v.getUint32(at + S.wc_version.offset, true);
    v.setUint32(at + S.wc_version.offset, (version + 1) | 1, true);
    v.setUint32(at + S.wc_sec.offset, this.epochSec >>> 0, true);
    v.setUint32(at + S.wc_nsec.offset, 0, true);
    v.setUint32(at + S.wc_version.offset, ((version + 1) | 1) + 1, true);
  }
}
