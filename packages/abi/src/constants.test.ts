import { describe, expect, it } from 'vitest';
import { XenErrno, xenError, xenErrnoName } from './errno.js';
import {
  DomId,
  HYPERVISOR_VIRT_START_2L,
  HYPERVISOR_VIRT_START_PAE,
  MACH2PHYS_VIRT_END_2L,
  MACH2PHYS_VIRT_END_PAE,
  MACH2PHYS_VIRT_START_2L,
  MACH2PHYS_VIRT_START_PAE,
  mach2physEntries,
  Selector,
  FIRST_RESERVED_GDT_ENTRY,
  xenCr3ToPfn,
  xenPfnToCr3,
} from './layout.js';
import { MMU_UPDATE_PREEMPTED, MmuCmd, MmuextCmd, Uvmf } from './mmu-ops.js';
import { EvtchnOp, Virq } from './event-channel.js';
import { SchedOp, ShutdownReason } from './sched-ops.js';
import { GnttabOp, Gntst, Gtf } from './grant-table.js';
import { XsType } from './xenstore.js';
import { ElfNote } from './elf-notes.js';
import { SIF } from './start-info.js';
import { TI_SET_IF } from './trap-info.js';
import { RunState, VCPU_SSHOTTMR_future, VcpuOp } from './vcpu-op.js';
import { MEMOP_CMD_MASK, MemoryOp } from './memory-op.js';
import { CALLBACKF_mask_events, CallbackOp, CallbackType } from './callback.js';
import { XENFEAT_NR_SUBMAPS, XenFeat, XenVersionCmd } from './xen-version.js';
import { PhysdevOp } from './physdev.js';
import { CONSOLEIO_read, CONSOLEIO_write } from './console.js';
import { VmAssist } from './mmu-ops.js';

describe('errno (public/errno.h; values equal Linux)', () => {
  it('has the Xen/Linux numbers', () => {
    expect(XenErrno).toMatchObject({
      EPERM: 1,
      ENOENT: 2,
      ESRCH: 3,
      EAGAIN: 11,
      ENOMEM: 12,
      EACCES: 13,
      EFAULT: 14,
      EBUSY: 16,
      EEXIST: 17,
      EINVAL: 22,
      ENOSPC: 28,
      ENOSYS: 38,
      ENODATA: 61,
      ERESTART: 85,
      EOPNOTSUPP: 95,
      ETIMEDOUT: 110,
      ECONNREFUSED: 111,
    });
    expect(Object.keys(XenErrno)).toHaveLength(46);
  });
  it('returns negated values and maps results back to names', () => {
    expect(xenError('EINVAL')).toBe(-22);
    expect(xenErrnoName(-38)).toBe('ENOSYS');
    expect(xenErrnoName(0xffffffea)).toBe('EINVAL'); // EAX as unsigned
    expect(xenErrnoName(0)).toBeUndefined();
  });
});

describe('segments and layout (xen-abi.md §2.3, §2.0)', () => {
  it('has the flat selectors', () => {
    expect(Selector.FLAT_RING1_CS).toBe(0xe019);
    expect(Selector.FLAT_RING1_DS).toBe(0xe021);
    expect(Selector.FLAT_RING1_SS).toBe(0xe021);
    expect(Selector.FLAT_RING3_CS).toBe(0xe02b);
    expect(Selector.FLAT_RING3_DS).toBe(0xe033);
    expect(Selector.FLAT_KERNEL_CS).toBe(Selector.FLAT_RING1_CS);
    expect(Selector.FLAT_RING1_CS >> 3).toBe(7171);
    expect(Selector.FLAT_RING1_CS & 3).toBe(1);
    expect(Selector.FLAT_RING3_CS & 3).toBe(3);
    expect(FIRST_RESERVED_GDT_ENTRY).toBe(7168);
  });
  it('has both hypervisor holes and M2P areas', () => {
    expect(HYPERVISOR_VIRT_START_PAE).toBe(0xf5800000);
    expect(HYPERVISOR_VIRT_START_2L).toBe(0xfc000000);
    expect([MACH2PHYS_VIRT_START_PAE, MACH2PHYS_VIRT_END_PAE]).toEqual([0xf5800000, 0xf6800000]);
    expect([MACH2PHYS_VIRT_START_2L, MACH2PHYS_VIRT_END_2L]).toEqual([0xfc000000, 0xfc400000]);
    expect(mach2physEntries(MACH2PHYS_VIRT_START_2L, MACH2PHYS_VIRT_END_2L)).toBe(1 << 20);
  });
  it('packs PAE CR3 values and unpacks them', () => {
    expect(xenPfnToCr3(0x123)).toBe(0x123000);
    expect(xenPfnToCr3(0x100123)).toBe(0x00123001);
    expect(xenCr3ToPfn(xenPfnToCr3(0x100123))).toBe(0x100123);
  });
  it('has the special domain ids', () => {
    expect(DomId.DOMID_SELF).toBe(0x7ff0);
    expect(DomId.DOMID_INVALID).toBe(0x7ff4);
    expect(DomId.DOMID_IDLE).toBe(0x7fff);
  });
});

