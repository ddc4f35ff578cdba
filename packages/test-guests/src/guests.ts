// The table of test guests: what each exercises and how the host should boot and judge it.
import type { Layout } from './build.js';

/** How a guest ends: SCHEDOP_shutdown(poweroff) after XTF-DONE, or a domain crash. */
export type GuestOutcome = 'poweroff' | 'crash';

export interface TestGuest {
  /** Image name: build/<layout>/<name>.elf. */
  readonly name: string;
  readonly description: string;
  readonly layouts: readonly Layout[];
  /** The shutdown reason the host should see. For 'poweroff' the console also ends with
   *  `XTF-DONE <name> <passes> 0`; for 'crash' the reason is SHUTDOWN_crash. */
  readonly expect: GuestOutcome;
  /** Command line (start_info.cmd_line). `{peer_mfn}` and `{peer_domid}` are placeholders the
   *  host replaces (see guestCmdline). */
  readonly cmdline?: string;
  /** Memory to give the domain, in MiB (default 16). */
  readonly memoryMb?: number;
  /** vCPUs to give the domain (default 1). */
  readonly vcpus?: number;
  /** True when the host must create a second domain first and pass its values on the
   *  command line (a machine frame it owns, its domid). */
  readonly needsPeer?: boolean;
  /** What the host must do while the guest runs, if anything. */
  readonly hostAction?: string;
  /** For 'crash': what the hypervisor's crash message must say. */
  readonly crashMessage?: RegExp;
}

const BOTH: readonly Layout[] = ['2level', 'pae'];

export const TEST_GUESTS: readonly TestGuest[] = [
  {
    name: 'hello',
    description: 'console_io, xen_version (version, get_features, pagesize, platform_parameters), start_info sanity, P2M/M2P agreement, M2P write faults',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'hello-legacy',
    description: 'hello built with only the legacy __xen_guest section (no ELF notes): tests the builder',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'traps',
    description: 'set_trap_table; #DE, int3, into, bound, #UD, #GP (Xen selector), #PF (CR2 in vcpu_info), int n DPL rules, RPL-0 handler fix-up, int 0x80 from ring 3',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'trap-unhandled',
    description: 'ud2 with no #UD handler registered: Xen crashes the domain',
    layouts: BOTH,
    expect: 'crash',
    crashMessage: /unhandled trap 6/,
  },
  {
    name: 'failsafe-unusable',
    description: 'HYPERVISOR_iret to a frame that cannot be loaded and a failsafe callback that cannot be entered: Xen crashes the domain',
    layouts: BOTH,
    expect: 'crash',
    crashMessage: /the failsafe callback itself/,
  },
  {
    name: 'priv',
    description: 'privileged instructions in ring 1: bounced #GP vs. Xen-emulated (CR reads, mov to cr3, clts, wbinvd), physdev set_iopl',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'hole',
    description: 'the hypervisor hole: M2P readable, writes #PF, reads/writes/execution beyond the M2P fault',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'mmu',
    description: 'mmu_update (map/unmap, batch stop + done, refusals: writable PT, foreign frame, beyond memory, Xen slot), pin/unpin, NEW_BASEPTR to a copy and back, update_va_mapping, MMU_MACHPHYS_UPDATE, read-only page tables',
    layouts: BOTH,
    expect: 'poweroff',
    cmdline: 'peer_mfn={peer_mfn}',
    needsPeer: true,
  },
  {
    name: 'segments',
    description: 'set_gdt, update_descriptor (DPL fix-up, call gate refused, limit into the hole), GDT frame not writable, LDT via MMUEXT_SET_LDT',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'events',
    description: 'bind_virq timer + set_timer_op, upcall mask, port mask + EVTCHNOP_unmask, interdomain to self, IPI, close, status, bad ports, SCHEDOP_block with masked upcalls',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'time',
    description: 'vcpu_time_info version protocol, monotonic system time, TSC formula, wall clock, set_timer_op in the past, periodic timer, runstate',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'sched',
    description: 'SCHEDOP_yield, block/wake with a timer, SCHEDOP_poll with timeout and with a pending port, shutdown_code',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'memory',
    description: 'memory_op reservations, decrease then increase one extent (P2M + MMU_MACHPHYS_UPDATE), bad domid',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'multicall',
    description: 'a multicall batch of xen_version + mmu_update + a failing call; per-entry results',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'fpu',
    description: 'fpu_taskswitch(1) sets CR0.TS so the next FPU instruction raises #NM; clts and fpu_taskswitch(0) clear it',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'callbacks',
    description: 'set_callbacks and callback_op register, failsafe callback on a segment Xen cannot reload and on an iret frame it cannot load, stack_switch for ring 3 -> 1',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'vm-assist',
    description: 'vm_assist enable/disable of known and unknown types',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'vcpu-op',
    description: 'vcpu_op is_up, get_runstate_info, singleshot timer, bad vcpu ids',
    layouts: BOTH,
    expect: 'poweroff',
  },
  {
    name: 'console-ring',
    description: 'writes a line through the PV console ring (start_info.console.domU) and its event channel',
    layouts: BOTH,
    expect: 'poweroff',
    hostAction: 'run the console backend: the line "XTF-RING console ring works" must appear in the domain console output',
  },
  {
    name: 'xenstore-ring',
    description: 'one XS_READ of "name" over the xenstore ring (start_info.store_mfn/store_evtchn); prints the reply',
    layouts: BOTH,
    expect: 'poweroff',
    hostAction: 'run xenstored for the domain; the reply should be the domain name',
  },
  {
    name: 'grants',
    description: 'grant tables: setup_table, query_size, granting a page to the peer, map of an own grant, copy with bad refs, end access while mapped',
    layouts: BOTH,
    expect: 'poweroff',
    cmdline: 'peer_domid={peer_domid}',
    needsPeer: true,
    hostAction:
      'when the console shows "XTF-REQUEST map-grant dom=<d> ref=<r>", map that grant into the peer domain (GNTTABOP_map_grant_ref, GNTMAP_host_map); when it shows "XTF-REQUEST unmap-grant", unmap it',
  },
  {
    name: 'smp',
    description: 'a second vCPU: VCPUOP_initialise with a vcpu_guest_context, up, runstate, down by itself',
    layouts: BOTH,
    expect: 'poweroff',
    vcpus: 2,
  },
  {
    name: 'hypercall-fuzz',
    description: 'random hypercalls (numbers 0..63, LCG-seeded arguments); histogram of results; must survive',
    layouts: BOTH,
    expect: 'poweroff',
    cmdline: 'seed=1 count=100000',
  },
];

