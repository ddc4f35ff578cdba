import { MmuextCmd } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import {
  INVALID_M2P_ENTRY,
  NO_OWNER,
  checkInvariants,
  mapLdtFrame,
  mmuUpdate,
  mmuextOp,
  relinquishDomain,
  setGdt,
} from './index.js';
import { DOM0, DOM1, DOM2, machine, paeTables, paeUpdate, paeWrite, pte, ptUpdate, RW } from '../test/helpers.js';

const C = MmuextCmd;

describe('relinquishDomain', () => {
  it('2-level: frees every frame of a messy domain (pins, bases on several vCPUs, GDT, LDT, RO self-maps)', () => {
    const { mmu, mem } = machine();
    mem.write32(11, 0, pte(5, RW));
    mem.write32(11, 1, pte(20)); // the L2, read-only through its own L1
    mem.write32(20, 0, pte(11));
    mem.write32(21, 0, pte(11));
    expect(mmuextOp(mmu, DOM1, [
      { cmd: C.MMUEXT_PIN_L2_TABLE, arg1: 20 },
      { cmd: C.MMUEXT_PIN_L1_TABLE, arg1: 12 },
      { cmd: C.MMUEXT_NEW_BASEPTR, arg1: 20 },
      { cmd: C.MMUEXT_SET_LDT, arg1: 0x1000, arg2: 600 },
    ]).rc).toBe(0);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 21 }], { vcpu: 3 }).rc).toBe(0);
    expect(setGdt(mmu, DOM1, 0, [3, 4], 1000)).toBe(0);
    expect(setGdt(mmu, DOM1, 3, [4], 1)).toBe(0);
    expect(mapLdtFrame(mmu, DOM1, 0, 6)).toBe(0);
    mmu.m2p[5] = 77;
    // dom 2 also has state, which must survive
    expect(mmuextOp(mmu, DOM2, [{ cmd: C.MMUEXT_PIN_L1_TABLE, arg1: 33 }]).rc).toBe(0);
    expect(checkInvariants(mmu)).toEqual([]);
    const freed = relinquishDomain(mmu, DOM1);
    expect(freed).toEqual(Array.from({ length: 32 }, (_, i) => i));
    for (let m = 0; m < 32; m++) {
      expect([m, mmu.ft.refCount(m), mmu.ft.typeCount(m), mmu.ft.isPinned(m), mmu.ft.owner(m)]).toEqual([m, 0, 0, false, NO_OWNER]);
    }
    expect(mmu.m2p[5]).toBe(INVALID_M2P_ENTRY);
    expect([mmu.baseptr.size, mmu.gdt.size, mmu.ldt.size]).toEqual([0, 0, 0]);
    expect(mmu.ft.isPinned(33)).toBe(true);
    expect(checkInvariants(mmu)).toEqual([]);
    expect(relinquishDomain(mmu, DOM1)).toEqual([]);
  });

  it('PAE: frees the L3/L2/L1 hierarchy, including the Xen L2', () => {
    const { mmu, mem } = machine(undefined, { layout: 'pae' });
    const t = paeTables(mem);
    paeWrite(mem, t.l1, 0, pte(5, RW));
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L3_TABLE, arg1: t.l3 }, { cmd: C.MMUEXT_NEW_BASEPTR, arg1: t.l3 }]).rc).toBe(0);
    expect(mmuUpdate(mmu, DOM1, [paeUpdate(t.l1, 1, pte(t.xl2))]).rc).toBe(0);
    expect(relinquishDomain(mmu, DOM1).length).toBe(32);
    for (let m = 0; m < 32; m++) expect([mmu.ft.refCount(m), mmu.ft.typeCount(m), mmu.ft.isPaeXenL2(m)]).toEqual([0, 0, false]);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('keeps frames another domain still maps; a later call frees them once the mapping is gone', () => {
    const { mmu } = machine(undefined, { privileged: [DOM0] });
    for (let f = 48; f < 56; f++) mmu.ft.assign(f, DOM0);
    expect(mmuextOp(mmu, DOM0, [{ cmd: C.MMUEXT_PIN_L1_TABLE, arg1: 50 }]).rc).toBe(0);
    expect(mmuUpdate(mmu, DOM0, [ptUpdate(50, 0, pte(7, RW))], DOM1).rc).toBe(0);
    const freed = relinquishDomain(mmu, DOM1);
    expect(freed).not.toContain(7);
    expect(freed.length).toBe(31);
    expect([mmu.ft.owner(7), mmu.ft.refCount(7)]).toEqual([DOM1, 1]);
    expect(checkInvariants(mmu)).toEqual([]);
    expect(mmuUpdate(mmu, DOM0, [ptUpdate(50, 0, 0)]).rc).toBe(0);
    expect(relinquishDomain(mmu, DOM1)).toEqual([7]);
    expect(checkInvariants(mmu)).toEqual([]);
  });
});
