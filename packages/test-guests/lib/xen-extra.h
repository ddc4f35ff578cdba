/* xen-extra.h: parts of Xen's public interface the generated xen-ts-abi.h does not (yet) carry.
 * Values and i386 layouts from xen/include/public (xen.h, version.h, memory.h, vcpu.h,
 * callback.h, physdev.h, grant_table.h); each struct has a size check below. */
#ifndef XEN_EXTRA_H
#define XEN_EXTRA_H

/* version.h */
#define XENVER_version 0
#define XENVER_extraversion 1
#define XENVER_compile_info 2
#define XENVER_capabilities 3
#define XENVER_changeset 4
#define XENVER_platform_parameters 5
#define XENVER_get_features 6
#define XENVER_pagesize 7
#define XENFEAT_writable_page_tables 0
#define XENFEAT_writable_descriptor_tables 1
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_supervisor_mode_kernel 3
#define XENFEAT_pae_pgdir_above_4gb 4

/* memory.h */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_maximum_ram_page 2
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_populate_physmap 6

/* vcpu.h */
#define VCPUOP_initialise 0
#define VCPUOP_up 1
#define VCPUOP_down 2
#define VCPUOP_is_up 3
#define VCPUOP_get_runstate_info 4
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info 10
#define VCPUOP_send_nmi 11
#define VCPUOP_get_physid 12
#define VCPU_SSHOTTMR_future 1
#define RUNSTATE_running 0
#define RUNSTATE_runnable 1
#define RUNSTATE_blocked 2
#define RUNSTATE_offline 3

/* callback.h */
#define CALLBACKOP_register 0
#define CALLBACKOP_unregister 1
#define CALLBACKTYPE_event 0
#define CALLBACKTYPE_failsafe 1
#define CALLBACKTYPE_syscall 2
#define CALLBACKTYPE_nmi 4
#define CALLBACKF_mask_events 1

/* physdev.h */
#define PHYSDEVOP_set_iopl 6
#define PHYSDEVOP_set_iobitmap 7

/* Xen's own ring-0 selectors in the reserved GDT area (x86_32 Xen: __HYPERVISOR_CS/DS). */
#define XEN_HYPERVISOR_CS 0xE008
#define XEN_HYPERVISOR_DS 0xE010

#ifndef __ASSEMBLER__
#include <stdint.h>

struct xen_platform_parameters { uint32_t virt_start; };
struct xen_feature_info { uint32_t submap_idx; uint32_t submap; };

struct xen_memory_reservation {
    uint32_t extent_start; /* guest handle: pointer to xen_pfn_t[] */
    uint32_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    uint16_t domid;
};
_Static_assert(sizeof(struct xen_memory_reservation) == 20, "xen_memory_reservation is 20 bytes on i386");

struct vcpu_runstate_info {
    int32_t state;
    uint64_t state_entry_time;
    uint64_t time[4];
} __attribute__((packed));
_Static_assert(sizeof(struct vcpu_runstate_info) == 44, "vcpu_runstate_info is 44 bytes on i386");

struct vcpu_set_periodic_timer { uint64_t period_ns; } __attribute__((packed));
struct vcpu_set_singleshot_timer { uint64_t timeout_abs_ns; uint32_t flags; } __attribute__((packed));

struct callback_register {
    uint16_t type;
    uint16_t flags;
    uint32_t cs;  /* xen_callback_t on i386: {cs, eip} */
    uint32_t eip;
};
_Static_assert(sizeof(struct callback_register) == 12, "callback_register is 12 bytes on i386");

struct physdev_set_iopl { uint32_t iopl; };

struct gnttab_query_size {
    uint16_t dom;
    uint32_t nr_frames;
    uint32_t max_nr_frames;
    int16_t status;
};
_Static_assert(sizeof(struct gnttab_query_size) == 16, "gnttab_query_size is 16 bytes on i386");

struct gnttab_copy_ptr {
    uint32_t u; /* grant ref or gmfn */
    uint16_t domid;
    uint16_t offset;
};
struct gnttab_copy {
    struct gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;
    int16_t status;
};
_Static_assert(sizeof(struct gnttab_copy) == 24, "gnttab_copy is 24 bytes on i386");

#endif
#endif
