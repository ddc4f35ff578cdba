import { MmuCmd, MmuextCmd, XenErrno } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import { LAYOUT_PAE, PageType, checkInvariants, mmuUpdate, mmuextOp, type Mmu } from './index.js';
import { DOM1, DOM2, machine, paeTables, paeUpdate, paeWrite, pte, RW } from '../test/helpers.js';

const C = MmuextCmd;
const NX = 0x80000000;

function pae(fill?: (domid: number, mfn: number) => void) {
  return machine(undefined, { layout: 'pae', xenSlots: fill ? { fill } : undefined });
}
function op(mmu: Mmu, cmd: number, arg1: number, dom = DOM1): number {
  return mmuextOp(mmu, dom, [{ cmd, arg1 }]).rc;
}
function upd(mmu: Mmu, mfn: number, index: number, lo: number, hi = 0, dom = DOM1): number {
  return mmuUpdate(mmu, dom, [paeUpdate(mfn, index, lo, hi)]).rc;
}

describe('PAE layout constants', () => {
  it('puts the hole at 0xF5800000: slot-3 L2 indexes from 428 are Xen\'s', () => {
    expect(LAYOUT_PAE.firstXenL2Slot).toBe(428);
    expect(LAYOUT_PAE.entriesPerTable).toBe(512);
    expect(LAYOUT_PAE.physAddrBits).toBe(36);
  });
});

