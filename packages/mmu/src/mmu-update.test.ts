import { MmuCmd, MmuextCmd, MmuUpdateView, XenErrno } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import { INVALID_M2P_ENTRY, PageType, checkInvariants, mmuUpdate, mmuextOp } from './index.js';
import { DOM1, DOM2, machine, pte, ptUpdate, RW } from '../test/helpers.js';

describe('mmu_update', () => {
  it('swaps references from the old entry to the new one', () => {
    const { mmu, mem } = machine();
    expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 10 }]).rc).toBe(0);
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(10, 5, pte(3, RW))]).rc).toBe(0);
    expect(mem.read32(10, 5)).toBe(pte(3, RW));
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(10, 5, pte(4))])).toEqual({ done: 1, rc: 0 });
    expect([mmu.ft.refCount(3), mmu.ft.typeCount(3), mmu.ft.refCount(4)]).toEqual([0, 0, 1]);
    // same frame, RO -> RW: the new reference is taken before the old one is dropped
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(10, 5, pte(4, RW))]).rc).toBe(0);
    expect([mmu.ft.refCount(4), mmu.ft.typeCount(4)]).toEqual([1, 1]);
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(10, 5, 0)]).rc).toBe(0);
    expect([mmu.ft.refCount(4), mmu.ft.typeCount(4)]).toEqual([0, 0]);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('stops at the first invalid request and reports how many were done', () => {
    const { mmu, mem } = machine();
    mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 10 }]);
    const r = mmuUpdate(mmu, DOM1, [
      ptUpdate(10, 0, pte(1)),
      ptUpdate(10, 1, pte(2, RW)),
      ptUpdate(10, 2, pte(40)), // dom 2's frame
      ptUpdate(10, 3, pte(3)),
    ]);
    expect(r).toEqual({ done: 2, rc: -XenErrno.EBUSY }); // Xen's get_page_from_l1e: could_not_pin
    expect(mem.read32(10, 2)).toBe(0);
    expect(mem.read32(10, 3)).toBe(0);
    expect(mmu.ft.refCount(3)).toBe(0);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('accepts MmuUpdateView requests', () => {
    const { mmu } = machine();
    mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 10 }]);
    const v = new MmuUpdateView(new DataView(new ArrayBuffer(16)));
    v.ptr = BigInt(10 * 4096 + 8);
    v.val = BigInt(pte(6));
    expect(mmuUpdate(mmu, DOM1, [v]).rc).toBe(0);
    expect(mmu.ft.refCount(6)).toBe(1);
  });

  it('writes plain frames as ordinary memory, unless they are typed otherwise', () => {
    const { mmu, mem } = machine();
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(9, 4, 0xdeadbeef)]).rc).toBe(0);
    expect(mem.read32(9, 4)).toBe(0xdeadbeef);
    expect(mmu.ft.typeCount(9)).toBe(0);
    expect(mmu.ft.getPageType(9, PageType.SegDesc)).toBe(0);
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(9, 4, 0)]).rc).toBe(-XenErrno.EINVAL);
    // a table frame the page-table owner does not own: "Could not get page for normal update"
    expect(mmuUpdate(mmu, DOM2, [ptUpdate(8, 0, 0)]).rc).toBe(-XenErrno.EINVAL);
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(50, 0, 0)]).rc).toBe(-XenErrno.EINVAL); // unowned
    expect(mem.read32(8, 0)).toBe(0);
  });

  it('refuses garbage requests', () => {
    const { mmu } = machine();
    expect(mmuUpdate(mmu, DOM1, [{ ptr: BigInt(64 * 4096), val: 0n }]).rc).toBe(-XenErrno.EINVAL);
    // 2-level entries are 32 bits: the high half of the u64 is dropped, as Xen's intpte_t store does.
    expect(mmuUpdate(mmu, DOM1, [{ ptr: BigInt(9 * 4096), val: (1n << 32n) | 0x5n }]).rc).toBe(0);
    expect(mmu.mem.read32(9, 0)).toBe(0x5);
    expect(mmuUpdate(mmu, DOM1, [{ ptr: BigInt(9 * 4096 + MmuCmd.MMU_PT_UPDATE_NO_TRANSLATE), val: 0n }]).rc).toBe(
      -XenErrno.ENOSYS,
    );
  });

  it('MMU_MACHPHYS_UPDATE sets the M2P entry of an owned frame only', () => {
    const { mmu } = machine();
    expect(mmu.m2p[7]).toBe(INVALID_M2P_ENTRY);
    const ok = { ptr: BigInt(7 * 4096 + 0x120) | BigInt(MmuCmd.MMU_MACHPHYS_UPDATE), val: 42n };
    expect(mmuUpdate(mmu, DOM1, [ok]).rc).toBe(0);
    expect(mmu.m2p[7]).toBe(42);
    const bad = { ptr: BigInt(40 * 4096) | BigInt(MmuCmd.MMU_MACHPHYS_UPDATE), val: 1n };
    // "Could not get page for mach->phys update"
    expect(mmuUpdate(mmu, DOM1, [bad])).toEqual({ done: 0, rc: -XenErrno.EINVAL });
    expect(mmu.m2p[40]).toBe(INVALID_M2P_ENTRY);
    const unowned = { ptr: BigInt(50 * 4096) | BigInt(MmuCmd.MMU_MACHPHYS_UPDATE), val: 1n };
    expect(mmuUpdate(mmu, DOM1, [unowned])).toEqual({ done: 0, rc: -XenErrno.EINVAL });
    expect(mmu.m2p[50]).toBe(INVALID_M2P_ENTRY);
  });
});
