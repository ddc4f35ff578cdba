// sched_op (hypercall 29) commands, shutdown reasons and argument structs (xen-abi.md §2.10).
import { defineStruct, f } from './struct.js';

export const SchedOp = {
  SCHEDOP_yield: 0,
  SCHEDOP_block: 1,
  SCHEDOP_shutdown: 2,
  SCHEDOP_poll: 3,
  SCHEDOP_remote_shutdown: 4,
  SCHEDOP_shutdown_code: 5,
  SCHEDOP_watchdog: 6,
  SCHEDOP_pin_override: 7,
} as const;

export const ShutdownReason = {
  SHUTDOWN_poweroff: 0,
  SHUTDOWN_reboot: 1,
  SHUTDOWN_suspend: 2,
  SHUTDOWN_crash: 3,
  SHUTDOWN_watchdog: 4,
  SHUTDOWN_soft_reset: 5,
  SHUTDOWN_MAX: 5,
} as const;

export const SCHED_SHUTDOWN = defineStruct('sched_shutdown', 4, { reason: f(0, 'u32') });
/** `{handle ports; u32 nr_ports; u64 timeout}` — 16 bytes on i386. */
export const SCHED_POLL = defineStruct('sched_poll', 16, {
  ports: f(0, 'u32'),
  nr_ports: f(4, 'u32'),
  timeout: f(8, 'u64'),
});
export const SCHED_REMOTE_SHUTDOWN = defineStruct('sched_remote_shutdown', 8, {
  domain_id: f(0, 'u16'),
  reason: f(4, 'u32'),
});
