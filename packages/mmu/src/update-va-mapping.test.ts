import { DomId, MmuextCmd, Uvmf, XenErrno } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import {
  checkInvariants,
  findL1Slot,
  mmuextOp,
  updateVaMapping,
  updateVaMappingOtherdomain,
  type Mmu,
} from './index.js';
import { DOM1, DOM2, machine, paeTables, paeWrite, pte, RW } from '../test/helpers.js';

/** Per layout: build tables in dom 1 so that va 0x00400000 + i*4096 maps through L1 11, set the base. */
function setup(layout: '2level' | 'pae', vcpu = 0): { mmu: Mmu; mem: ReturnType<typeof machine>['mem']; va: number; hole: number } {
  const { mmu, mem } = machine(undefined, { layout });
  let base: number;
  if (layout === 'pae') {
    const t = paeTables(mem); // L3 20: slot 0 -> L2 21 -> [0] L1 11
    paeWrite(mem, 21, 2, pte(11)); // va 0x00400000 (L2 index 2) -> L1 11
    paeWrite(mem, 22, 100, pte(12)); // slot 3, index 100: 0xC0000000 + 100 * 2 MiB
    base = t.l3;
  } else {
    mem.write32(20, 1, pte(11)); // va 0x00400000 -> L1 11
    base = 20;
  }
  expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_NEW_BASEPTR, arg1: base }], { vcpu }).rc).toBe(0);
  return { mmu, mem, va: 0x00400000, hole: mmu.layout.hypervisorVirtStart };
}

