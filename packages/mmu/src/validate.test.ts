import { MmuextCmd, XenErrno } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import { FIRST_XEN_L2_SLOT, PageType, checkInvariants, mmuUpdate, mmuextOp, type Mmu } from './index.js';
import { DOM1, DOM2, machine, pte, ptUpdate, RW } from '../test/helpers.js';

const PIN_L1 = MmuextCmd.MMUEXT_PIN_L1_TABLE;
const PIN_L2 = MmuextCmd.MMUEXT_PIN_L2_TABLE;

function pin(mmu: Mmu, cmd: number, mfn: number, dom = DOM1): number {
  return mmuextOp(mmu, dom, [{ cmd, arg1: mfn }]).rc;
}
function upd(mmu: Mmu, mfn: number, index: number, val: number, dom = DOM1): number {
  return mmuUpdate(mmu, dom, [ptUpdate(mfn, index, val)]).rc;
}

describe('L1 entry rules', () => {
  it('maps own frames read-only or writable, with the writable type reference', () => {
    const { mmu } = machine();
    expect(pin(mmu, PIN_L1, 10)).toBe(0);
    expect(upd(mmu, 10, 0, pte(5))).toBe(0);
    expect([mmu.ft.refCount(5), mmu.ft.typeCount(5)]).toEqual([1, 0]);
    expect(upd(mmu, 10, 1, pte(5, RW))).toBe(0);
    expect([mmu.ft.refCount(5), mmu.ft.typeCount(5), mmu.ft.type(5)]).toEqual([2, 1, PageType.Writable]);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it("refuses another domain's frame (-EBUSY, Xen's could_not_pin), unless the grant hook allows it", () => {
    const { mmu } = machine();
    expect(pin(mmu, PIN_L1, 10)).toBe(0);
    expect(upd(mmu, 10, 0, pte(40))).toBe(-XenErrno.EBUSY);
    expect(upd(mmu, 10, 0, pte(50))).toBe(-XenErrno.EBUSY); // unowned
    expect(mmu.ft.refCount(40)).toBe(0);
    const granted = machine({ allowsMapping: (dom, mfn, w) => dom === DOM1 && mfn === 40 && !w });
    expect(pin(granted.mmu, PIN_L1, 10)).toBe(0);
    expect(upd(granted.mmu, 10, 0, pte(40))).toBe(0);
    expect(upd(granted.mmu, 10, 1, pte(40, RW))).toBe(-XenErrno.EBUSY); // granted read-only only
    expect(granted.mmu.ft.refCount(40)).toBe(1);
  });

  it('refuses disallowed flag bits (-EINVAL) and frames beyond memory (-EPERM, MMIO); non-present entries are free', () => {
    const { mmu } = machine();
    expect(pin(mmu, PIN_L1, 10)).toBe(0);
    expect(upd(mmu, 10, 0, pte(5, 0x80))).toBe(-XenErrno.EINVAL); // PAT
    expect(upd(mmu, 10, 0, pte(5, 0x100))).toBe(-XenErrno.EINVAL); // GLOBAL
    expect(upd(mmu, 10, 0, pte(64))).toBe(-XenErrno.EPERM); // past RAM: Xen treats it as MMIO
    expect(upd(mmu, 10, 0, pte(0xfffff))).toBe(-XenErrno.EPERM);
    expect(mmu.ft.refCount(5)).toBe(0);
    expect(upd(mmu, 10, 0, 0xfffff1fe)).toBe(0); // not present: anything goes
    expect(upd(mmu, 10, 0, pte(5, 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | RW))).toBe(0);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('never maps a page table or descriptor page writable, even through a second L1', () => {
    const { mmu } = machine();
    expect(pin(mmu, PIN_L1, 10)).toBe(0);
    expect(pin(mmu, PIN_L1, 11)).toBe(0);
    expect(upd(mmu, 10, 0, pte(10, RW))).toBe(-XenErrno.EBUSY); // itself
    expect(upd(mmu, 11, 0, pte(10, RW))).toBe(-XenErrno.EBUSY); // through another L1
    expect(upd(mmu, 11, 0, pte(10))).toBe(0); // read-only is allowed
    expect(mmu.ft.getPageType(7, PageType.SegDesc)).toBe(0);
    expect(upd(mmu, 11, 1, pte(7, RW))).toBe(-XenErrno.EBUSY);
    expect(upd(mmu, 11, 1, pte(7))).toBe(0);
    // and the other way round: a writable-mapped frame cannot become a page table
    expect(upd(mmu, 11, 2, pte(12, RW))).toBe(0);
    expect(pin(mmu, PIN_L1, 12)).toBe(-XenErrno.EINVAL);
    expect(pin(mmu, PIN_L2, 12)).toBe(-XenErrno.EINVAL);
    expect(upd(mmu, 11, 2, 0)).toBe(0);
    expect(pin(mmu, PIN_L1, 12)).toBe(0);
    mmu.ft.putPageType(7);
    expect(checkInvariants(mmu)).toEqual([]);
  });
});

describe('L2 entry rules', () => {
  it('maps only frames that validate as L1', () => {
    const { mmu, mem } = machine();
    expect(pin(mmu, PIN_L2, 20)).toBe(0);
    expect(upd(mmu, 20, 0, pte(11))).toBe(0);
    expect([mmu.ft.type(11), mmu.ft.typeCount(11), mmu.ft.refCount(11)]).toEqual([PageType.L1, 1, 1]);
    mem.write32(12, 3, pte(40)); // an L1 candidate mapping dom 2's frame
    expect(upd(mmu, 20, 1, pte(12))).toBe(-XenErrno.EBUSY); // the L1's own error, as Xen's alloc_l1_table
    expect(mmu.ft.typeCount(12)).toBe(0);
    expect(upd(mmu, 20, 1, pte(20))).toBe(-XenErrno.EINVAL); // itself: it is an L2, not an L1
    expect(upd(mmu, 20, 1, pte(40))).toBe(-XenErrno.EINVAL); // a foreign frame as L1 (get_page_and_type_from_mfn)
    expect(upd(mmu, 20, 1, pte(50))).toBe(-XenErrno.EINVAL); // an unowned one
    expect(upd(mmu, 20, 1, pte(64))).toBe(-XenErrno.EINVAL); // past RAM
    expect([mmu.ft.refCount(40), mmu.ft.typeCount(40)]).toEqual([0, 0]);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('refuses PSE and GLOBAL entries (-EINVAL)', () => {
    const { mmu } = machine();
    expect(pin(mmu, PIN_L2, 20)).toBe(0);
    expect(upd(mmu, 20, 0, pte(11, 0x80))).toBe(-XenErrno.EINVAL);
    expect(upd(mmu, 20, 0, pte(11, 0x100))).toBe(-XenErrno.EINVAL);
    expect(mmu.ft.typeCount(11)).toBe(0);
  });

  it('refuses writes to the hypervisor-hole slots (-EPERM), even non-present ones', () => {
    const { mmu } = machine();
    expect(FIRST_XEN_L2_SLOT).toBe(1008);
    expect(pin(mmu, PIN_L2, 20)).toBe(0);
    expect(upd(mmu, 20, 1007, pte(11))).toBe(0);
    expect(upd(mmu, 20, 1008, pte(12))).toBe(-XenErrno.EPERM);
    expect(upd(mmu, 20, 1023, 0)).toBe(-XenErrno.EPERM);
    expect(mmu.ft.typeCount(12)).toBe(0);
  });

  it('ignores the hole slots when validating an L2 (their contents are Xen\'s)', () => {
    const { mmu, mem } = machine();
    mem.write32(20, 1010, pte(40, RW));
    expect(pin(mmu, PIN_L2, 20)).toBe(0);
    expect(mmu.ft.refCount(40)).toBe(0);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it("refuses pinning another domain's table (-EINVAL)", () => {
    const { mmu } = machine();
    expect(pin(mmu, PIN_L2, 40)).toBe(-XenErrno.EINVAL);
    expect(pin(mmu, PIN_L1, 50)).toBe(-XenErrno.EINVAL); // unowned
    expect(mmu.ft.refCount(40)).toBe(0);
    expect(pin(mmu, PIN_L2, 40, DOM2)).toBe(0);
  });
});
