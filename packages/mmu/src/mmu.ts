// The MMU state of one machine: frame table, machine memory, validator, M2P, and per-vCPU state
// (base pointer, GDT frames, LDT).
import { DomId, XenErrno } from '@xen-ts/abi';
import { FrameTable, PageType } from './frame-table.js';
import { pagingLayout, type PagingLayout, type PagingLayoutName } from './layout.js';
import {
  NO_GRANTS,
  PageTableValidator,
  type GrantCheck,
  type HypervisorSlotFiller,
  type MachineMemory,
} from './validate.js';

/** M2P value of a frame with no pseudo-physical number. */
export const INVALID_M2P_ENTRY = 0xffffffff;

export interface MmuOptions {
  frames: number;
  memory: MachineMemory;
  grants?: GrantCheck;
  /** Paging layout of the guests on this machine; default '2level'. */
  layout?: PagingLayoutName;
  /** Writes Xen's entries into the hole slots of every top-level table when it is validated. */
  xenSlots?: HypervisorSlotFiller;
  /** May `domid` act on other domains' memory (foreigndom, update_va_mapping_otherdomain)? Default: none may. */
  isPrivileged?(domid: number): boolean;
  /** Does domain `domid` exist (foreigndom targets)? Default: every non-reserved id does. */
  domainExists?(domid: number): boolean;
  /**
   * The machine-to-physical table, one entry per frame (at least `frames` long). The hypervisor
   * passes a view over emulated RAM so guests read it through Xen's read-only mapping. Used as
   * given (not cleared). Default: a new array filled with INVALID_M2P_ENTRY.
   */
  m2p?: Uint32Array;
}

/** A vCPU's GDT as installed by set_gdt: the frames hold a page and a SegDesc type reference each. */
export interface GdtState {
  frames: number[];
  entries: number;
}

/** A vCPU's LDT (MMUEXT_SET_LDT) and the LDT frames mapped so far, each holding page + SegDesc references. */
export interface LdtState {
  va: number;
  ents: number;
  frames: number[];
}

/** Largest vCPU id accepted (domains have at most this many vCPUs here). */
export const MAX_VCPUS = 0x8000;

/**
 * Key of a (domain, vCPU) pair in the per-vCPU maps: `vcpu * 0x10000 + domid`. vCPU 0's key is the
 * domid itself, so `mmu.baseptr.get(domid)` still reads vCPU 0's base pointer.
 */
export function vcpuKey(domid: number, vcpu: number): number {
  return vcpu * 0x10000 + domid;
}
/** Inverse of {@link vcpuKey}. */
export function vcpuOfKey(key: number): { domid: number; vcpu: number } {
  return { domid: key % 0x10000, vcpu: Math.floor(key / 0x10000) };
}

export function isValidVcpu(vcpu: number): boolean {
  return Number.isInteger(vcpu) && vcpu >= 0 && vcpu < MAX_VCPUS;
}

export class Mmu {
  readonly ft: FrameTable;
  readonly mem: MachineMemory;
  readonly layout: PagingLayout;
  readonly validator: PageTableValidator;
  /** Machine-to-physical table, one entry per machine frame. */
  readonly m2p: Uint32Array;
  /**
   * Current base pointer (top-level table mfn: L2 or PAE L3) per vCPU, keyed by {@link vcpuKey};
   * each holds a page reference and a top-level type reference.
   */
  readonly baseptr = new Map<number, number>();
  /** GDT per vCPU, keyed by {@link vcpuKey}. */
  readonly gdt = new Map<number, GdtState>();
  /** LDT per vCPU, keyed by {@link vcpuKey}. */
  readonly ldt = new Map<number, LdtState>();
  private readonly privileged: (domid: number) => boolean;
  private readonly exists: (domid: number) => boolean;

  constructor(opts: MmuOptions) {
    this.ft = new FrameTable(opts.frames);
    this.mem = opts.memory;
    this.layout = pagingLayout(opts.layout ?? '2level');
    this.validator = new PageTableValidator(this.ft, this.mem, opts.grants ?? NO_GRANTS, this.layout, opts.xenSlots);
    this.ft.hooks = this.validator;
    if (opts.m2p && opts.m2p.length < opts.frames) throw new Error(`m2p has ${opts.m2p.length} entries, need ${opts.frames}`);
    this.m2p = opts.m2p ?? new Uint32Array(opts.frames).fill(INVALID_M2P_ENTRY);
    this.privileged = opts.isPrivileged ?? (() => false);
    this.exists = opts.domainExists ?? ((d) => d >= 0 && d < DomId.DOMID_FIRST_RESERVED);
  }

  /** The page type of a base pointer: L2 (2-level) or L3 (PAE). */
  get topLevelType(): PageType {
    return this.layout.pae ? PageType.L3 : PageType.L2;
  }

  isPrivileged(domid: number): boolean {
    return this.privileged(domid);
  }

  domainExists(domid: number): boolean {
    return this.exists(domid);
  }

  /** Base pointer of (domid, vcpu), or undefined before the first NEW_BASEPTR. */
  getBaseptr(domid: number, vcpu = 0): number | undefined {
    return this.baseptr.get(vcpuKey(domid, vcpu));
  }

  /**
   * Xen's get_pg_owner: the domain whose pages a request by `domid` names with `foreign`. DOMID_SELF
   * is the caller; naming oneself by number, a reserved id (DOMID_IO/XEN are not modelled) or an
   * unknown domain is -ESRCH; another domain needs a privileged caller (XSM_TARGET), else -EPERM.
   * Returns the owner's domid (>= 0) or -errno.
   */
  pageOwner(domid: number, foreign: number): number {
    if (foreign === DomId.DOMID_SELF) return domid;
    if (foreign === domid) return -XenErrno.ESRCH;
    if (!Number.isInteger(foreign) || foreign < 0 || foreign >= DomId.DOMID_FIRST_RESERVED || !this.exists(foreign)) {
      return -XenErrno.ESRCH;
    }
    return this.privileged(domid) ? foreign : -XenErrno.EPERM;
  }
}

/** Outcome of a batched hypercall: how many requests completed, and 0 or the -errno of the first failure. */
export interface BatchResult {
  done: number;
  rc: number;
}
