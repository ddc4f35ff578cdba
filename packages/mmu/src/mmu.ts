// The MMU state of one machine: frame table, machine memory, validator, M2P and base pointers.
import { FrameTable } from './frame-table.js';
import { NO_GRANTS, PageTableValidator, type GrantCheck, type MachineMemory } from './validate.js';

/** M2P value of a frame with no pseudo-physical number. */
export const INVALID_M2P_ENTRY = 0xffffffff;

export interface MmuOptions {
  frames: number;
  memory: MachineMemory;
  grants?: GrantCheck;
}

export class Mmu {
  readonly ft: FrameTable;
  readonly mem: MachineMemory;
  readonly validator: PageTableValidator;
  /** Machine-to-physical table, one entry per machine frame. */
  readonly m2p: Uint32Array;
  /** Current base pointer (L2 mfn) per domain; each holds a page reference and an L2 type reference. */
  readonly baseptr = new Map<number, number>();

  constructor(opts: MmuOptions) {
    this.ft = new FrameTable(opts.frames);
    this.mem = opts.memory;
    this.validator = new PageTableValidator(this.ft, this.mem, opts.grants ?? NO_GRANTS);
    this.ft.hooks = this.validator;
    this.m2p = new Uint32Array(opts.frames).fill(INVALID_M2P_ENTRY);
  }
}

/** Outcome of a batched hypercall: how many requests completed, and 0 or the -errno of the first failure. */
export interface BatchResult {
  done: number;
  rc: number;
}
