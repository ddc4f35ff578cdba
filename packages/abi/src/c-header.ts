// Emits `xen-ts-abi.h`: the same constants and struct layouts as this package, for C and
// assembly code built for the guest, with _Static_asserts generated from the same offset tables
// so that a real i386 compiler checks that both sides agree.
import { Hypercall, HYPERCALL_VECTOR, HYPERCALL_ENTRY_SIZE } from './hypercalls.js';
import { XenErrno } from './errno.js';
import * as Layout from './layout.js';
import { SIF, START_INFO } from './start-info.js';
import {
  ARCH_SHARED_INFO,
  ARCH_VCPU_INFO,
  EVTCHN_2L_NR_CHANNELS,
  SHARED_INFO,
  VCPU_INFO,
  VCPU_TIME_INFO,
  XEN_PVCLOCK_GUEST_STOPPED,
  XEN_PVCLOCK_TSC_STABLE_BIT,
} from './shared-info.js';
import { MMU_UPDATE, MMU_UPDATE_PREEMPTED, MMUEXT_OP, MULTICALL_ENTRY, MmuCmd, MmuextCmd, Uvmf, VmAssist } from './mmu-ops.js';
import { BIND_PIRQ__WILL_SHARE, EVTCHN_STRUCTS, EvtchnOp, EvtchnStat, Virq } from './event-channel.js';
import { TI_DPL_MASK, TI_SET_IF, TRAP_INFO } from './trap-info.js';
import { SCHED_POLL, SCHED_REMOTE_SHUTDOWN, SCHED_SHUTDOWN, SchedOp, ShutdownReason } from './sched-ops.js';
import * as Grant from './grant-table.js';
import { SRING_ENTRIES_OFFSET, SRING_HEADER } from './ring.js';
import * as Console from './console.js';
import * as Xs from './xenstore.js';
import { ElfNote } from './elf-notes.js';
import { XEN_VERSION_STRUCTS, XenFeat, XenVersionCmd } from './xen-version.js';
import * as Version from './xen-version.js';
import { MEMOP_CMD_MASK, MEMOP_EXTENT_SHIFT, MemoryOp, XEN_MEMORY_RESERVATION } from './memory-op.js';
import { RunState, VCPU_OP_STRUCTS, VCPU_SSHOTTMR_future, VcpuOp } from './vcpu-op.js';
import { CALLBACK_STRUCTS, CALLBACKF_mask_events, CallbackOp, CallbackType } from './callback.js';
import { PHYSDEV_STRUCTS, PhysdevOp, XenIrqStat } from './physdev.js';
import type { PrimType, StructLayout } from './struct.js';

/** A named group of `#define`s: `prefix + key` = value. */
export interface ConstantGroup {
  readonly title: string;
  readonly prefix?: string;
  readonly values: Readonly<Record<string, number>>;
}

