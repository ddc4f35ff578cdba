// callback_op (hypercall 30): registering the guest's entry points (xen-abi.md §2.6;
// public/callback.h, arch-x86/xen-x86_32.h).
import { defineStruct, f } from './struct.js';

export const CallbackOp = {
  CALLBACKOP_register: 0,
  CALLBACKOP_unregister: 1,
} as const;

/** `CALLBACKTYPE_*` (§2.6). */
export const CallbackType = {
  CALLBACKTYPE_event: 0,
  CALLBACKTYPE_failsafe: 1,
  CALLBACKTYPE_syscall: 2,
  CALLBACKTYPE_sysenter_deprecated: 3,
  CALLBACKTYPE_nmi: 4,
  CALLBACKTYPE_sysenter: 5,
  CALLBACKTYPE_syscall32: 7,
} as const;

/** callback_register.flags bit 0: mask events while in the callback (failsafe only; callback.h). */
export const CALLBACKF_mask_events = 1 << 0;

/** xen_callback_t on i386: `{ulong cs; ulong eip}` (xen-x86_32.h). */
export const XEN_CALLBACK = defineStruct('xen_callback', 8, {
  cs: f(0, 'u32'),
  eip: f(4, 'u32'),
});

/** `{u16 type; u16 flags; xen_callback_t address}` — 12 bytes on i386 (§2.6). */
export const CALLBACK_REGISTER = defineStruct('callback_register', 12, {
  type: f(0, 'u16'),
  flags: f(2, 'u16'),
  address: f(4, XEN_CALLBACK),
});

/** `{u16 type; u16 _unused}` */
export const CALLBACK_UNREGISTER = defineStruct('callback_unregister', 4, {
  type: f(0, 'u16'),
  _unused: f(2, 'u16'),
});

export const CALLBACK_STRUCTS = [XEN_CALLBACK, CALLBACK_REGISTER, CALLBACK_UNREGISTER] as const;