describe('PAE L1 entries (64-bit)', () => {
  it('maps with NX and the writable type; refuses PAT, GLOBAL and reserved high bits', () => {
    const { mmu } = pae();
    expect(op(mmu, C.MMUEXT_PIN_L1_TABLE, 10)).toBe(0);
    expect(upd(mmu, 10, 0, pte(5, RW), NX)).toBe(0);
    expect([mmu.ft.refCount(5), mmu.ft.type(5)]).toEqual([1, PageType.Writable]);
    expect(upd(mmu, 10, 511, pte(6))).toBe(0); // 512 entries per table
    expect(upd(mmu, 10, 1, pte(5, 0x80))).toBe(-XenErrno.EINVAL); // PAT
    expect(upd(mmu, 10, 1, pte(5, 0x100))).toBe(-XenErrno.EINVAL); // GLOBAL
    expect(upd(mmu, 10, 1, pte(5), 0x10)).toBe(-XenErrno.EINVAL); // address bit 36
    expect(upd(mmu, 10, 1, pte(5), 0x40000000)).toBe(-XenErrno.EINVAL); // bit 62
    expect(upd(mmu, 10, 1, pte(5), 0x1)).toBe(-XenErrno.EPERM); // bit 32: frame beyond RAM (MMIO to Xen)
    expect(upd(mmu, 10, 1, pte(40))).toBe(-XenErrno.EBUSY); // dom 2's frame: could_not_pin
    expect([mmu.ft.refCount(40), mmu.ft.refCount(5)]).toEqual([0, 1]);
    expect(upd(mmu, 10, 1, 0xfffffffe, 0xffffffff)).toBe(0); // not present: anything
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('uses 8-byte entries: ptr bits 2..0 carry the command', () => {
    const { mmu, mem } = pae();
    expect(op(mmu, C.MMUEXT_PIN_L1_TABLE, 10)).toBe(0);
    expect(mmuUpdate(mmu, DOM1, [{ ptr: BigInt(10 * 4096 + 8 * 3 + 4), val: 0n }]).rc).toBe(-XenErrno.ENOSYS);
    expect(upd(mmu, 10, 3, pte(7), NX)).toBe(0);
    expect([mem.read32(10, 6), mem.read32(10, 7)]).toEqual([pte(7), NX]);
  });
});

describe('PAE L2 and L3 entries', () => {
  it('validates L3 -> L2 -> L1 and pins the L3; slot 3 gets the Xen-L2 type and Xen\'s entries', () => {
    const fills: [number, number][] = [];
    const { mmu, mem } = pae((d, m) => {
      fills.push([d, m]);
      paeWrite(mem, m, 500, 0xdead0001, 0xffff); // what Xen puts there is never validated
    });
    const t = paeTables(mem);
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, t.l3)).toBe(0);
    expect([mmu.ft.type(t.l3), mmu.ft.type(t.l2), mmu.ft.type(t.xl2), mmu.ft.type(t.l1)]).toEqual([
      PageType.L3,
      PageType.L2,
      PageType.L2,
      PageType.L1,
    ]);
    expect([mmu.ft.isPaeXenL2(t.xl2), mmu.ft.isPaeXenL2(t.l2)]).toEqual([true, false]);
    expect(fills).toEqual([[DOM1, t.xl2]]);
    expect(checkInvariants(mmu)).toEqual([]);
    expect(op(mmu, C.MMUEXT_NEW_BASEPTR, t.l3)).toBe(0);
    expect(mmu.getBaseptr(DOM1)).toBe(t.l3);
    expect(op(mmu, C.MMUEXT_UNPIN_TABLE, t.l3)).toBe(0);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('refuses an L3 whose slot 3 is absent, and PDPTE bits other than P/PWT/PCD', () => {
    const { mmu, mem } = pae();
    paeWrite(mem, 20, 0, pte(21));
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, 20)).toBe(-XenErrno.EINVAL);
    paeWrite(mem, 20, 3, pte(22, RW));
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, 20)).toBe(-XenErrno.EINVAL); // RW reserved in a PDPTE
    for (const bit of [0x4, 0x20, 0x40, 0x80, 0x100]) {
      paeWrite(mem, 20, 3, pte(22, bit));
      expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, 20)).toBe(-XenErrno.EINVAL);
    }
    paeWrite(mem, 20, 3, pte(22), NX);
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, 20)).toBe(-XenErrno.EINVAL); // NX reserved in a PDPTE
    paeWrite(mem, 20, 3, pte(22, 0x8 | 0x10));
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, 20)).toBe(0);
    for (const m of [21, 22]) expect(mmu.ft.type(m)).toBe(PageType.L2);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('keeps the slot-3 L2 out of every other slot, and out of plain L2 pins', () => {
    const { mmu, mem } = pae();
    const t = paeTables(mem);
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, t.l3)).toBe(0);
    expect(upd(mmu, t.l3, 1, pte(t.xl2))).toBe(-XenErrno.EINVAL);
    expect(op(mmu, C.MMUEXT_PIN_L2_TABLE, t.xl2)).toBe(-XenErrno.EINVAL);
    // a second L3 may share the same slot-3 L2, and the plain L2 in slot 1
    paeWrite(mem, 23, 3, pte(t.xl2));
    paeWrite(mem, 23, 1, pte(t.l2));
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, 23)).toBe(0);
    expect(mmu.ft.typeCount(t.xl2)).toBe(2);
    // a plain L2 cannot become another L3's slot-3 L2
    paeWrite(mem, 24, 3, pte(t.l2));
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, 24)).toBe(-XenErrno.EINVAL);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('updates L3 slots 0..2 only; slot 3 and beyond are -EINVAL', () => {
    const { mmu, mem } = pae();
    const t = paeTables(mem);
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, t.l3)).toBe(0);
    expect(upd(mmu, t.l3, 2, pte(25))).toBe(0);
    expect(mmu.ft.type(25)).toBe(PageType.L2);
    expect(upd(mmu, t.l3, 2, 0)).toBe(0);
    expect(mmu.ft.typeCount(25)).toBe(0);
    expect(upd(mmu, t.l3, 3, pte(25))).toBe(-XenErrno.EINVAL);
    expect(upd(mmu, t.l3, 3, 0)).toBe(-XenErrno.EINVAL);
    expect(upd(mmu, t.l3, 4, 0)).toBe(-XenErrno.EINVAL);
    expect(upd(mmu, t.l3, 0, pte(t.l2, RW))).toBe(-XenErrno.EINVAL);
    expect(upd(mmu, t.l3, 0, pte(t.l2), 0x10)).toBe(-XenErrno.EINVAL);
    expect(upd(mmu, t.l3, 0, pte(40))).toBe(-XenErrno.EINVAL); // dom 2's frame (get_page_from_l3e)
    expect(upd(mmu, t.l3, 0, pte(50))).toBe(-XenErrno.EINVAL); // unowned
    expect(upd(mmu, t.l3, 0, pte(5), 0x1)).toBe(-XenErrno.EINVAL); // past RAM
    expect(upd(mmu, t.l2, 1, pte(40))).toBe(-XenErrno.EINVAL); // dom 2's frame as L1 (get_page_from_l2e)
    expect(upd(mmu, t.l2, 1, pte(5), 0x1)).toBe(-XenErrno.EINVAL); // past RAM
    expect([mmu.ft.refCount(40), mmu.ft.typeCount(40)]).toEqual([0, 0]);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('refuses guest writes into the Xen slots of the slot-3 L2 (-EPERM, as Xen), allows them in other L2s', () => {
    const { mmu, mem } = pae();
    const t = paeTables(mem);
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, t.l3)).toBe(0);
    expect(upd(mmu, t.xl2, 427, pte(12))).toBe(0);
    expect(upd(mmu, t.xl2, 428, pte(13))).toBe(-XenErrno.EPERM);
    expect(upd(mmu, t.xl2, 511, 0)).toBe(-XenErrno.EPERM);
    expect(upd(mmu, t.l2, 511, pte(13))).toBe(0);
    expect(upd(mmu, t.l2, 5, pte(13, 0x80))).toBe(-XenErrno.EINVAL); // PSE
    expect(upd(mmu, t.l2, 5, pte(13), 0x100)).toBe(-XenErrno.EINVAL); // reserved
    expect(upd(mmu, t.l2, 5, pte(14), NX)).toBe(0);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('ignores whatever is in the Xen slots when validating, and PRESERVE_AD keeps old A/D bits', () => {
    const { mmu, mem } = pae();
    const t = paeTables(mem);
    paeWrite(mem, t.xl2, 430, pte(40, RW)); // dom 2's frame: would fail if validated
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, t.l3)).toBe(0);
    expect(mmu.ft.refCount(40)).toBe(0);
    expect(upd(mmu, t.l1, 0, pte(5, 0x20 | 0x40))).toBe(0);
    expect(mmuUpdate(mmu, DOM1, [paeUpdate(t.l1, 0, pte(6), 0, MmuCmd.MMU_PT_UPDATE_PRESERVE_AD)]).rc).toBe(0);
    expect(mem.read32(t.l1, 0)).toBe(pte(6, 0x20 | 0x40));
    expect([mmu.ft.refCount(5), mmu.ft.refCount(6)]).toEqual([0, 1]);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('NEW_BASEPTR takes an L3 (not an L2); PIN_L4 is ignored', () => {
    const { mmu, mem } = pae();
    const t = paeTables(mem);
    expect(op(mmu, C.MMUEXT_NEW_BASEPTR, t.l2)).toBe(-XenErrno.EINVAL);
    expect(op(mmu, C.MMUEXT_NEW_BASEPTR, t.l3)).toBe(0);
    expect([mmu.ft.refCount(t.l3), mmu.ft.typeCount(t.l3)]).toEqual([1, 1]);
    expect(op(mmu, C.MMUEXT_PIN_L4_TABLE, 3)).toBe(0);
    expect(op(mmu, C.MMUEXT_PIN_L3_TABLE, 40)).toBe(-XenErrno.EINVAL);
    expect(op(mmu, C.MMUEXT_NEW_BASEPTR, 40, DOM1)).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM2, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 40 }]).rc).toBe(-XenErrno.EINVAL); // slot 3 absent
    expect(checkInvariants(mmu)).toEqual([]);
  });
});

describe('Xen slots in the 2-level layout', () => {
  it('fills every validated L2 once per validation; guest writes there stay -EPERM', () => {
    const fills: number[] = [];
    const { mmu, mem } = machine(undefined, { xenSlots: { fill: (_d, m) => { fills.push(m); mem.write32(m, 1010, pte(40, RW)); } } });
    mem.write32(20, 0, pte(11));
    expect(op(mmu, C.MMUEXT_PIN_L2_TABLE, 20)).toBe(0);
    expect(op(mmu, C.MMUEXT_NEW_BASEPTR, 20)).toBe(0); // already an L2: not validated again
    expect(fills).toEqual([20]);
    expect(mmu.ft.refCount(40)).toBe(0);
    expect(mmuUpdate(mmu, DOM1, [{ ptr: BigInt(20 * 4096 + 1010 * 4), val: 0n }]).rc).toBe(-XenErrno.EPERM);
    expect(op(mmu, C.MMUEXT_PIN_L1_TABLE, 12)).toBe(0);
    expect(fills).toEqual([20]); // L1s carry no hole
    expect(checkInvariants(mmu)).toEqual([]);
  });
});
