// struct start_info, i386 (xen-abi.md §2.4; offsets from the doc's table).
import { defineStruct, f, StructView } from './struct.js';

export const START_INFO = defineStruct('start_info', 1112, {
  magic: f(0, 'char', 32),
  nr_pages: f(32, 'u32'),
  shared_info: f(36, 'u32'),
  flags: f(40, 'u32'),
  store_mfn: f(44, 'u32'),
  store_evtchn: f(48, 'u32'),
  /** union console { domU.mfn | dom0.info_off } */
  console_mfn: f(52, 'u32'),
  /** union console { domU.evtchn | dom0.info_size } */
  console_evtchn: f(56, 'u32'),
  pt_base: f(60, 'u32'),
  nr_pt_frames: f(64, 'u32'),
  mfn_list: f(68, 'u32'),
  mod_start: f(72, 'u32'),
  mod_len: f(76, 'u32'),
  cmd_line: f(80, 'char', 1024),
  first_p2m_pfn: f(1104, 'u32'),
  nr_p2m_frames: f(1108, 'u32'),
});

/** SIF_* flags in start_info.flags (§2.4). */
export const SIF = {
  SIF_PRIVILEGED: 1 << 0,
  SIF_INITDOMAIN: 1 << 1,
  SIF_MULTIBOOT_MOD: 1 << 2,
  SIF_MOD_START_PFN: 1 << 3,
  SIF_VIRT_P2M_4TOOLS: 1 << 4,
  SIF_PM_MASK: 0xff << 8,
} as const;

/** Guest types written into start_info.magic (§2.4, §2.21). */
export const GUEST_TYPE_X86_32P = 'xen-3.0-x86_32p';
export const GUEST_TYPE_X86_32 = 'xen-3.0-x86_32';

const L = START_INFO.fields;

/** Typed little-endian access to a start_info at `offset` in `view`. */
export class StartInfoView extends StructView {
  constructor(view: DataView, offset = 0) {
    super(view, offset, START_INFO);
  }
  get magic(): string {
    return this.str(L.magic.offset, L.magic.size);
  }
  set magic(v: string) {
    this.setStr(L.magic.offset, L.magic.size, v);
  }
  get nrPages(): number {
    return this.u32(L.nr_pages.offset);
  }
  set nrPages(v: number) {
    this.setU32(L.nr_pages.offset, v);
  }
  /** Machine address of shared_info. */
  get sharedInfo(): number {
    return this.u32(L.shared_info.offset);
  }
  set sharedInfo(v: number) {
    this.setU32(L.shared_info.offset, v);
  }
  get flags(): number {
    return this.u32(L.flags.offset);
  }
  set flags(v: number) {
    this.setU32(L.flags.offset, v);
  }
  get storeMfn(): number {
    return this.u32(L.store_mfn.offset);
  }
  set storeMfn(v: number) {
    this.setU32(L.store_mfn.offset, v);
  }
  get storeEvtchn(): number {
    return this.u32(L.store_evtchn.offset);
  }
  set storeEvtchn(v: number) {
    this.setU32(L.store_evtchn.offset, v);
  }
  /** console.domU.mfn (dom0: console.dom0.info_off). */
  get consoleMfn(): number {
    return this.u32(L.console_mfn.offset);
  }
  set consoleMfn(v: number) {
    this.setU32(L.console_mfn.offset, v);
  }
  /** console.domU.evtchn (dom0: console.dom0.info_size). */
  get consoleEvtchn(): number {
    return this.u32(L.console_evtchn.offset);
  }
  set consoleEvtchn(v: number) {
    this.setU32(L.console_evtchn.offset, v);
  }
  get ptBase(): number {
    return this.u32(L.pt_base.offset);
  }
  set ptBase(v: number) {
    this.setU32(L.pt_base.offset, v);
  }
  get nrPtFrames(): number {
    return this.u32(L.nr_pt_frames.offset);
  }
  set nrPtFrames(v: number) {
    this.setU32(L.nr_pt_frames.offset, v);
  }
  get mfnList(): number {
    return this.u32(L.mfn_list.offset);
  }
  set mfnList(v: number) {
    this.setU32(L.mfn_list.offset, v);
  }
  get modStart(): number {
    return this.u32(L.mod_start.offset);
  }
  set modStart(v: number) {
    this.setU32(L.mod_start.offset, v);
  }
  get modLen(): number {
    return this.u32(L.mod_len.offset);
  }
  set modLen(v: number) {
    this.setU32(L.mod_len.offset, v);
  }
  get cmdLine(): string {
    return this.str(L.cmd_line.offset, L.cmd_line.size);
  }
  set cmdLine(v: string) {
    this.setStr(L.cmd_line.offset, L.cmd_line.size, v);
  }
  get firstP2mPfn(): number {
    return this.u32(L.first_p2m_pfn.offset);
  }
  set firstP2mPfn(v: number) {
    this.setU32(L.first_p2m_pfn.offset, v);
  }
  get nrP2mFrames(): number {
    return this.u32(L.nr_p2m_frames.offset);
  }
  set nrP2mFrames(v: number) {
    this.setU32(L.nr_p2m_frames.offset, v);
  }
}
