// mmu_update, mmuext_op, update_va_mapping, vm_assist, multicall (xen-abi.md §2.8).
import { defineStruct, f, StructView } from './struct.js';

/** mmu_update command in ptr[1:0] (§2.8). */
export const MmuCmd = {
  MMU_NORMAL_PT_UPDATE: 0,
  MMU_MACHPHYS_UPDATE: 1,
  MMU_PT_UPDATE_PRESERVE_AD: 2,
  MMU_PT_UPDATE_NO_TRANSLATE: 3,
} as const;

/**
 * Set in the count of a continued mmu_update or mmuext_op (xen.h: MMU_UPDATE_PREEMPTED,
 * ~(~0U >> 1)): the rest of the count is what is left to do, and *done already holds the work
 * done before the preemption.
 */
export const MMU_UPDATE_PREEMPTED = 0x80000000;

/** mmuext_op commands (§2.8). */
export const MmuextCmd = {
  MMUEXT_PIN_L1_TABLE: 0,
  MMUEXT_PIN_L2_TABLE: 1,
  MMUEXT_PIN_L3_TABLE: 2,
  MMUEXT_PIN_L4_TABLE: 3,
  MMUEXT_UNPIN_TABLE: 4,
  MMUEXT_NEW_BASEPTR: 5,
  MMUEXT_TLB_FLUSH_LOCAL: 6,
  MMUEXT_INVLPG_LOCAL: 7,
  MMUEXT_TLB_FLUSH_MULTI: 8,
  MMUEXT_INVLPG_MULTI: 9,
  MMUEXT_TLB_FLUSH_ALL: 10,
  MMUEXT_INVLPG_ALL: 11,
  MMUEXT_FLUSH_CACHE: 12,
  MMUEXT_SET_LDT: 13,
  MMUEXT_NEW_USER_BASEPTR: 15,
  MMUEXT_CLEAR_PAGE: 16,
  MMUEXT_COPY_PAGE: 17,
  MMUEXT_FLUSH_CACHE_GLOBAL: 18,
  MMUEXT_MARK_SUPER: 19,
  MMUEXT_UNMARK_SUPER: 20,
} as const;

/** update_va_mapping flags (§2.8). */
export const Uvmf = {
  UVMF_NONE: 0,
  UVMF_TLB_FLUSH: 1,
  UVMF_INVLPG: 2,
  UVMF_FLUSHTYPE_MASK: 3,
  UVMF_MULTI: 0 << 2,
  UVMF_LOCAL: 0 << 2,
  UVMF_ALL: 1 << 2,
} as const;

/** vm_assist commands and types (§2.8). */
export const VmAssist = {
  VMASST_CMD_enable: 0,
  VMASST_CMD_disable: 1,
  VMASST_TYPE_4gb_segments: 0,
  VMASST_TYPE_4gb_segments_notify: 1,
  VMASST_TYPE_writable_pagetables: 2,
  VMASST_TYPE_pae_extended_cr3: 3,
  VMASST_TYPE_architectural_iopl: 4,
  VMASST_TYPE_runstate_update_flag: 5,
  VMASST_TYPE_m2p_strict: 32,
} as const;

/** struct mmu_update {u64 ptr; u64 val;} — 16 bytes (§2.8). */
export const MMU_UPDATE = defineStruct('mmu_update', 16, {
  ptr: f(0, 'u64'),
  val: f(8, 'u64'),
});

/** struct mmuext_op {u32 cmd; union arg1 {mfn, linear_addr}; union arg2 {nr_ents, vcpumask, src_mfn}} — 12 bytes on i386. */
export const MMUEXT_OP = defineStruct('mmuext_op', 12, {
  cmd: f(0, 'u32'),
  arg1: f(4, 'u32'),
  arg2: f(8, 'u32'),
});

/** struct multicall_entry {xen_ulong_t op, result, args[6]} — 32 bytes on i386 (§2.8). */
export const MULTICALL_ENTRY = defineStruct('multicall_entry', 32, {
  op: f(0, 'u32'),
  result: f(4, 'u32'),
  args: f(8, 'u32', 6),
});

const M = MMU_UPDATE.fields;
const E = MMUEXT_OP.fields;

export class MmuUpdateView extends StructView {
  constructor(view: DataView, offset = 0) {
    super(view, offset, MMU_UPDATE);
  }
  get ptr(): bigint {
    return this.u64(M.ptr.offset);
  }
  set ptr(v: bigint) {
    this.setU64(M.ptr.offset, v);
  }
  get val(): bigint {
    return this.u64(M.val.offset);
  }
  set val(v: bigint) {
    this.setU64(M.val.offset, v);
  }
  /** The command in ptr[1:0] (a {@link MmuCmd} value). */
  get cmd(): number {
    return this.u8(M.ptr.offset) & 3;
  }
  /** ptr with the command bits cleared: the machine address. */
  get address(): bigint {
    return this.ptr & ~3n;
  }
}

export class MmuextOpView extends StructView {
  constructor(view: DataView, offset = 0) {
    super(view, offset, MMUEXT_OP);
  }
  get cmd(): number {
    return this.u32(E.cmd.offset);
  }
  set cmd(v: number) {
    this.setU32(E.cmd.offset, v);
  }
  /** arg1 as mfn or linear_addr. */
  get arg1(): number {
    return this.u32(E.arg1.offset);
  }
  set arg1(v: number) {
    this.setU32(E.arg1.offset, v);
  }
  get mfn(): number {
    return this.arg1;
  }
  set mfn(v: number) {
    this.arg1 = v;
  }
  get linearAddr(): number {
    return this.arg1;
  }
  set linearAddr(v: number) {
    this.arg1 = v;
  }
  /** arg2 as nr_ents, vcpumask (a guest pointer) or src_mfn. */
  get arg2(): number {
    return this.u32(E.arg2.offset);
  }
  set arg2(v: number) {
    this.setU32(E.arg2.offset, v);
  }
  get nrEnts(): number {
    return this.arg2;
  }
  set nrEnts(v: number) {
    this.arg2 = v;
  }
  get srcMfn(): number {
    return this.arg2;
  }
  set srcMfn(v: number) {
    this.arg2 = v;
  }
}