export const CONSTANT_GROUPS: readonly ConstantGroup[] = [
  {
    title: 'Hypercall convention (xen-abi.md 2.1)',
    values: { HYPERCALL_VECTOR, HYPERCALL_ENTRY_SIZE },
  },
  { title: 'Hypercall numbers (2.2)', prefix: '__HYPERVISOR_', values: Hypercall },
  { title: 'Error codes, returned negated (public/errno.h)', prefix: 'XEN_', values: XenErrno },
  { title: 'Segment selectors (2.3)', values: Layout.Selector },
  {
    title: 'Address-space layout (2.3)',
    values: {
      FIRST_RESERVED_GDT_PAGE: Layout.FIRST_RESERVED_GDT_PAGE,
      FIRST_RESERVED_GDT_BYTE: Layout.FIRST_RESERVED_GDT_BYTE,
      FIRST_RESERVED_GDT_ENTRY: Layout.FIRST_RESERVED_GDT_ENTRY,
      HYPERVISOR_VIRT_START_PAE: Layout.HYPERVISOR_VIRT_START_PAE,
      MACH2PHYS_VIRT_START_PAE: Layout.MACH2PHYS_VIRT_START_PAE,
      MACH2PHYS_VIRT_END_PAE: Layout.MACH2PHYS_VIRT_END_PAE,
      HYPERVISOR_VIRT_START_2L: Layout.HYPERVISOR_VIRT_START_2L,
      MACH2PHYS_VIRT_START_2L: Layout.MACH2PHYS_VIRT_START_2L,
      MACH2PHYS_VIRT_END_2L: Layout.MACH2PHYS_VIRT_END_2L,
      COMPAT_MACH2PHYS_VIRT_END: Layout.COMPAT_MACH2PHYS_VIRT_END,
      XEN_LEGACY_MAX_VCPUS: Layout.XEN_LEGACY_MAX_VCPUS,
      MAX_GUEST_CMDLINE: Layout.MAX_GUEST_CMDLINE,
      XEN_LATEST_INTERFACE_VERSION: Layout.XEN_LATEST_INTERFACE_VERSION,
    },
  },
  { title: 'Domain ids (2.0)', values: Layout.DomId },
  { title: 'start_info flags (2.4)', values: SIF },
  {
    title: 'Time and events (2.5, 2.6)',
    values: { XEN_PVCLOCK_TSC_STABLE_BIT, XEN_PVCLOCK_GUEST_STOPPED, EVTCHN_2L_NR_CHANNELS },
  },
  { title: 'mmu_update commands (2.8)', values: { ...MmuCmd, MMU_UPDATE_PREEMPTED } },
  { title: 'mmuext_op commands (2.8)', values: MmuextCmd },
  { title: 'update_va_mapping flags (2.8)', values: Uvmf },
  { title: 'vm_assist (2.8)', values: VmAssist },
  { title: 'trap_info flags (2.7)', values: { TI_DPL_MASK, TI_SET_IF } },
  { title: 'Event-channel ops (2.9)', values: { ...EvtchnOp, ...EvtchnStat, BIND_PIRQ__WILL_SHARE } },
  { title: 'VIRQs (2.9)', values: Virq },
  { title: 'sched_op (2.10)', values: { ...SchedOp, ...ShutdownReason } },
  { title: 'vcpu_op (2.11)', values: { ...VcpuOp, ...RunState, VCPU_SSHOTTMR_future } },
  { title: 'memory_op (2.12)', values: { ...MemoryOp, MEMOP_EXTENT_SHIFT, MEMOP_CMD_MASK } },
  { title: 'callback_op (2.6)', values: { ...CallbackOp, ...CallbackType, CALLBACKF_mask_events } },
  {
    title: 'Grant tables (2.13)',
    values: {
      ...Grant.GnttabOp,
      ...Grant.Gtf,
      ...Grant.Gntmap,
      ...Grant.Gntst,
      GNTCOPY_source_gref: Grant.GNTCOPY_source_gref,
      GNTCOPY_dest_gref: Grant.GNTCOPY_dest_gref,
      GNTTAB_NR_RESERVED_ENTRIES: Grant.GNTTAB_NR_RESERVED_ENTRIES,
      GNTTAB_RESERVED_CONSOLE: Grant.GNTTAB_RESERVED_CONSOLE,
      GNTTAB_RESERVED_XENSTORE: Grant.GNTTAB_RESERVED_XENSTORE,
    },
  },
  {
    title: 'xen_version (2.14)',
    values: {
      ...XenVersionCmd,
      XEN_EXTRAVERSION_LEN: Version.XEN_EXTRAVERSION_LEN,
      XEN_CAPABILITIES_INFO_LEN: Version.XEN_CAPABILITIES_INFO_LEN,
      XEN_CHANGESET_INFO_LEN: Version.XEN_CHANGESET_INFO_LEN,
      XEN_COMMANDLINE_LEN: Version.XEN_COMMANDLINE_LEN,
      XEN_DOMAIN_HANDLE_LEN: Version.XEN_DOMAIN_HANDLE_LEN,
    },
  },
  { title: 'XENFEAT bits (2.14)', values: { ...XenFeat, XENFEAT_NR_SUBMAPS: Version.XENFEAT_NR_SUBMAPS } },
  { title: 'physdev_op (2.14)', values: { ...PhysdevOp, ...XenIrqStat } },
  { title: 'Shared rings (2.15)', values: { XEN_SRING_ENTRIES_OFFSET: SRING_ENTRIES_OFFSET } },
  {
    title: 'Console (2.14, 2.18)',
    values: {
      XENCONSOLE_CONNECTED: Console.XENCONSOLE_CONNECTED,
      XENCONSOLE_DISCONNECTED: Console.XENCONSOLE_DISCONNECTED,
      CONSOLEIO_write: Console.CONSOLEIO_write,
      CONSOLEIO_read: Console.CONSOLEIO_read,
    },
  },
  {
    title: 'Xenstore (2.19)',
    values: {
      ...Xs.XsType,
      XENSTORE_PAYLOAD_MAX: Xs.XENSTORE_PAYLOAD_MAX,
      XENSTORE_ABS_PATH_MAX: Xs.XENSTORE_ABS_PATH_MAX,
      XENSTORE_REL_PATH_MAX: Xs.XENSTORE_REL_PATH_MAX,
      XENSTORE_RING_SIZE: Xs.XENSTORE_RING_SIZE,
      ...Xs.XenstoreServerFeature,
      XENSTORE_CONNECTED: Xs.XENSTORE_CONNECTED,
      XENSTORE_RECONNECT: Xs.XENSTORE_RECONNECT,
      ...Xs.XenstoreError,
    },
  },
  { title: 'ELF notes (2.21)', values: ElfNote },
];

