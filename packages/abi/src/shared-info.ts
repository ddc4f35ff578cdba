// shared_info, vcpu_info, vcpu_time_info and the i386 arch parts (xen-abi.md §2.5, §2.6).
import { defineStruct, f, StructView } from './struct.js';

export const VCPU_TIME_INFO = defineStruct('vcpu_time_info', 32, {
  version: f(0, 'u32'),
  pad0: f(4, 'u32'),
  tsc_timestamp: f(8, 'u64'),
  system_time: f(16, 'u64'),
  tsc_to_system_mul: f(24, 'u32'),
  tsc_shift: f(28, 's8'),
  flags: f(29, 'u8'),
  pad1: f(30, 'u8', 2),
});

/** i386 arch_vcpu_info: `{ulong cr2; ulong pad[5];}` (§2.5). */
export const ARCH_VCPU_INFO = defineStruct('arch_vcpu_info', 24, {
  cr2: f(0, 'u32'),
  pad: f(4, 'u32', 5),
});

export const VCPU_INFO = defineStruct('vcpu_info', 64, {
  evtchn_upcall_pending: f(0, 'u8'),
  evtchn_upcall_mask: f(1, 'u8'),
  evtchn_pending_sel: f(4, 'u32'),
  arch: f(8, ARCH_VCPU_INFO),
  time: f(32, VCPU_TIME_INFO),
});

/** i386 arch_shared_info (28 bytes, §2.5). */
export const ARCH_SHARED_INFO = defineStruct('arch_shared_info', 28, {
  max_pfn: f(0, 'u32'),
  pfn_to_mfn_frame_list_list: f(4, 'u32'),
  nmi_reason: f(8, 'u32'),
  p2m_cr3: f(12, 'u32'),
  p2m_vaddr: f(16, 'u32'),
  p2m_generation: f(20, 'u32'),
  wc_sec_hi: f(24, 'u32'),
});

export const SHARED_INFO = defineStruct('shared_info', 2344, {
  vcpu_info: f(0, VCPU_INFO, 32),
  evtchn_pending: f(2048, 'u32', 32),
  evtchn_mask: f(2176, 'u32', 32),
  wc_version: f(2304, 'u32'),
  wc_sec: f(2308, 'u32'),
  wc_nsec: f(2312, 'u32'),
  arch: f(2316, ARCH_SHARED_INFO),
});

/** vcpu_time_info.flags bits (§2.5). */
export const XEN_PVCLOCK_TSC_STABLE_BIT = 1;
export const XEN_PVCLOCK_GUEST_STOPPED = 2;
/** EVTCHN_2L_NR_CHANNELS for 32-bit guests: 32 words × 32 bits (§2.6). */
export const EVTCHN_2L_NR_CHANNELS = 1024;

const T = VCPU_TIME_INFO.fields;
const V = VCPU_INFO.fields;
const A = ARCH_SHARED_INFO.fields;
const S = SHARED_INFO.fields;

export class VcpuTimeInfoView extends StructView {
  constructor(view: DataView, offset = 0) {
    super(view, offset, VCPU_TIME_INFO);
  }
  /** Odd while an update is in progress (seqlock). */
  get version(): number {
    return this.u32(T.version.offset);
  }
  set version(v: number) {
    this.setU32(T.version.offset, v);
  }
  get tscTimestamp(): bigint {
    return this.u64(T.tsc_timestamp.offset);
  }
  set tscTimestamp(v: bigint) {
    this.setU64(T.tsc_timestamp.offset, v);
  }
  get systemTime(): bigint {
    return this.u64(T.system_time.offset);
  }
  set systemTime(v: bigint) {
    this.setU64(T.system_time.offset, v);
  }
  get tscToSystemMul(): number {
    return this.u32(T.tsc_to_system_mul.offset);
  }
  set tscToSystemMul(v: number) {
    this.setU32(T.tsc_to_system_mul.offset, v);
  }
  get tscShift(): number {
    return this.s8(T.tsc_shift.offset);
  }
  set tscShift(v: number) {
    this.setS8(T.tsc_shift.offset, v);
  }
  get flags(): number {
    return this.u8(T.flags.offset);
  }
  set flags(v: number) {
    this.setU8(T.flags.offset, v);
  }
  /**
   * System time (ns) at TSC value `tsc`, as a guest computes it (§2.5):
   * `system_time + ((((tsc − tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32)`.
   */
  systemTimeAt(tsc: bigint): bigint {
    let delta = BigInt.asUintN(64, tsc - this.tscTimestamp);
    const shift = this.tscShift;
    delta = shift >= 0 ? BigInt.asUintN(64, delta << BigInt(shift)) : delta >> BigInt(-shift);
    return BigInt.asUintN(64, this.systemTime + ((delta * BigInt(this.tscToSystemMul)) >> 32n));
  }
}

