// vCPU run states and their accounting (xen-abi.md §2.11, public/vcpu.h `vcpu_runstate_info`).
import type { Nanoseconds } from '@xen-ts/plugin-api';

/** RUNSTATE_* from public/vcpu.h. */
export const RunState = {
  running: 0,
  runnable: 1,
  blocked: 2,
  offline: 3,
} as const;
export type RunState = (typeof RunState)[keyof typeof RunState];

/** What VCPUOP_get_runstate_info returns: the current state, when it was entered, and time per state. */
export interface RunstateInfo {
  readonly state: RunState;
  readonly stateEntryTime: Nanoseconds;
  /** Indexed by {@link RunState}: running, runnable, blocked, offline (ns, including the current state). */
  readonly time: readonly [Nanoseconds, Nanoseconds, Nanoseconds, Nanoseconds];
}
