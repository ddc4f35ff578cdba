// GDT and LDT frames of PV vCPUs (Xen's pv/descriptor-tables.c): set_gdt, update_descriptor, and
// the LDT pages the hypervisor maps lazily after MMUEXT_SET_LDT. Every GDT/LDT frame holds a page
// reference and a SegDesc type reference, so it can never be mapped writable nor be a page table.
import { XenErrno } from '@xen-ts/abi';
import { checkDescriptor, DESCRIPTORS_PER_PAGE, MAX_GUEST_GDT_ENTRIES } from './descriptor.js';
import { PageType } from './frame-table.js';
import { isValidVcpu, vcpuKey, type Mmu } from './mmu.js';

/**
 * HYPERVISOR_set_gdt for vCPU `vcpu` of `domid`: `entries` descriptors (at most 7168, below Xen's
 * reserved entries) in the first ceil(entries / 512) of `frames`. Each frame must be the domain's
 * and pass descriptor validation (it takes type SegDesc); then the vCPU's previous GDT frames are
 * released. All or nothing: 0, or -EINVAL with nothing changed.
 */
export function setGdt(mmu: Mmu, domid: number, vcpu: number, frames: readonly number[], entries: number): number {
  if (!isValidVcpu(vcpu)) return -XenErrno.EINVAL;
  if (!Number.isInteger(entries) || entries < 0 || entries > MAX_GUEST_GDT_ENTRIES) return -XenErrno.EINVAL;
  const nr = Math.ceil(entries / DESCRIPTORS_PER_PAGE);
  if (frames.length < nr) return -XenErrno.EINVAL;
  const taken: number[] = [];
  for (let i = 0; i < nr; i++) {
    const mfn = frames[i]!;
    if (!mmu.ft.isValidMfn(mfn) || mmu.ft.getPageAndType(mfn, domid, PageType.SegDesc) !== 0) {
      for (const m of taken) mmu.ft.putPageAndType(m);
      return -XenErrno.EINVAL; // Xen's pv_set_gdt returns -EINVAL for every bad frame
    }
    taken.push(mfn);
  }
  destroyGdt(mmu, domid, vcpu);
  if (nr > 0) mmu.gdt.set(vcpuKey(domid, vcpu), { frames: taken, entries });
  return 0;
}

/** Release a vCPU's GDT frames (Xen's pv_destroy_gdt). */
export function destroyGdt(mmu: Mmu, domid: number, vcpu: number): void {
  const key = vcpuKey(domid, vcpu);
  const old = mmu.gdt.get(key);
  if (!old) return;
  mmu.gdt.delete(key);
  for (const m of old.frames) mmu.ft.putPageAndType(m);
}

/**
 * HYPERVISOR_update_descriptor (32-bit form: address and descriptor as lo/hi words): write one
 * descriptor at machine address `maddr`, 8-byte aligned, in a frame `domid` owns. As in Xen the
 * descriptor must pass {@link checkDescriptor} whatever the frame is, and its fixed-up form is
 * written; a SegDesc frame keeps its type, any other frame must be able to take a Writable
 * reference (so page tables cannot be written this way). 0 or -EINVAL.
 */
export function updateDescriptor(mmu: Mmu, domid: number, maddrLo: number, maddrHi: number, lo: number, hi: number): number {
  const maddr = (maddrLo >>> 0) + (maddrHi >>> 0) * 0x1_0000_0000;
  if (maddr % 8 !== 0) return -XenErrno.EINVAL;
  const d = checkDescriptor(lo, hi, mmu.layout);
  if (d.rc !== 0) return d.rc;
  const mfn = Math.floor(maddr / 4096);
  const { ft } = mmu;
  // Xen's do_update_descriptor: no page of the caller's at that address is -EINVAL.
  if (!ft.isValidMfn(mfn) || ft.owner(mfn) !== domid) return -XenErrno.EINVAL;
  const type = ft.typeCount(mfn) > 0 && ft.type(mfn) === PageType.SegDesc ? PageType.SegDesc : PageType.Writable;
  if (ft.getPageType(mfn, type) !== 0) return -XenErrno.EINVAL;
  const word = (maddr % 4096) / 4;
  mmu.mem.write32(mfn, word, d.lo);
  mmu.mem.write32(mfn, word + 1, d.hi);
  ft.putPageType(mfn);
  return 0;
}

/**
 * The hypervisor maps LDT frames lazily (on the guest's first fault in the LDT): take a page and a
 * SegDesc reference on `mfn` for vCPU `vcpu`'s LDT, as Xen's map_ldt_shadow_page. At most 16
 * frames; they are released by SET_LDT changes, NEW_BASEPTR and teardown. 0 or -EINVAL.
 */
export function mapLdtFrame(mmu: Mmu, domid: number, vcpu: number, mfn: number): number {
  if (!isValidVcpu(vcpu)) return -XenErrno.EINVAL;
  const ldt = mmu.ldt.get(vcpuKey(domid, vcpu));
  if (!ldt || ldt.ents === 0 || ldt.frames.length >= Math.ceil(ldt.ents / DESCRIPTORS_PER_PAGE)) return -XenErrno.EINVAL;
  if (!mmu.ft.isValidMfn(mfn) || mmu.ft.getPageAndType(mfn, domid, PageType.SegDesc) !== 0) return -XenErrno.EINVAL;
  ldt.frames.push(mfn);
  return 0;
}

/** Drop a vCPU's mapped LDT frames (Xen's pv_destroy_ldt); true if any were dropped (flush the TLB). */
export function destroyLdtFrames(mmu: Mmu, domid: number, vcpu: number): boolean {
  const ldt = mmu.ldt.get(vcpuKey(domid, vcpu));
  if (!ldt || ldt.frames.length === 0) return false;
  const frames = ldt.frames;
  ldt.frames = [];
  for (const m of frames) mmu.ft.putPageAndType(m);
  return true;
}
