// vcpu_op (hypercall 24) commands, runstates and argument structs (xen-abi.md §2.11;
// public/vcpu.h).
import { defineStruct, f } from './struct.js';

/** `VCPUOP_*` commands; vcpu_op(cmd, vcpuid, arg) (§2.11). */
export const VcpuOp = {
  VCPUOP_initialise: 0,
  VCPUOP_up: 1,
  VCPUOP_down: 2,
  VCPUOP_is_up: 3,
  VCPUOP_get_runstate_info: 4,
  VCPUOP_register_runstate_memory_area: 5,
  VCPUOP_set_periodic_timer: 6,
  VCPUOP_stop_periodic_timer: 7,
  VCPUOP_set_singleshot_timer: 8,
  VCPUOP_stop_singleshot_timer: 9,
  VCPUOP_register_vcpu_info: 10,
  VCPUOP_send_nmi: 11,
  VCPUOP_get_physid: 12,
  VCPUOP_register_vcpu_time_memory_area: 13,
  VCPUOP_register_runstate_phys_area: 14,
  VCPUOP_register_vcpu_time_phys_area: 15,
} as const;

/** `vcpu_runstate_info.state`, also the index into `time[]` (§2.11). */
export const RunState = {
  RUNSTATE_running: 0,
  RUNSTATE_runnable: 1,
  RUNSTATE_blocked: 2,
  RUNSTATE_offline: 3,
} as const;

/** vcpu_set_singleshot_timer.flags: fail with -ETIME if the deadline already passed (vcpu.h). */
export const VCPU_SSHOTTMR_future = 1 << 0;

/** `{int state; u64 state_entry_time; u64 time[4]}` — 44 bytes on i386, where u64 aligns to 4. */
export const VCPU_RUNSTATE_INFO = defineStruct('vcpu_runstate_info', 44, {
  state: f(0, 's32'),
  state_entry_time: f(4, 'u64'),
  time: f(12, 'u64', 4),
});

/** `{union {handle h; vcpu_runstate_info *v; u64 p} addr}` — 8 bytes; a guest VA in the low word. */
export const VCPU_REGISTER_RUNSTATE_MEMORY_AREA = defineStruct('vcpu_register_runstate_memory_area', 8, {
  addr: f(0, 'u64'),
});

/** `{u64 period_ns}` */
export const VCPU_SET_PERIODIC_TIMER = defineStruct('vcpu_set_periodic_timer', 8, {
  period_ns: f(0, 'u64'),
});

/** `{u64 timeout_abs_ns; u32 flags}` — 12 bytes on i386 (system time, ns). */
export const VCPU_SET_SINGLESHOT_TIMER = defineStruct('vcpu_set_singleshot_timer', 12, {
  timeout_abs_ns: f(0, 'u64'),
  flags: f(8, 'u32'),
});

/** `{u64 mfn; u32 offset; u32 rsvd}` — 16 bytes (§2.11). */
export const VCPU_REGISTER_VCPU_INFO = defineStruct('vcpu_register_vcpu_info', 16, {
  mfn: f(0, 'u64'),
  offset: f(8, 'u32'),
  rsvd: f(12, 'u32'),
});

export const VCPU_OP_STRUCTS = [
  VCPU_RUNSTATE_INFO,
  VCPU_REGISTER_RUNSTATE_MEMORY_AREA,
  VCPU_SET_PERIODIC_TIMER,
  VCPU_SET_SINGLESHOT_TIMER,
  VCPU_REGISTER_VCPU_INFO,
] as const;
