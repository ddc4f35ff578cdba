import { MmuextCmd, XenErrno } from '@xen-ts/abi';
import { describe, expect, it } from 'vitest';
import { checkInvariants, mmuUpdate, mmuextOp, mapLdtFrame, setGdt } from './index.js';
import { DOM0, DOM1, machine, pte, ptUpdate, RW } from '../test/helpers.js';

const C = MmuextCmd;

describe('mmuext_op: TLB, cache, superpage and unknown commands', () => {
  it('returns all-vCPU flush actions; INVLPG_ALL/MULTI skip addresses in the hole', () => {
    const { mmu } = machine();
    const r = mmuextOp(mmu, DOM1, [
      { cmd: C.MMUEXT_TLB_FLUSH_ALL, arg1: 0 },
      { cmd: C.MMUEXT_INVLPG_ALL, arg1: 0x1000 },
      { cmd: C.MMUEXT_INVLPG_MULTI, arg1: 0x2000, arg2: 0x8000 },
      { cmd: C.MMUEXT_INVLPG_ALL, arg1: 0xfc001000 },
      { cmd: C.MMUEXT_TLB_FLUSH_MULTI, arg1: 0, arg2: 0x8000 },
    ]);
    expect(r).toEqual({ done: 5, rc: 0, actions: { flushTlb: false, invlpg: [], flushTlbAllVcpus: true, invlpgAllVcpus: [0x1000, 0x2000] } });
  });

  it('FLUSH_CACHE is -EACCES and FLUSH_CACHE_GLOBAL -EINVAL for an unprivileged guest; fine for dom 0', () => {
    const { mmu } = machine();
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_FLUSH_CACHE, arg1: 0 }]).rc).toBe(-XenErrno.EACCES);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_FLUSH_CACHE_GLOBAL, arg1: 0 }]).rc).toBe(-XenErrno.EINVAL);
    const r = mmuextOp(mmu, DOM0, [{ cmd: C.MMUEXT_FLUSH_CACHE, arg1: 0 }, { cmd: C.MMUEXT_FLUSH_CACHE_GLOBAL, arg1: 0 }]);
    expect(r.rc).toBe(0);
    expect(r.actions.flushCache).toBe(true);
  });

  it('MARK_SUPER/UNMARK_SUPER are -EOPNOTSUPP (current Xen); unknown and x86-64-only commands -ENOSYS', () => {
    const { mmu } = machine();
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_MARK_SUPER, arg1: 0 }]).rc).toBe(-XenErrno.EOPNOTSUPP);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_UNMARK_SUPER, arg1: 0 }]).rc).toBe(-XenErrno.EOPNOTSUPP);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_USER_BASEPTR, arg1: 3 }]).rc).toBe(-XenErrno.ENOSYS);
    expect(mmuextOp(mmu, DOM1, [{ cmd: 99, arg1: 0 }]).rc).toBe(-XenErrno.ENOSYS);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_TLB_FLUSH_LOCAL, arg1: 0 }], { vcpu: 1.5 }).rc).toBe(-XenErrno.EINVAL);
  });
});

describe('mmuext_op: CLEAR_PAGE and COPY_PAGE', () => {
  it('clears and copies owned frames that could be writable; refuses tables, descriptor pages, foreign frames', () => {
    const { mmu, mem } = machine();
    for (let i = 0; i < 1024; i++) mem.write32(3, i, i * 7 + 1);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_COPY_PAGE, arg1: 4, arg2: 3 }]).rc).toBe(0);
    expect(mem.read32(4, 1023)).toBe(1023 * 7 + 1);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_CLEAR_PAGE, arg1: 3 }]).rc).toBe(0);
    expect(mem.read32(3, 5)).toBe(0);
    expect(mmu.ft.typeCount(3) + mmu.ft.typeCount(4)).toBe(0);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_PIN_L1_TABLE, arg1: 10 }]).rc).toBe(0);
    expect(setGdt(mmu, DOM1, 0, [6], 1)).toBe(0);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_CLEAR_PAGE, arg1: 10 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_CLEAR_PAGE, arg1: 6 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_CLEAR_PAGE, arg1: 40 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_CLEAR_PAGE, arg1: 64 }]).rc).toBe(-XenErrno.EINVAL);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_COPY_PAGE, arg1: 10, arg2: 4 }]).rc).toBe(-XenErrno.EINVAL);
    // a table may be the source (it is only read)
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_COPY_PAGE, arg1: 5, arg2: 10 }]).rc).toBe(0);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_COPY_PAGE, arg1: 5, arg2: 40 }]).rc).toBe(-XenErrno.EINVAL);
    expect(checkInvariants(mmu)).toEqual([]);
  });
});

describe('mmuext_op: per-vCPU base pointers', () => {
  it('keys base pointers by (domain, vCPU); vCPU 0 keeps the old baseptr.get(domid) form', () => {
    const { mmu, mem } = machine();
    mem.write32(20, 0, pte(11));
    mem.write32(21, 0, pte(12));
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 20 }]).rc).toBe(0);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 21 }], { vcpu: 1 }).rc).toBe(0);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 20 }], { vcpu: 2 }).rc).toBe(0);
    expect([mmu.baseptr.get(DOM1), mmu.getBaseptr(DOM1, 1), mmu.getBaseptr(DOM1, 2)]).toEqual([20, 21, 20]);
    expect([mmu.ft.typeCount(20), mmu.ft.typeCount(21)]).toEqual([2, 1]);
    // the same base again: no reference change, still a CR3 reload
    const again = mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 20 }]);
    expect(again.actions.newBaseptr).toBe(20);
    expect(mmu.ft.typeCount(20)).toBe(2);
    expect(checkInvariants(mmu)).toEqual([]);
  });

  it('a base pointer switch drops the LDT frames mapped for that vCPU', () => {
    const { mmu, mem } = machine();
    mem.write32(20, 0, pte(11));
    mem.write32(21, 0, pte(11));
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 20 }, { cmd: C.MMUEXT_SET_LDT, arg1: 0x1000, arg2: 16 }]).rc).toBe(0);
    expect(mapLdtFrame(mmu, DOM1, 0, 7)).toBe(0);
    expect(mmuUpdate(mmu, DOM1, [ptUpdate(11, 0, pte(7, RW))]).rc).toBe(-XenErrno.EBUSY);
    expect(mmuextOp(mmu, DOM1, [{ cmd: C.MMUEXT_NEW_BASEPTR, arg1: 21 }]).rc).toBe(0);
    expect(mmu.ft.typeCount(7)).toBe(0);
    expect(mmu.ldt.get(DOM1)).toEqual({ va: 0x1000, ents: 16, frames: [] });
    expect(checkInvariants(mmu)).toEqual([]);
  });
});
