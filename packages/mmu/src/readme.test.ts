// The README usage example, kept runnable.
import { MmuCmd, MmuextCmd } from '@xen-ts/abi';
import { expect, it } from 'vitest';
import { ArrayMachineMemory, Mmu, checkInvariants, mmuUpdate, mmuextOp } from './index.js';

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
  expect(u).toEqual({ done: 1, rc: -22 });
  expect(checkInvariants(mmu)).toEqual([]);
});
