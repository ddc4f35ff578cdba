import { XenErrno } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import { FrameTable, NO_OWNER, PageType, checkInvariants } from './index.js';
import { DOM1, DOM2, machine, pte, RW } from '../test/helpers.js';

describe('FrameTable general references', () => {
  it('lets the owner take a reference and refuses other domains and unowned frames', () => {
    const { mmu } = machine();
    const ft = mmu.ft;
    expect(ft.getPage(3, DOM1)).toBe(0);
    expect(ft.refCount(3)).toBe(1);
    expect(ft.getPage(3, DOM2)).toBe(-XenErrno.EPERM);
    expect(ft.getPage(50, DOM1)).toBe(-XenErrno.EPERM);
    expect(ft.owner(50)).toBe(NO_OWNER);
    expect(ft.getPage(64, DOM1)).toBe(-XenErrno.EINVAL);
    expect(ft.getPage(3, DOM2, true)).toBe(0); // a grant allowed it
    expect(ft.refCount(3)).toBe(2);
    ft.putPage(3);
    ft.putPage(3);
    expect(() => ft.putPage(3)).toThrow();
    // getPageAndType is Xen's get_page_and_type_from_mfn: no reference to be had is -EINVAL
    expect(ft.getPageAndType(3, DOM2, PageType.Writable)).toBe(-XenErrno.EINVAL);
    expect(ft.getPageAndType(50, DOM1, PageType.Writable)).toBe(-XenErrno.EINVAL);
    expect(ft.getPageAndType(64, DOM1, PageType.Writable)).toBe(-XenErrno.EINVAL);
    expect([ft.refCount(3), ft.typeCount(3), ft.refCount(50)]).toEqual([0, 0, 0]);
  });

  it('refuses to reassign a referenced frame', () => {
    const ft = new FrameTable(4);
    expect(ft.assign(0, DOM1)).toBe(0);
    expect(ft.getPage(0, DOM1)).toBe(0);
    expect(ft.assign(0, DOM2)).toBe(-XenErrno.EBUSY);
    ft.putPage(0);
    expect(ft.assign(0, DOM2)).toBe(0);
  });
});

describe('FrameTable types', () => {
  it('changes type only when the type count is 0', () => {
    const { mmu } = machine();
    const ft = mmu.ft;
    expect(ft.getPageType(4, PageType.Writable)).toBe(0);
    expect(ft.getPageType(4, PageType.Writable)).toBe(0);
    expect(ft.typeCount(4)).toBe(2);
    expect(ft.getPageType(4, PageType.L1)).toBe(-XenErrno.EINVAL);
    expect(ft.getPageType(4, PageType.SegDesc)).toBe(-XenErrno.EINVAL);
    ft.putPageType(4);
    expect(ft.getPageType(4, PageType.L1)).toBe(-XenErrno.EINVAL);
    ft.putPageType(4);
    expect(ft.type(4)).toBe(PageType.None);
    expect(ft.getPageType(4, PageType.L1)).toBe(0);
    expect(ft.type(4)).toBe(PageType.L1);
    expect(ft.isValidated(4)).toBe(true);
    ft.putPageType(4);
    expect(ft.isValidated(4)).toBe(false);
    expect(() => ft.putPageType(4)).toThrow();
  });

  it('validates an L1 when it takes the type and releases its references on the last put', () => {
    const { mmu, mem } = machine();
    const ft = mmu.ft;
    mem.write32(10, 0, pte(5));
    mem.write32(10, 1, pte(6, RW));
    mem.write32(10, 2, pte(5, RW));
    expect(ft.getPageType(10, PageType.L1)).toBe(0);
    expect([ft.refCount(5), ft.typeCount(5), ft.type(5)]).toEqual([2, 1, PageType.Writable]);
    expect([ft.refCount(6), ft.typeCount(6)]).toEqual([1, 1]);
    ft.putPageType(10);
    expect([ft.refCount(5), ft.typeCount(5), ft.refCount(6), ft.typeCount(6)]).toEqual([0, 0, 0, 0]);
  });

  it('leaves everything unchanged when validation fails part-way', () => {
    const { mmu, mem } = machine();
    const ft = mmu.ft;
    mem.write32(10, 0, pte(5, RW));
    mem.write32(10, 1, pte(6));
    mem.write32(10, 7, pte(40)); // dom 2's frame
    expect(ft.getPageType(10, PageType.L1)).toBe(-XenErrno.EBUSY); // get_page_from_l1e's could_not_pin
    for (const m of [5, 6, 10, 40]) {
      expect([ft.refCount(m), ft.typeCount(m), ft.type(m), ft.isValidated(m)]).toEqual([0, 0, PageType.None, false]);
    }
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('validates recursively: an L2 takes L1 types on what it maps, and rolls them back on failure', () => {
    const { mmu, mem } = machine();
    const ft = mmu.ft;
    mem.write32(11, 0, pte(5, RW));
    mem.write32(12, 0, pte(6));
    mem.write32(20, 0, pte(11));
    mem.write32(20, 1, pte(12));
    mem.write32(20, 2, pte(13));
    mem.write32(13, 0, pte(20, RW)); // L1 13 would map the L2 writable: refused
    expect(ft.getPageType(20, PageType.L2)).toBe(-XenErrno.EBUSY);
    for (const m of [5, 6, 11, 12, 13, 20]) expect([ft.refCount(m), ft.typeCount(m)]).toEqual([0, 0]);
    mem.write32(13, 0, pte(20)); // read-only mapping of the L2 is fine
    expect(ft.getPageType(20, PageType.L2)).toBe(0);
    expect([ft.type(11), ft.type(12), ft.type(13)]).toEqual([PageType.L1, PageType.L1, PageType.L1]);
    expect([ft.refCount(20), ft.typeCount(20)]).toEqual([1, 1]); // 13's RO mapping; our own type ref
    expect(ft.type(5)).toBe(PageType.Writable);
    ft.putPageType(20);
    for (const m of [5, 6, 11, 12, 13, 20]) expect([ft.refCount(m), ft.typeCount(m)]).toEqual([0, 0]);
  });
});
