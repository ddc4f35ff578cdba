import { describe, expect, it } from 'vitest';
import {
  buildHypercallPage,
  Hypercall,
  HYPERCALL_ENTRY_SIZE,
  HYPERCALL_VECTOR,
  hypercallEntryAddress,
  hypercallEntryBytes,
} from './hypercalls.js';

describe('hypercall convention (xen-abi.md §2.1)', () => {
  it('uses int $0x82 and 32-byte hypercall-page entries', () => {
    expect(HYPERCALL_VECTOR).toBe(0x82);
    expect(HYPERCALL_ENTRY_SIZE).toBe(32);
    expect(hypercallEntryAddress(0xc0002000, Hypercall.sched_op)).toBe(0xc0002000 + 29 * 32);
  });

  it('fills an ordinary entry with mov $i,%eax; int $0x82; ret', () => {
    expect([...hypercallEntryBytes(Hypercall.mmu_update).subarray(0, 8)]).toEqual([
      0xb8, 1, 0, 0, 0, 0xcd, 0x82, 0xc3,
    ]);
  });

  it('makes entry 23 (iret) push %eax; mov $23,%eax; int $0x82 with no ret', () => {
    expect([...hypercallEntryBytes(Hypercall.iret).subarray(0, 9)]).toEqual([
      0x50, 0xb8, 23, 0, 0, 0, 0xcd, 0x82, 0xcc,
    ]);
  });

  it('builds a 4 KiB page with entry i at i*32', () => {
    const page = buildHypercallPage();
    expect(page.length).toBe(4096);
    expect(page[Hypercall.event_channel_op * 32 + 1]).toBe(32);
  });
});

describe('hypercall numbers (xen-abi.md §2.2)', () => {
  it('matches xen.h', () => {
    expect(Hypercall).toMatchObject({
      set_trap_table: 0,
      mmu_update: 1,
      set_gdt: 2,
      stack_switch: 3,
      set_callbacks: 4,
      fpu_taskswitch: 5,
      sched_op_compat: 6,
      platform_op: 7,
      update_descriptor: 10,
      memory_op: 12,
      multicall: 13,
      update_va_mapping: 14,
      set_timer_op: 15,
      event_channel_op_compat: 16,
      xen_version: 17,
      console_io: 18,
      physdev_op_compat: 19,
      grant_table_op: 20,
      vm_assist: 21,
      update_va_mapping_otherdomain: 22,
      iret: 23,
      vcpu_op: 24,
      mmuext_op: 26,
      sched_op: 29,
      callback_op: 30,
      event_channel_op: 32,
      physdev_op: 33,
      domctl: 36,
      hypfs_op: 42,
      arch_0: 48,
      arch_7: 55,
    });
    expect('11' in Hypercall).toBe(false);
    expect(new Set(Object.values(Hypercall)).size).toBe(Object.keys(Hypercall).length);
  });
});
