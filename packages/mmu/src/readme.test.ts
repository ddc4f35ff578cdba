// The README usage example, kept runnable.
import { MmuCmd, MmuextCmd, Uvmf } from '@xen-ts/abi';
import { expect, it } from 'vitest';
import { ArrayMachineMemory, Mmu, checkInvariants, mmuUpdate, mmuextOp, updateVaMapping } from './index.js';

it('README example', () => {
  const mem = new ArrayMachineMemory(64);
  const mmu = new Mmu({ frames: 64, memory: mem });
  for (let mfn = 0; mfn < 32; mfn++) mmu.ft.assign(mfn, 1);
  mem.write32(11, 0, (5 << 12) | 0x3);
  mem.write32(20, 0, (11 << 12) | 0x1);
  const r = mmuextOp(mmu, 1, [
    { cmd: MmuextCmd.MMUEXT_PIN_L2_TABLE, arg1: 20 },
    { cmd: MmuextCmd.MMUEXT_NEW_BASEPTR, arg1: 20 },
  ]);
  expect(r).toEqual({ done: 2, rc: 0, actions: { flushTlb: true, invlpg: [], newBaseptr: 20 } });
  const u = mmuUpdate(mmu, 1, [
    { ptr: BigInt(11 * 4096 + 4) | BigInt(MmuCmd.MMU_NORMAL_PT_UPDATE), val: BigInt((6 << 12) | 1) },
    { ptr: BigInt(11 * 4096 + 8), val: BigInt((20 << 12) | 3) },
  ]);
  expect(u).toEqual({ done: 1, rc: -16 });
  expect(checkInvariants(mmu)).toEqual([]);
});

it('README PAE example', () => {
  const mem = new ArrayMachineMemory(64);
  const m2p = new Uint32Array(64).fill(0xffffffff);
  const mmu = new Mmu({
    frames: 64,
    memory: mem,
    layout: 'pae',
    m2p,
    isPrivileged: (d) => d === 0,
    xenSlots: { fill: (_domid, l2) => mem.write32(l2, 2 * 428, (40 << 12) | 0x1) },
  });
  for (let mfn = 0; mfn < 32; mfn++) mmu.ft.assign(mfn, 1);
  const e = (i: number, mfn: number, flags: number, m: number) => mem.write32(m, 2 * i, (mfn << 12) | flags);
  e(0, 21, 0x1, 20);
  e(3, 22, 0x1, 20);
  e(0, 11, 0x7, 21);
  const r = mmuextOp(
    mmu,
    1,
    [
      { cmd: MmuextCmd.MMUEXT_PIN_L3_TABLE, arg1: 20 },
      { cmd: MmuextCmd.MMUEXT_NEW_BASEPTR, arg1: 20 },
    ],
    { vcpu: 1 },
  );
  expect([r.rc, r.actions.newBaseptr, mmu.getBaseptr(1, 1)]).toEqual([0, 20, 20]);
  expect(mem.read32(22, 2 * 428)).toBe((40 << 12) | 1);
  const v = updateVaMapping(mmu, 1, 1, 0x1000, (5 << 12) | 0x3, 0x80000000, Uvmf.UVMF_INVLPG);
  expect(v).toEqual({ rc: 0, actions: { flushTlb: false, invlpg: [0x1000] } });
  expect(mmu.m2p).toBe(m2p);
  expect(checkInvariants(mmu)).toEqual([]);
});
