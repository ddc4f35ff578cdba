// Hypercall convention and numbers for 32-bit PV guests (xen-abi.md §2.1, §2.2; xen.h,
// arch-x86/xen-x86_32.h).

/** `int $0x82`; its IDT gate has DPL 1 (§2.1). */
export const HYPERCALL_VECTOR = 0x82;

/** Each hypercall-page entry is 32 bytes: entry i at hypercall_page + i*32 (§2.1). */
export const HYPERCALL_ENTRY_SIZE = 32;
export const HYPERCALL_PAGE_SIZE = 4096;

/** Hypercall numbers, `__HYPERVISOR_<name>` in xen.h (§2.2). */
export const Hypercall = {
  set_trap_table: 0,
  mmu_update: 1,
  set_gdt: 2,
  stack_switch: 3,
  set_callbacks: 4,
  fpu_taskswitch: 5,
  sched_op_compat: 6,
  platform_op: 7,
  set_debugreg: 8,
  get_debugreg: 9,
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
  set_segment_base: 25,
  mmuext_op: 26,
  xsm_op: 27,
  nmi_op: 28,
  sched_op: 29,
  callback_op: 30,
  xenoprof_op: 31,
  event_channel_op: 32,
  physdev_op: 33,
  hvm_op: 34,
  sysctl: 35,
  domctl: 36,
  kexec_op: 37,
  tmem_op: 38,
  argo_op: 39,
  xenpmu_op: 40,
  dm_op: 41,
  hypfs_op: 42,
  arch_0: 48,
  arch_1: 49,
  arch_2: 50,
  arch_3: 51,
  arch_4: 52,
  arch_5: 53,
  arch_6: 54,
  arch_7: 55,
} as const;
export type HypercallName = keyof typeof Hypercall;

/** Address of hypercall `nr`'s stub in the hypercall page. */
export function hypercallEntryAddress(hypercallPage: number, nr: number): number {
  return (hypercallPage + nr * HYPERCALL_ENTRY_SIZE) >>> 0;
}

/**
 * The 32 bytes of hypercall-page entry `nr` as Xen fills them for a 32-bit guest (§2.1):
 * `mov $nr,%eax; int $0x82; ret`, except entry 23 (iret): `push %eax; mov $23,%eax; int $0x82`
 * with no ret. The remaining bytes are `int3` padding (0xCC).
 */
export function hypercallEntryBytes(nr: number): Uint8Array {
  const b = new Uint8Array(HYPERCALL_ENTRY_SIZE).fill(0xcc);
  let i = 0;
  if (nr === Hypercall.iret) b[i++] = 0x50; // push %eax
  b[i++] = 0xb8; // mov $imm32,%eax
  b[i++] = nr & 0xff;
  b[i++] = (nr >>> 8) & 0xff;
  b[i++] = (nr >>> 16) & 0xff;
  b[i++] = (nr >>> 24) & 0xff;
  b[i++] = 0xcd; // int $0x82
  b[i++] = HYPERCALL_VECTOR;
  if (nr !== Hypercall.iret) b[i++] = 0xc3; // ret
  return b;
}

/** A whole 4 KiB hypercall page (128 entries). */
export function buildHypercallPage(): Uint8Array {
  const page = new Uint8Array(HYPERCALL_PAGE_SIZE);
  for (let nr = 0; nr < HYPERCALL_PAGE_SIZE / HYPERCALL_ENTRY_SIZE; nr++) {
    page.set(hypercallEntryBytes(nr), nr * HYPERCALL_ENTRY_SIZE);
  }
  return page;
}
