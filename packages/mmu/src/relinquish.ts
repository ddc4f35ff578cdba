// Domain teardown (Xen's domain_relinquish_resources): drop everything the domain's vCPUs and pins
// hold, let the page-table hierarchy release itself, then free the frames nothing references.
import { destroyGdt, destroyLdtFrames } from './descriptor-tables.js';
import { NO_OWNER } from './frame-table.js';
import { INVALID_M2P_ENTRY, vcpuOfKey, type Mmu } from './mmu.js';

/**
 * Tear down `domid`'s memory state whatever the guest left behind: for every vCPU drop the GDT, the
 * mapped LDT frames, the LDT and the base pointer; unpin every pinned frame the domain owns. Page
 * tables hold type references only on lower-level tables of the same domain (no linear page
 * tables), so once pins and base pointers are gone every table of the domain loses its last type
 * reference and releases its entries, top-down. Frames that end with no references are freed: owner
 * cleared, M2P entry invalidated. Returns them in ascending order. A frame still referenced from
 * outside (another domain's mapping of it, via a grant or a privileged foreign mapping) stays owned
 * by the dying domain, as in Xen, until that mapping goes; call again later to free it.
 */
export function relinquishDomain(mmu: Mmu, domid: number): number[] {
  const { ft } = mmu;
  const keys = new Set<number>([...mmu.baseptr.keys(), ...mmu.gdt.keys(), ...mmu.ldt.keys()]);
  for (const key of keys) {
    const v = vcpuOfKey(key);
    if (v.domid !== domid) continue;
    destroyGdt(mmu, domid, v.vcpu);
    destroyLdtFrames(mmu, domid, v.vcpu);
    mmu.ldt.delete(key);
    const base = mmu.baseptr.get(key);
    if (base !== undefined) {
      mmu.baseptr.delete(key);
      ft.putPageAndType(base);
    }
  }
  for (let m = 0; m < ft.frames; m++) {
    if (ft.owner(m) === domid && ft.isPinned(m)) {
      ft.setPinned(m, false);
      ft.putPageAndType(m);
    }
  }
  const freed: number[] = [];
  for (let m = 0; m < ft.frames; m++) {
    if (ft.owner(m) !== domid || ft.refCount(m) !== 0 || ft.typeCount(m) !== 0) continue;
    ft.assign(m, NO_OWNER);
    mmu.m2p[m] = INVALID_M2P_ENTRY;
    freed.push(m);
  }
  return freed;
}
