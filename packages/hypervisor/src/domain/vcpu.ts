// A virtual CPU: its saved registers, and the per-vCPU state the PV interface sets up (trap
// table, callbacks, kernel stack, GDT, LDT, timers, polling). Xen: struct vcpu / arch_vcpu.
import type { SchedUnit } from '@xen-ts/plugin-api';
import type { Domain } from './domain.js';
import { VcpuContext } from './vcpu-context.js';

export interface Callback {
  cs: number;
  eip: number;
}

/** One-shot or periodic timer on simulated time (the TimerQueue's handle). */
export interface VcpuTimer {
  set(at: number): void;
  stop(): void;
}

export class Vcpu {
  readonly ctx = new VcpuContext();
  /** Trap table (set_trap_table): handler address, CS and flags (TI_* with bit 7 = present). */
  readonly trapAddress = new Uint32Array(256);
  readonly trapCs = new Uint16Array(256);
  readonly trapFlags = new Uint8Array(256);
  eventCallback: Callback = { cs: 0, eip: 0 };
  failsafeCallback: Callback = { cs: 0, eip: 0 };
  /** callback_op flags: CALLBACKF_mask_events on the failsafe/syscall callbacks. */
  failsafeMasksEvents = false;
  /** stack_switch / TSS.SS1:ESP1: the ring-1 stack used on entry from ring 3. */
  kernelSs = 0;
  kernelSp = 0;
  /** set_gdt: the guest frames and the number of entries. */
  gdtFrames: number[] = [];
  gdtEntries = 0;
  /** MMUEXT_SET_LDT: linear base and entries. */
  ldtBase = 0;
  ldtEntries = 0;
  /** physdev_op set_iopl: the virtual IOPL (Xen: vcpu->arch.pv.iopl). */
  iopl = 0;
  /** Current base pointer (top-level page-table mfn) and its CR3 value. */
  baseMfn = -1;
  /** PV guests start with a 10 ms periodic timer (xen/arch/x86/pv/domain.c). */
  periodicNs = 10_000_000;
  /** When the periodic timer last raised VIRQ_TIMER (Xen: periodic_last_event). */
  periodicLast = 0;
  periodicTimer: VcpuTimer | null = null;
  singleshotTimer: VcpuTimer | null = null;
  /** SCHEDOP_poll: ports polled, and whether the poll timed out. */
  pollPorts: number[] | null = null;
  pollTimer: VcpuTimer | null = null;
  /** Online (VCPUOP_up/down); vCPU 0 comes up at boot. */
  online = false;
  blocked = false;
  /** The physical CPU this vCPU is loaded on, or -1. */
  runningOn = -1;
  unit!: SchedUnit;
  /** A descriptor table changed: reload DS/ES/FS/GS on the next return to the guest. */
  segmentsDirty = false;
  /** VCPUOP_initialise gave it a context (vCPU 0 gets one from the builder). */
  ready = false;
  /** VCPUOP_register_runstate_memory_area: guest virtual address, 0 if none. */
  runstateArea = 0;

  constructor(
    readonly domain: Domain,
    readonly id: number,
  ) {}

  /** Byte offset of this vCPU's vcpu_info inside shared_info. */
  get vcpuInfoOffset(): number {
    return this.id * 64;
  }

  get name(): string {
    return `d${this.domain.id}v${this.id}`;
  }
}