/**
 * Guests that are tools rather than checks: the host uses them to measure (they are booted by
 * the hypervisor's scheduler tests and `pnpm bench`), not to pass or fail.
 *  - spin: CPU-bound; `ms=<n>` of system time then `XTF-SPIN iterations=<n>` and poweroff (0: forever)
 *  - idle: blocks for good with no timer (the cost of an idle domain)
 *  - bench: the hypervisor micro-benchmarks, `XTF-BENCH <name> cycles=<per op> ops=<n>` lines
 */
export const TOOL_GUESTS: readonly TestGuest[] = [
  { name: 'spin', description: 'CPU-bound loop for scheduler tests (ms=<n>, 0 = forever)', layouts: BOTH, expect: 'poweroff' },
  { name: 'idle', description: 'blocks forever with no timer: an idle domain', layouts: BOTH, expect: 'poweroff' },
  { name: 'bench', description: 'hypercall, trap bounce, fast system call and page-table update micro-benchmarks', layouts: BOTH, expect: 'poweroff' },
];

export function findGuest(name: string): TestGuest {
  const g = [...TEST_GUESTS, ...TOOL_GUESTS].find((t) => t.name === name);
  if (!g) throw new Error(`test-guests: no guest named '${name}' (known: ${TEST_GUESTS.map((t) => t.name).join(', ')})`);
  return g;
}

/** The guest's command line with the peer placeholders filled in. */
export function guestCmdline(guest: TestGuest, peer?: { mfn: number; domid: number }): string {
  const line = guest.cmdline ?? '';
  if (!/\{peer_/.test(line)) return line;
  if (!peer) throw new Error(`test-guests: guest '${guest.name}' needs a peer domain (peer_mfn/peer_domid)`);
  return line.replace('{peer_mfn}', `0x${peer.mfn.toString(16)}`).replace('{peer_domid}', String(peer.domid));
}
