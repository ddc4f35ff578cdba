import { DomId, MmuCmd, MmuextCmd, XenErrno } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import { PageType, checkInvariants, mmuUpdate, mmuextOp } from './index.js';
import { DOM0, DOM1, DOM2, machine, paeUpdate, pte, ptUpdate, RW } from '../test/helpers.js';

/** dom 0 (privileged) owns 48..55 in these tests. */
function withDom0(layout: '2level' | 'pae' = '2level') {
  const m = machine(undefined, { layout });
  for (let f = 48; f < 56; f++) m.mmu.ft.assign(f, DOM0);
  return m;
}

describe('mmu_update foreigndom', () => {
  for (const layout of ['2level', 'pae'] as const) {
    const upd = layout === 'pae' ? (mfn: number, i: number, v: number) => paeUpdate(mfn, i, v) : ptUpdate;
    it(`a privileged caller maps another domain's data frames through its own L1 (${layout})`, () => {
      const { mmu } = withDom0(layout);
      expect(mmuextOp(mmu, DOM0, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 50 }]).rc).toBe(0);
      expect(mmuUpdate(mmu, DOM0, [upd(50, 0, pte(5, RW)), upd(50, 1, pte(6))], DOM1)).toEqual({ done: 2, rc: 0 });
      expect([mmu.ft.refCount(5), mmu.ft.type(5), mmu.ft.refCount(6)]).toEqual([1, PageType.Writable, 1]);
      // FD names the owner of the data frames: dom 0's own frame is refused under FD = dom 1
      expect(mmuUpdate(mmu, DOM0, [upd(50, 2, pte(51))], DOM1).rc).toBe(-XenErrno.EBUSY);
      // a dom 1 page table stays unmappable writable, even for dom 0
      expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 10 }]).rc).toBe(0);
      expect(mmuUpdate(mmu, DOM0, [upd(50, 2, pte(10, RW))], DOM1).rc).toBe(-XenErrno.EBUSY);
      expect(mmuUpdate(mmu, DOM0, [upd(50, 2, pte(10))], DOM1).rc).toBe(0);
      expect(checkInvariants(mmu)).toEqual([]);
    });
  }

  it('refuses an unprivileged foreign FD with -EPERM at the first update, unknown ones with -ESRCH', () => {
    const { mmu } = withDom0();
    expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 10 }]).rc).toBe(0);
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(10, 0, pte(40))], DOM2)).toEqual({ done: 0, rc: -XenErrno.EPERM });
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(10, 0, pte(5))], DOM1)).toEqual({ done: 0, rc: -XenErrno.ESRCH });
    expect(mmuUpdate(mmu, DOM0, [ptUpdate(50, 0, 0)], DomId.DOMID_IO).rc).toBe(-XenErrno.ESRCH);
    expect(mmuUpdate(mmu, DOM0, [ptUpdate(50, 0, 0)], DOM0).rc).toBe(-XenErrno.ESRCH);
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(10, 0, pte(5))], DomId.DOMID_SELF).rc).toBe(0);
    expect(mmu.ft.refCount(40)).toBe(0);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('only L1 updates may name foreign frames: L2 updates under a foreign FD are -EINVAL', () => {
    const { mmu } = withDom0();
    expect(mmuextOp(mmu, DOM0, [{ cmd: MmuextCmd.MMUEXT_PIN_L2_TABLE, arg1: 52 }]).rc).toBe(0);
    expect(mmuUpdate(mmu, DOM0, [ptUpdate(52, 0, pte(11))], DOM1).rc).toBe(-XenErrno.EINVAL);
    expect(mmuUpdate(mmu, DOM0, [ptUpdate(52, 0, pte(53))]).rc).toBe(0);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('PFD: a privileged caller updates another domain\'s page tables (the domain builder)', () => {
    const { mmu, mem } = withDom0();
    expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 10 }]).rc).toBe(0);
    const asDom1 = ((DOM1 + 1) << 16) | DOM1; // PFD = dom 1, FD = dom 1
    expect(mmuUpdate(mmu, DOM0, [ptUpdate(10, 4, pte(7, RW))], asDom1).rc).toBe(0);
    expect(mem.read32(10, 4)).toBe(pte(7, RW));
    expect(mmuUpdate(mmu, DOM2, [ptUpdate(10, 5, pte(7))], asDom1).rc).toBe(-XenErrno.EPERM);
    expect(mmuUpdate(mmu, DOM0, [ptUpdate(10, 5, pte(7))], ((0x7ff0 + 1) << 16) | DomId.DOMID_SELF).rc).toBe(-XenErrno.ESRCH);
    // MACHPHYS_UPDATE is the caller's own business only
    const mp = { ptr: BigInt(7 * 4096) | BigInt(MmuCmd.MMU_MACHPHYS_UPDATE), val: 3n };
    expect(mmuUpdate(mmu, DOM0, [mp], asDom1).rc).toBe(-XenErrno.EPERM);
    expect(mmuUpdate(mmu, DOM0, [mp], DOM1).rc).toBe(0);
    expect(mmu.m2p[7]).toBe(3);
    expect(checkInvariants(mmu)).toEqual([]);
  });
});

describe('mmuext_op foreigndom', () => {
  it('a privileged caller pins and unpins another domain\'s tables; other commands are -EPERM', () => {
    const { mmu } = withDom0();
    const fd = { foreigndom: DOM1 };
    expect(mmuextOp(mmu, DOM0, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 10 }], fd).rc).toBe(0);
    expect(mmu.ft.isPinned(10)).toBe(true);
    expect(mmuextOp(mmu, DOM0, [{ cmd: MmuextCmd.MMUEXT_UNPIN_TABLE, arg1: 10 }], fd).rc).toBe(0);
    for (const cmd of [MmuextCmd.MMUEXT_NEW_BASEPTR, MmuextCmd.MMUEXT_TLB_FLUSH_LOCAL, MmuextCmd.MMUEXT_INVLPG_ALL]) {
      expect(mmuextOp(mmu, DOM0, [{ cmd, arg1: 10 }], fd).rc).toBe(-XenErrno.EPERM);
    }
    expect(mmuextOp(mmu, DOM1, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 40 }], { foreigndom: DOM2 })).toEqual({
      done: 0,
      rc: -XenErrno.EPERM,
      actions: { flushTlb: false, invlpg: [] },
    });
    expect(mmuextOp(mmu, DOM0, [{ cmd: MmuextCmd.MMUEXT_PIN_L1_TABLE, arg1: 10 }], { foreigndom: 0x7ff2 }).rc).toBe(
      -XenErrno.ESRCH,
    );
    expect(checkInvariants(mmu)).toEqual([]);
  });
});
