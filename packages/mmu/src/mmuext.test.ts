import { MmuextCmd, MmuextOpView, XenErrno } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import { PageType, checkInvariants, mmuUpdate, mmuextOp } from './index.js';
import { DOM1, DOM2, machine, pte, ptUpdate, RW } from '../test/helpers.js';

const C = MmuextCmd;

describe('mmuext_op', () => {
  it('pin, map, unmap, unpin: counts after each step', () => {
    const { mmu, mem } = machine();
    const ft = mmu.ft;
    mem.write32(11, 0, pte(5, RW));
    mem.write32(20, 0, pte(11));
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L2_TABLE, arg1: 20 }]).rc).toBe(0);
    expect([ft.refCount(20), ft.typeCount(20), ft.isPinned(20)]).toEqual([1, 1, true]);
    expect([ft.refCount(11), ft.typeCount(11), ft.type(11)]).toEqual([1, 1, PageType.L1]);
    expect([ft.refCount(5), ft.typeCount(5)]).toEqual([1, 1]);
    // map the L2 read-only through its own L1 (the classic linear self-view of a table)
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(11, 1, pte(20))]).rc).toBe(0);
    expect(ft.refCount(20)).toBe(2);
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(11, 1, 0)]).rc).toBe(0);
    expect(ft.refCount(20)).toBe(1);
    expect(checkInvariants(mmu)).toEqual([]);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_UNPIN_TABLE, arg1: 20 }]).rc).toBe(0);
    for (const m of [5, 11, 20]) expect([ft.refCount(m), ft.typeCount(m)]).toEqual([0, 0]);
    expect(ft.isPinned(20)).toBe(false);
  });

  it('refuses double pin, unpin of an unpinned frame, L3 pins, foreign frames; ignores L4 pins', () => {
    const { mmu } = machine();
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L1_TABLE, arg1: 10 }]).rc).toBe(0);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L1_TABLE, arg1: 10 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L2_TABLE, arg1: 10 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_UNPIN_TABLE, arg1: 11 }]).rc).toBe(-XenErrno.EINVAL);
    // Xen ignores pins of levels the guest does not have: L3 in the 2-level layout, L4 always
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L3_TABLE, arg1: 12 }]).rc).toBe(0);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L4_TABLE, arg1: 12 }]).rc).toBe(0);
    expect(mmu.ft.isPinned(12)).toBe(false);
    expect([mmu.ft.refCount(12), mmu.ft.typeCount(12)]).toEqual([0, 0]);
    // frames of another domain (or of nobody): -EINVAL, as Xen's failed page lookup
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L1_TABLE, arg1: 33 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L1_TABLE, arg1: 50 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM2, [{ cmd: C.MMUEXT_UNPIN_TABLE, arg1: 10 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmu.ft.isPinned(10)).toBe(true);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L1_TABLE, arg1: 999 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM1, [{ cmd: 14, arg1: 0 }]).rc).toBe(-XenErrno.ENOSYS);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('NEW_BASEPTR takes an L2 reference on the new base and drops the old one', () => {
    const { mmu, mem } = machine();
    const ft = mmu.ft;
    mem.write32(20, 0, pte(11));
    mem.write32(21, 0, pte(12));
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L2_TABLE, arg1: 20 }]).rc).toBe(0);
    const r1 = mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 20 }]);
    expect(r1).toEqual({ done: 1, rc: 0, actions: { flushTlb: true, invlpg: [], newBaseptr: 20 } });
    expect([ft.refCount(20), ft.typeCount(20)]).toEqual([2, 2]);
    // an unpinned L2 can be the base: it is validated now, and released when switched away from
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 21 }]).rc).toBe(0);
    expect([ft.refCount(20), ft.typeCount(20), ft.refCount(21), ft.typeCount(21)]).toEqual([1, 1, 1, 1]);
    expect(ft.type(12)).toBe(PageType.L1);
    expect(checkInvariants(mmu)).toEqual([]);
    // unpin the old base, switch back, then 21 loses its last type reference and releases 12
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_UNPIN_TABLE, arg1: 20 }, { cmd: C.MMUEXT_NEW_BASEPTR, arg1: 20 }]).rc).toBe(0);
    expect([ft.refCount(21), ft.typeCount(21), ft.typeCount(12)]).toEqual([0, 0, 0]);
    expect([ft.refCount(20), ft.typeCount(20)]).toEqual([1, 1]);
    expect(checkInvariants(mmu)).toEqual([]);
    // a base must validate as L2 and be the domain's own
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 40 }]).rc).toBe(-XenErrno.EINVAL);
    mmuUpdate(mmu, DOM1, [ptUpdate(11, 0, pte(22, RW))]);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 22 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmu.baseptr.get(DOM1)).toBe(20);
  });

  it('returns TLB actions for the caller and stops a batch at the first failure', () => {
    const { mmu } = machine();
    const r = mmuextOp(mmu, DOM1, [
      { cmd: C.MMUEXT_INVLPG_LOCAL, arg1: 0x1000 },
      { cmd: C.MMUEXT_TLB_FLUSH_LOCAL, arg1: 0 },
      { cmd: C.MMUEXT_UNPIN_TABLE, arg1: 3 },
      { cmd: C.MMUEXT_INVLPG_LOCAL, arg1: 0x2000 },
    ]);
    expect(r).toEqual({ done: 2, rc: -XenErrno.EINVAL, actions: { flushTlb: true, invlpg: [0x1000] } });
  });

  it('accepts MmuextOpView ops', () => {
    const { mmu } = machine();
    const v = new MmuextOpView(new DataView(new ArrayBuffer(12)));
    v.cmd = C.MMUEXT_PIN_L1_TABLE;
    v.mfn = 10;
    expect(mmuextOp(mmu, DOM1, [v]).rc).toBe(0);
    expect(mmu.ft.isPinned(10)).toBe(true);
  });
});
