// event_channel_op (hypercall 32) commands, structs, status values and VIRQs (xen-abi.md §2.9).
import { defineStruct, f } from './struct.js';

export const EvtchnOp = {
  EVTCHNOP_bind_interdomain: 0,
  EVTCHNOP_bind_virq: 1,
  EVTCHNOP_bind_pirq: 2,
  EVTCHNOP_close: 3,
  EVTCHNOP_send: 4,
  EVTCHNOP_status: 5,
  EVTCHNOP_alloc_unbound: 6,
  EVTCHNOP_bind_ipi: 7,
  EVTCHNOP_bind_vcpu: 8,
  EVTCHNOP_unmask: 9,
  EVTCHNOP_reset: 10,
  EVTCHNOP_init_control: 11,
  EVTCHNOP_expand_array: 12,
  EVTCHNOP_set_priority: 13,
} as const;

export const EvtchnStat = {
  EVTCHNSTAT_closed: 0,
  EVTCHNSTAT_unbound: 1,
  EVTCHNSTAT_interdomain: 2,
  EVTCHNSTAT_pirq: 3,
  EVTCHNSTAT_virq: 4,
  EVTCHNSTAT_ipi: 5,
} as const;

export const BIND_PIRQ__WILL_SHARE = 1;

export const Virq = {
  VIRQ_TIMER: 0,
  VIRQ_DEBUG: 1,
  VIRQ_CONSOLE: 2,
  VIRQ_DOM_EXC: 3,
  VIRQ_TBUF: 4,
  VIRQ_DEBUGGER: 6,
  VIRQ_XENOPROF: 7,
  VIRQ_CON_RING: 8,
  VIRQ_PCPU_STATE: 9,
  VIRQ_MEM_EVENT: 10,
  VIRQ_ARGO: 11,
  VIRQ_ENOMEM: 12,
  VIRQ_XENPMU: 13,
  VIRQ_ARCH_0: 16,
  VIRQ_ARCH_1: 17,
  VIRQ_ARCH_2: 18,
  VIRQ_ARCH_3: 19,
  VIRQ_ARCH_4: 20,
  VIRQ_ARCH_5: 21,
  VIRQ_ARCH_6: 22,
  VIRQ_ARCH_7: 23,
  NR_VIRQS: 24,
} as const;

export const EVTCHN_BIND_INTERDOMAIN = defineStruct('evtchn_bind_interdomain', 12, {
  remote_dom: f(0, 'u16'),
  remote_port: f(4, 'u32'),
  local_port: f(8, 'u32'),
});
export const EVTCHN_BIND_VIRQ = defineStruct('evtchn_bind_virq', 12, {
  virq: f(0, 'u32'),
  vcpu: f(4, 'u32'),
  port: f(8, 'u32'),
});
export const EVTCHN_BIND_PIRQ = defineStruct('evtchn_bind_pirq', 12, {
  pirq: f(0, 'u32'),
  flags: f(4, 'u32'),
  port: f(8, 'u32'),
});
export const EVTCHN_CLOSE = defineStruct('evtchn_close', 4, { port: f(0, 'u32') });
export const EVTCHN_SEND = defineStruct('evtchn_send', 4, { port: f(0, 'u32') });
/** `u` is a union {unbound.dom | interdomain.{dom,port} | pirq | virq}, flattened to two words. */
export const EVTCHN_STATUS = defineStruct('evtchn_status', 24, {
  dom: f(0, 'u16'),
  port: f(4, 'u32'),
  status: f(8, 'u32'),
  vcpu: f(12, 'u32'),
  u0: f(16, 'u32'),
  u1: f(20, 'u32'),
});
export const EVTCHN_ALLOC_UNBOUND = defineStruct('evtchn_alloc_unbound', 8, {
  dom: f(0, 'u16'),
  remote_dom: f(2, 'u16'),
  port: f(4, 'u32'),
});
export const EVTCHN_BIND_IPI = defineStruct('evtchn_bind_ipi', 8, {
  vcpu: f(0, 'u32'),
  port: f(4, 'u32'),
});
export const EVTCHN_BIND_VCPU = defineStruct('evtchn_bind_vcpu', 8, {
  port: f(0, 'u32'),
  vcpu: f(4, 'u32'),
});
export const EVTCHN_UNMASK = defineStruct('evtchn_unmask', 4, { port: f(0, 'u32') });

export const EVTCHN_STRUCTS = [
  EVTCHN_BIND_INTERDOMAIN,
  EVTCHN_BIND_VIRQ,
  EVTCHN_BIND_PIRQ,
  EVTCHN_CLOSE,
  EVTCHN_SEND,
  EVTCHN_STATUS,
  EVTCHN_ALLOC_UNBOUND,
  EVTCHN_BIND_IPI,
  EVTCHN_BIND_VCPU,
  EVTCHN_UNMASK,
] as const;