export class VcpuInfoView extends StructView {
  readonly time: VcpuTimeInfoView;
  constructor(view: DataView, offset = 0) {
    super(view, offset, VCPU_INFO);
    this.time = new VcpuTimeInfoView(view, offset + V.time.offset);
  }
  get evtchnUpcallPending(): number {
    return this.u8(V.evtchn_upcall_pending.offset);
  }
  set evtchnUpcallPending(v: number) {
    this.setU8(V.evtchn_upcall_pending.offset, v);
  }
  get evtchnUpcallMask(): number {
    return this.u8(V.evtchn_upcall_mask.offset);
  }
  set evtchnUpcallMask(v: number) {
    this.setU8(V.evtchn_upcall_mask.offset, v);
  }
  get evtchnPendingSel(): number {
    return this.u32(V.evtchn_pending_sel.offset);
  }
  set evtchnPendingSel(v: number) {
    this.setU32(V.evtchn_pending_sel.offset, v);
  }
  /** arch.cr2: the faulting address of the last page fault (§2.5, §2.7). */
  get cr2(): number {
    return this.u32(V.arch.offset + ARCH_VCPU_INFO.fields.cr2.offset);
  }
  set cr2(v: number) {
    this.setU32(V.arch.offset + ARCH_VCPU_INFO.fields.cr2.offset, v);
  }
}

export class SharedInfoView extends StructView {
  constructor(view: DataView, offset = 0) {
    super(view, offset, SHARED_INFO);
  }
  /** vcpu_info[i], 0 ≤ i < 32. */
  vcpuInfo(i: number): VcpuInfoView {
    if (!Number.isInteger(i) || i < 0 || i >= 32) throw new RangeError(`vcpu_info index ${i} out of range 0..31`);
    return new VcpuInfoView(this.view, this.offset + S.vcpu_info.offset + i * VCPU_INFO.size);
  }
  /** Word `w` (0..31) of evtchn_pending. */
  evtchnPendingWord(w: number): number {
    return this.u32(S.evtchn_pending.offset + checkWord(w) * 4);
  }
  setEvtchnPendingWord(w: number, v: number): void {
    this.setU32(S.evtchn_pending.offset + checkWord(w) * 4, v);
  }
  /** Word `w` (0..31) of evtchn_mask. */
  evtchnMaskWord(w: number): number {
    return this.u32(S.evtchn_mask.offset + checkWord(w) * 4);
  }
  setEvtchnMaskWord(w: number, v: number): void {
    this.setU32(S.evtchn_mask.offset + checkWord(w) * 4, v);
  }
  isEvtchnPending(port: number): boolean {
    return ((this.evtchnPendingWord(port >>> 5) >>> (port & 31)) & 1) === 1;
  }
  isEvtchnMasked(port: number): boolean {
    return ((this.evtchnMaskWord(port >>> 5) >>> (port & 31)) & 1) === 1;
  }
  get wcVersion(): number {
    return this.u32(S.wc_version.offset);
  }
  set wcVersion(v: number) {
    this.setU32(S.wc_version.offset, v);
  }
  get wcSec(): number {
    return this.u32(S.wc_sec.offset);
  }
  set wcSec(v: number) {
    this.setU32(S.wc_sec.offset, v);
  }
  get wcNsec(): number {
    return this.u32(S.wc_nsec.offset);
  }
  set wcNsec(v: number) {
    this.setU32(S.wc_nsec.offset, v);
  }
  get maxPfn(): number {
    return this.u32(S.arch.offset + A.max_pfn.offset);
  }
  set maxPfn(v: number) {
    this.setU32(S.arch.offset + A.max_pfn.offset, v);
  }
  get pfnToMfnFrameListList(): number {
    return this.u32(S.arch.offset + A.pfn_to_mfn_frame_list_list.offset);
  }
  set pfnToMfnFrameListList(v: number) {
    this.setU32(S.arch.offset + A.pfn_to_mfn_frame_list_list.offset, v);
  }
  get nmiReason(): number {
    return this.u32(S.arch.offset + A.nmi_reason.offset);
  }
  set nmiReason(v: number) {
    this.setU32(S.arch.offset + A.nmi_reason.offset, v);
  }
  get p2mCr3(): number {
    return this.u32(S.arch.offset + A.p2m_cr3.offset);
  }
  set p2mCr3(v: number) {
    this.setU32(S.arch.offset + A.p2m_cr3.offset, v);
  }
  get p2mVaddr(): number {
    return this.u32(S.arch.offset + A.p2m_vaddr.offset);
  }
  set p2mVaddr(v: number) {
    this.setU32(S.arch.offset + A.p2m_vaddr.offset, v);
  }
  get p2mGeneration(): number {
    return this.u32(S.arch.offset + A.p2m_generation.offset);
  }
  set p2mGeneration(v: number) {
    this.setU32(S.arch.offset + A.p2m_generation.offset, v);
  }
  get wcSecHi(): number {
    return this.u32(S.arch.offset + A.wc_sec_hi.offset);
  }
  set wcSecHi(v: number) {
    this.setU32(S.arch.offset + A.wc_sec_hi.offset, v);
  }
}

function checkWord(w: number): number {
  if (!Number.isInteger(w) || w < 0 || w >= 32) throw new RangeError(`event-channel word ${w} out of range 0..31`);
  return w;
}
