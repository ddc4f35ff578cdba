// struct trap_info for set_trap_table (xen-abi.md §2.7).
import { defineStruct, f, StructView } from './struct.js';

/** `{u8 vector; u8 flags; u16 cs; ulong address}` — 8 bytes on i386, address at +4. */
export const TRAP_INFO = defineStruct('trap_info', 8, {
  vector: f(0, 'u8'),
  flags: f(1, 'u8'),
  cs: f(2, 'u16'),
  address: f(4, 'u32'),
});

/** flags bits 0–1: the DPL allowed to raise the trap with `int n`. */
export const TI_DPL_MASK = 3;
/** flags bit 2: mask events on entry, like an interrupt gate. */
export const TI_SET_IF = 1 << 2;

const T = TRAP_INFO.fields;

export class TrapInfoView extends StructView {
  constructor(view: DataView, offset = 0) {
    super(view, offset, TRAP_INFO);
  }
  get vector(): number {
    return this.u8(T.vector.offset);
  }
  set vector(v: number) {
    this.setU8(T.vector.offset, v);
  }
  get flags(): number {
    return this.u8(T.flags.offset);
  }
  set flags(v: number) {
    this.setU8(T.flags.offset, v);
  }
  get dpl(): number {
    return this.flags & TI_DPL_MASK;
  }
  get maskEvents(): boolean {
    return (this.flags & TI_SET_IF) !== 0;
  }
  get cs(): number {
    return this.u16(T.cs.offset);
  }
  set cs(v: number) {
    this.setU16(T.cs.offset, v);
  }
  get address(): number {
    return this.u32(T.address.offset);
  }
  set address(v: number) {
    this.setU32(T.address.offset, v);
  }
  /** A trap table ends with an entry whose address is 0 (§2.7). */
  get isTerminator(): boolean {
    return this.address === 0;
  }
}