/** Every struct in the header, in dependency order. */
export const ALL_STRUCTS: readonly StructLayout[] = [
  VCPU_TIME_INFO,
  ARCH_VCPU_INFO,
  VCPU_INFO,
  ARCH_SHARED_INFO,
  SHARED_INFO,
  START_INFO,
  MMU_UPDATE,
  MMUEXT_OP,
  MULTICALL_ENTRY,
  TRAP_INFO,
  ...EVTCHN_STRUCTS,
  SCHED_SHUTDOWN,
  SCHED_POLL,
  SCHED_REMOTE_SHUTDOWN,
  ...VCPU_OP_STRUCTS,
  XEN_MEMORY_RESERVATION,
  ...CALLBACK_STRUCTS,
  ...Grant.GRANT_STRUCTS,
  ...XEN_VERSION_STRUCTS,
  ...PHYSDEV_STRUCTS,
  SRING_HEADER,
  Console.XENCONS_INTERFACE,
  Xs.XSD_SOCKMSG,
  Xs.XENSTORE_DOMAIN_INTERFACE,
];

const C_TYPE: Readonly<Record<PrimType, string>> = {
  u8: 'uint8_t',
  s8: 'int8_t',
  char: 'char',
  u16: 'uint16_t',
  s16: 'int16_t',
  u32: 'uint32_t',
  s32: 'int32_t',
  u64: 'uint64_t',
};

/** A C literal for `v`: decimal for small values, hex (with U above INT_MAX) for large ones. */
export function cLiteral(v: number): string {
  if (!Number.isInteger(v)) throw new TypeError(`not an integer constant: ${v}`);
  if (v < 0) return `(${v})`;
  if (v > 0xffffffff) throw new RangeError(`constant does not fit in 32 bits: ${v}`);
  if (v < 0x1000) return String(v);
  const hex = `0x${v.toString(16).toUpperCase().padStart(8, '0')}`;
  return v > 0x7fffffff ? `${hex}U` : hex;
}

function structDecl(s: StructLayout): string {
  const lines = [`struct ${s.cName} {`];
  for (const [name, fl] of Object.entries(s.fields)) {
    const type = typeof fl.type === 'string' ? C_TYPE[fl.type] : `struct ${fl.type.cName}`;
    const arr = fl.count === undefined ? '' : `[${fl.count}]`;
    lines.push(`    ${type} ${name}${arr}; /* +${fl.offset}, ${fl.size} bytes */`);
  }
  lines.push('};');
  return lines.join('\n');
}

function structAsserts(s: StructLayout): string {
  const lines = [`_Static_assert(sizeof(struct ${s.cName}) == ${s.size}, "sizeof(struct ${s.cName})");`];
  for (const [name, fl] of Object.entries(s.fields)) {
    lines.push(
      `_Static_assert(offsetof(struct ${s.cName}, ${name}) == ${fl.offset}, "offsetof(struct ${s.cName}, ${name})");`,
      `_Static_assert(sizeof(((struct ${s.cName} *)0)->${name}) == ${fl.size}, "sizeof(struct ${s.cName}.${name})");`,
    );
  }
  return lines.join('\n');
}

/** The whole `xen-ts-abi.h` as a string. */
export function generateCHeader(): string {
  const out: string[] = [
    '/* xen-ts-abi.h: the Xen x86_32 PV interface, generated by @xen-ts/abi (generateCHeader).',
    ' * Do not edit: change the TypeScript tables in packages/abi/src and regenerate.',
    ' * Layouts are for i386 (gcc -m32); the _Static_asserts at the end check them. */',
    '#ifndef XEN_TS_ABI_H',
    '#define XEN_TS_ABI_H',
    '',
  ];
  for (const g of CONSTANT_GROUPS) {
    out.push(`/* ${g.title} */`);
    for (const [k, v] of Object.entries(g.values)) out.push(`#define ${g.prefix ?? ''}${k} ${cLiteral(v)}`);
    out.push('');
  }
  out.push('#ifndef __ASSEMBLER__', '#include <stdint.h>', '#include <stddef.h>', '');
  for (const s of ALL_STRUCTS) out.push(structDecl(s), '');
  out.push('/* Layout checks, generated from the same tables as the TypeScript accessors. */');
  for (const s of ALL_STRUCTS) out.push(structAsserts(s), '');
  out.push('#endif /* !__ASSEMBLER__ */', '', '#endif /* XEN_TS_ABI_H */', '');
  return out.join('\n');
}
