// xen_version (hypercall 17) commands, their argument layouts and the XENFEAT bits
// (xen-abi.md §2.14; public/version.h, public/features.h).
import { defineStruct, f } from './struct.js';

/** `XENVER_*` commands (version.h). `XENVER_version` returns `major << 16 | minor`. */
export const XenVersionCmd = {
  XENVER_version: 0,
  XENVER_extraversion: 1,
  XENVER_compile_info: 2,
  XENVER_capabilities: 3,
  XENVER_changeset: 4,
  XENVER_platform_parameters: 5,
  XENVER_get_features: 6,
  XENVER_pagesize: 7,
  XENVER_guest_handle: 8,
  XENVER_commandline: 9,
  XENVER_build_id: 10,
} as const;

/** Sizes of the `char[]` answers (version.h: xen_extraversion_t, xen_capabilities_info_t, ...). */
export const XEN_EXTRAVERSION_LEN = 16;
export const XEN_CAPABILITIES_INFO_LEN = 1024;
export const XEN_CHANGESET_INFO_LEN = 64;
/** sizeof(xen_commandline_t) (version.h; Xen names no macro for it). */
export const XEN_COMMANDLINE_LEN = 1024;
/** sizeof(xen_domain_handle_t), a UUID, answered by XENVER_guest_handle (xen.h). */
export const XEN_DOMAIN_HANDLE_LEN = 16;

/** XENFEAT bit numbers in submap 0 of `XENVER_get_features` (features.h, §2.14). */
export const XenFeat = {
  XENFEAT_writable_page_tables: 0,
  XENFEAT_writable_descriptor_tables: 1,
  XENFEAT_auto_translated_physmap: 2,
  XENFEAT_supervisor_mode_kernel: 3,
  XENFEAT_pae_pgdir_above_4gb: 4,
  XENFEAT_mmu_pt_update_preserve_ad: 5,
  XENFEAT_highmem_assist: 6,
  XENFEAT_gnttab_map_avail_bits: 7,
  XENFEAT_hvm_callback_vector: 8,
  XENFEAT_hvm_safe_pvclock: 9,
  XENFEAT_hvm_pirqs: 10,
  XENFEAT_dom0: 11,
  XENFEAT_grant_map_identity: 12,
  XENFEAT_memory_op_vnode_supported: 13,
  XENFEAT_ARM_SMCCC_supported: 14,
  XENFEAT_linux_rsdp_unrestricted: 15,
  XENFEAT_not_direct_mapped: 16,
  XENFEAT_direct_mapped: 17,
  XENFEAT_runstate_phys_area: 18,
  XENFEAT_vcpu_time_phys_area: 19,
  XENFEAT_dm_msix_all_writes: 20,
} as const;

/** Feature submaps Xen offers: only submap 0 exists (features.h). */
export const XENFEAT_NR_SUBMAPS = 1;

/** XENVER_compile_info: four NUL-padded strings, 144 bytes. */
export const XEN_COMPILE_INFO = defineStruct('xen_compile_info', 144, {
  compiler: f(0, 'char', 64),
  compile_by: f(64, 'char', 16),
  compile_domain: f(80, 'char', 32),
  compile_date: f(112, 'char', 32),
});

/** XENVER_platform_parameters: `{xen_ulong_t virt_start}`, the start of the hypervisor hole. */
export const XEN_PLATFORM_PARAMETERS = defineStruct('xen_platform_parameters', 4, {
  virt_start: f(0, 'u32'),
});

/** XENVER_get_features: IN `submap_idx`, OUT the 32 feature bits of that submap. */
export const XEN_FEATURE_INFO = defineStruct('xen_feature_info', 8, {
  submap_idx: f(0, 'u32'),
  submap: f(4, 'u32'),
});

export const XEN_VERSION_STRUCTS = [XEN_COMPILE_INFO, XEN_PLATFORM_PARAMETERS, XEN_FEATURE_INFO] as const;