for (const layout of ['2level', 'pae'] as const) {
  describe(`update_va_mapping (${layout})`, () => {
    it('walks the current base to the L1 entry and applies the update like mmu_update', () => {
      const { mmu, va } = setup(layout);
      const r = updateVaMapping(mmu, DOM1, 0, va + 3 * 4096, pte(5, RW), 0, Uvmf.UVMF_INVLPG);
      expect(r).toEqual({ rc: 0, actions: { flushTlb: false, invlpg: [va + 3 * 4096] } });
      expect(findL1Slot(mmu, DOM1, 0, va + 3 * 4096)).toEqual({ l1: 11, index: 3 });
      expect(mmu.validator.entryLo(11, 3)).toBe(pte(5, RW));
      expect([mmu.ft.refCount(5), mmu.ft.typeCount(5)]).toEqual([1, 1]);
      const r2 = updateVaMapping(mmu, DOM1, 0, va + 3 * 4096, 0, 0, Uvmf.UVMF_TLB_FLUSH | Uvmf.UVMF_ALL);
      expect(r2).toEqual({ rc: 0, actions: { flushTlb: false, invlpg: [], flushTlbAllVcpus: true } });
      expect(mmu.ft.refCount(5)).toBe(0);
      expect(updateVaMapping(mmu, DOM1, 0, va, pte(6), 0, Uvmf.UVMF_TLB_FLUSH).actions.flushTlb).toBe(true);
      // a vCPU bitmap pointer: flush for every vCPU of the domain
      expect(updateVaMapping(mmu, DOM1, 0, va, pte(6), 0, Uvmf.UVMF_INVLPG | 0x1000).actions.invlpgAllVcpus).toEqual([va]);
      expect(updateVaMapping(mmu, DOM1, 0, va, pte(6), 0, Uvmf.UVMF_NONE).actions).toEqual({ flushTlb: false, invlpg: [] });
      expect(checkInvariants(mmu)).toEqual([]);
    });

    it('refuses the hole, absent tables, no base pointer, bad entries; still reports the flush asked for', () => {
      const { mmu, va, hole } = setup(layout);
      expect(updateVaMapping(mmu, DOM1, 0, hole, 0, 0, 0).rc).toBe(-XenErrno.EINVAL);
      expect(updateVaMapping(mmu, DOM1, 0, 0xffffe000, 0, 0, 0).rc).toBe(-XenErrno.EINVAL);
      expect(updateVaMapping(mmu, DOM1, 0, 0x00800000, pte(5), 0, 0).rc).toBe(-XenErrno.EINVAL); // no L1 there
      expect(updateVaMapping(mmu, DOM1, 1, va, pte(5), 0, 0).rc).toBe(-XenErrno.EINVAL); // vCPU 1 has no base
      expect(updateVaMapping(mmu, DOM2, 0, va, pte(5), 0, 0).rc).toBe(-XenErrno.EINVAL);
      expect(updateVaMapping(mmu, DOM1, 0, va, pte(40), 0, 0).rc).toBe(-XenErrno.EBUSY); // dom 2's frame
      expect(updateVaMapping(mmu, DOM1, 0, va, pte(64), 0, 0).rc).toBe(-XenErrno.EPERM); // past RAM (MMIO)
      expect(updateVaMapping(mmu, DOM1, 0, va, pte(20, RW), 0, 0).rc).toBe(-XenErrno.EBUSY); // the base, writable
      expect(updateVaMapping(mmu, DOM1, 0, va, pte(5, 0x80), 0, 0).rc).toBe(-XenErrno.EINVAL);
      expect(updateVaMapping(mmu, DOM1, 0, va, pte(5), 0x10, 0).rc).toBe(-XenErrno.EINVAL); // reserved / 2-level hi
      const f = updateVaMapping(mmu, DOM1, 0, 0x00800000, pte(5), 0, Uvmf.UVMF_INVLPG);
      expect(f).toEqual({ rc: -XenErrno.EINVAL, actions: { flushTlb: false, invlpg: [0x00800000] } });
      expect(checkInvariants(mmu)).toEqual([]);
    });

    it('uses the base pointer of the vCPU given', () => {
      const { mmu, va } = setup(layout, 1);
      expect(updateVaMapping(mmu, DOM1, 0, va, pte(5), 0, 0).rc).toBe(-XenErrno.EINVAL);
      expect(updateVaMapping(mmu, DOM1, 1, va, pte(5), 0, 0).rc).toBe(0);
      expect(mmu.getBaseptr(DOM1, 1)).toBe(20);
      expect(mmu.getBaseptr(DOM1, 0)).toBeUndefined();
    });

    it('update_va_mapping_otherdomain: a privileged caller maps another domain\'s frame', () => {
      const { mmu, va } = setup(layout);
      expect(updateVaMappingOtherdomain(mmu, DOM1, 0, va, pte(40), 0, 0, DOM2).rc).toBe(-XenErrno.EPERM);
      expect(updateVaMappingOtherdomain(mmu, DOM1, 0, va, pte(5), 0, 0, DomId.DOMID_SELF).rc).toBe(0);
      expect(updateVaMappingOtherdomain(mmu, DOM1, 0, va, pte(5), 0, 0, DOM1).rc).toBe(-XenErrno.ESRCH);
      expect(updateVaMappingOtherdomain(mmu, DOM1, 0, va, pte(5), 0, 0, DomId.DOMID_IO).rc).toBe(-XenErrno.ESRCH);
      const p = setupPrivileged(layout); // dom 1 privileged
      expect(updateVaMappingOtherdomain(p, DOM1, 0, 0x00400000, pte(40, RW), 0, 0, DOM2).rc).toBe(0);
      expect([p.ft.refCount(40), p.ft.typeCount(40)]).toEqual([1, 1]);
      expect(updateVaMappingOtherdomain(p, DOM1, 0, 0x00401000, pte(5), 0, 0, DOM2).rc).toBe(-XenErrno.EBUSY); // not dom 2's
      expect(checkInvariants(p)).toEqual([]);
    });
  });
}

function setupPrivileged(layout: '2level' | 'pae'): Mmu {
  const { mmu, mem } = machine(undefined, { layout, privileged: [DOM1] });
  if (layout === 'pae') {
    paeTables(mem);
    paeWrite(mem, 21, 2, pte(11));
  } else mem.write32(20, 1, pte(11));
  expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_NEW_BASEPTR, arg1: 20 }]).rc).toBe(0);
  return mmu;
}
