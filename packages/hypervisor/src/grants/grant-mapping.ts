// Mapping and unmapping a grant (Xen's map_grant_ref / unmap_grant_ref), shared by the
// GNTTABOP hypercalls and by dom0 services written in TypeScript, which map without a page table
// (GNTMAP_device_map style) and then use the frame directly.
import { Gntmap, Gntst } from '@xen-ts/abi';
import { Pte, updateVaMapping } from '@xen-ts/mmu';
import type { Domain } from '../domain/domain.js';
import type { Vcpu } from '../domain/vcpu.js';
import type { Hypervisor } from '../kernel/hypervisor.js';

const UVMF_INVLPG = 2;

export interface GrantMapResult {
  status: number;
  handle: number;
  mfn: number;
}

/**
 * Maps grant `ref` of domain `granterId` for `mapper`. With GNTMAP_host_map, `vcpu`'s page tables
 * get a PTE for `hostAddr` (validated like any other; the foreign frame is allowed for this one
 * write only).
 */
export function mapGrantRef(xen: Hypervisor, mapper: Domain, vcpu: Vcpu | null, granterId: number, ref: number, flags: number, hostAddr: number): GrantMapResult {
  const fail = (status: number): GrantMapResult => ({ status, handle: 0, mfn: 0 });
  const hostMap = (flags & Gntmap.GNTMAP_host_map) !== 0;
  if ((flags & (Gntmap.GNTMAP_host_map | Gntmap.GNTMAP_device_map)) === 0) return fail(Gntst.GNTST_general_error);
  if ((flags & Gntmap.GNTMAP_contains_pte) !== 0) return fail(Gntst.GNTST_general_error); // PTE-address form not offered
  const granter = xen.domain(granterId);
  if (granter === undefined || !granter.isAlive) return fail(Gntst.GNTST_bad_domain);
  if (hostMap && (vcpu === null || hostAddr === 0 || hostAddr >= xen.layout.hypervisorVirtStart || (hostAddr & 0xfff) !== 0)) {
    return fail(Gntst.GNTST_bad_virt_addr);
  }
  const readonly = (flags & Gntmap.GNTMAP_readonly) !== 0;
  const ft = xen.mmu.ft;
  const mfn = granter.grants.acquire(ref, mapper.id, readonly, (m) => ft.isValidMfn(m) && ft.owner(m) === granter.id);
  if (mfn < 0) return fail(mfn);
  if (hostMap) {
    const pte = (mfn * 4096) | Pte.PRESENT | Pte.ACCESSED | Pte.DIRTY | (readonly ? 0 : Pte.RW) | ((flags & Gntmap.GNTMAP_application_map) !== 0 ? Pte.USER : 0);
    const rc = xen.withGrantMapping(mapper.id, mfn, !readonly, () =>
      updateVaMapping(xen.mmu, mapper.id, vcpu!.id, hostAddr, pte >>> 0, 0, UVMF_INVLPG).rc,
    );
    if (rc !== 0) {
      granter.grants.release(ref, readonly);
      return fail(Gntst.GNTST_general_error);
    }
    xen.flushDomainTlbs(mapper);
  }
  const handle = mapper.grants.addMapping({ granter: granter.id, ref, mfn, readonly, hostAddr, hostMap });
  return { status: Gntst.GNTST_okay, handle, mfn };
}

/** Unmaps `handle` of `mapper`; a host mapping must name the same address it was made at. */
export function unmapGrantRef(xen: Hypervisor, mapper: Domain, vcpu: Vcpu | null, handle: number, hostAddr: number): number {
  const m = mapper.grants.maptrack.get(handle);
  if (m === undefined) return Gntst.GNTST_bad_handle;
  if (m.hostMap) {
    if (hostAddr !== m.hostAddr || vcpu === null) return Gntst.GNTST_bad_virt_addr;
    updateVaMapping(xen.mmu, mapper.id, vcpu.id, hostAddr, 0, 0, UVMF_INVLPG);
    xen.flushDomainTlbs(mapper);
  }
  mapper.grants.maptrack.delete(handle);
  xen.domain(m.granter)?.grants.release(m.ref, m.readonly);
  return Gntst.GNTST_okay;
}