describe('command numbers', () => {
  it('mmu (§2.8)', () => {
    expect(MmuCmd.MMU_PT_UPDATE_PRESERVE_AD).toBe(2);
    expect(MMU_UPDATE_PREEMPTED).toBe(2 ** 31); // ~(~0U >> 1)
    expect(MmuextCmd.MMUEXT_PIN_L3_TABLE).toBe(2);
    expect(MmuextCmd.MMUEXT_NEW_BASEPTR).toBe(5);
    expect(MmuextCmd.MMUEXT_SET_LDT).toBe(13);
    expect(MmuextCmd.MMUEXT_UNMARK_SUPER).toBe(20);
    expect(Uvmf.UVMF_ALL).toBe(4);
    expect(Uvmf.UVMF_INVLPG).toBe(2);
  });
  it('event channels and VIRQs (§2.9)', () => {
    expect(EvtchnOp.EVTCHNOP_send).toBe(4);
    expect(EvtchnOp.EVTCHNOP_alloc_unbound).toBe(6);
    expect(EvtchnOp.EVTCHNOP_unmask).toBe(9);
    expect(Virq.VIRQ_TIMER).toBe(0);
    expect(Virq.VIRQ_CON_RING).toBe(8);
    expect(Virq.NR_VIRQS).toBe(24);
  });
  it('sched_op (§2.10)', () => {
    expect(SchedOp.SCHEDOP_block).toBe(1);
    expect(SchedOp.SCHEDOP_shutdown).toBe(2);
    expect(ShutdownReason.SHUTDOWN_crash).toBe(3);
  });
  it('vcpu_op and runstates (§2.11)', () => {
    expect(VcpuOp.VCPUOP_initialise).toBe(0);
    expect(VcpuOp.VCPUOP_get_runstate_info).toBe(4);
    expect(VcpuOp.VCPUOP_set_periodic_timer).toBe(6);
    expect(VcpuOp.VCPUOP_stop_singleshot_timer).toBe(9);
    expect(VcpuOp.VCPUOP_register_vcpu_info).toBe(10);
    expect(VcpuOp.VCPUOP_get_physid).toBe(12);
    expect(VcpuOp.VCPUOP_register_vcpu_time_phys_area).toBe(15);
    expect(Object.values(VcpuOp)).toEqual([...Array(16).keys()]);
    expect(RunState).toEqual({ RUNSTATE_running: 0, RUNSTATE_runnable: 1, RUNSTATE_blocked: 2, RUNSTATE_offline: 3 });
    expect(VCPU_SSHOTTMR_future).toBe(1);
  });
  it('memory_op (§2.12)', () => {
    expect(MemoryOp.XENMEM_increase_reservation).toBe(0);
    expect(MemoryOp.XENMEM_decrease_reservation).toBe(1);
    expect(MemoryOp.XENMEM_maximum_ram_page).toBe(2);
    expect(MemoryOp.XENMEM_current_reservation).toBe(3);
    expect(MemoryOp.XENMEM_maximum_reservation).toBe(4);
    expect(MemoryOp.XENMEM_populate_physmap).toBe(6);
    expect(MemoryOp.XENMEM_add_to_physmap).toBe(7);
    expect(MemoryOp.XENMEM_memory_map).toBe(9);
    expect(MemoryOp.XENMEM_exchange).toBe(11);
    expect(MemoryOp.XENMEM_remove_from_physmap).toBe(15);
    expect(Object.values(MemoryOp)).not.toContain(8); // 8 is retired in memory.h
    expect(MEMOP_CMD_MASK).toBe(63);
  });
  it('callback_op (§2.6)', () => {
    expect(CallbackOp).toEqual({ CALLBACKOP_register: 0, CALLBACKOP_unregister: 1 });
    expect(CallbackType).toEqual({
      CALLBACKTYPE_event: 0,
      CALLBACKTYPE_failsafe: 1,
      CALLBACKTYPE_syscall: 2,
      CALLBACKTYPE_sysenter_deprecated: 3,
      CALLBACKTYPE_nmi: 4,
      CALLBACKTYPE_sysenter: 5,
      CALLBACKTYPE_syscall32: 7,
    });
    expect(CALLBACKF_mask_events).toBe(1);
  });
  it('xen_version, XENFEAT, console_io, physdev_op (§2.14)', () => {
    expect(XenVersionCmd.XENVER_version).toBe(0);
    expect(XenVersionCmd.XENVER_platform_parameters).toBe(5);
    expect(XenVersionCmd.XENVER_get_features).toBe(6);
    expect(XenVersionCmd.XENVER_pagesize).toBe(7);
    expect(XenVersionCmd.XENVER_commandline).toBe(9);
    expect(XenVersionCmd.XENVER_build_id).toBe(10);
    expect(XenFeat.XENFEAT_writable_page_tables).toBe(0);
    expect(XenFeat.XENFEAT_auto_translated_physmap).toBe(2);
    expect(XenFeat.XENFEAT_pae_pgdir_above_4gb).toBe(4);
    expect(XenFeat.XENFEAT_dom0).toBe(11);
    expect(XenFeat.XENFEAT_dm_msix_all_writes).toBe(20);
    expect(new Set(Object.values(XenFeat)).size).toBe(21); // bits 0..20, each once
    expect(XENFEAT_NR_SUBMAPS).toBe(1);
    expect([CONSOLEIO_write, CONSOLEIO_read]).toEqual([0, 1]);
    expect(PhysdevOp.PHYSDEVOP_irq_status_query).toBe(5);
    expect(PhysdevOp.PHYSDEVOP_set_iopl).toBe(6);
    expect(PhysdevOp.PHYSDEVOP_set_iobitmap).toBe(7);
    expect(PhysdevOp.PHYSDEVOP_eoi).toBe(12);
    expect(PhysdevOp.PHYSDEVOP_map_pirq).toBe(13);
    expect(PhysdevOp.PHYSDEVOP_unmap_pirq).toBe(14);
  });
  it('vm_assist (§2.8)', () => {
    expect([VmAssist.VMASST_CMD_enable, VmAssist.VMASST_CMD_disable]).toEqual([0, 1]);
    expect(VmAssist.VMASST_TYPE_writable_pagetables).toBe(2);
    expect(VmAssist.VMASST_TYPE_pae_extended_cr3).toBe(3);
    expect(VmAssist.VMASST_TYPE_m2p_strict).toBe(32);
  });
  it('grant tables (§2.13)', () => {
    expect(GnttabOp.GNTTABOP_setup_table).toBe(2);
    expect(GnttabOp.GNTTABOP_copy).toBe(5);
    expect(Gtf.GTF_permit_access).toBe(1);
    expect(Gtf.GTF_readonly).toBe(4);
    expect(Gtf.GTF_sub_page).toBe(256);
    expect(Gntst.GNTST_no_space).toBe(-13);
  });
  it('xenstore (§2.19)', () => {
    expect(XsType.XS_READ).toBe(2);
    expect(XsType.XS_WRITE).toBe(11);
    expect(XsType.XS_WATCH_EVENT).toBe(15);
    expect(XsType.XS_ERROR).toBe(16);
    expect(XsType.XS_SET_QUOTA).toBe(26);
    expect(XsType.XS_INVALID).toBe(0xffff);
  });
  it('ELF notes (§2.21)', () => {
    expect(ElfNote.XEN_ELFNOTE_ENTRY).toBe(1);
    expect(ElfNote.XEN_ELFNOTE_HYPERCALL_PAGE).toBe(2);
    expect(ElfNote.XEN_ELFNOTE_PAE_MODE).toBe(9);
    expect(ElfNote.XEN_ELFNOTE_HV_START_LOW).toBe(12);
    expect(ElfNote.XEN_ELFNOTE_PHYS32_RELOC).toBe(19);
    expect(ElfNote.XEN_ELFNOTE_MAX).toBe(19);
  });
  it('flags (§2.4, §2.7)', () => {
    expect(SIF.SIF_INITDOMAIN).toBe(2);
    expect(SIF.SIF_PM_MASK).toBe(0xff00);
    expect(TI_SET_IF).toBe(4);
  });
});
