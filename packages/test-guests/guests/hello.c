/* hello: console_io, xen_version, start_info sanity, the read-only M2P.
 * Also built as hello-legacy, whose image carries only a `__xen_guest` section (head.S). */
#include "xtf.h"

static void write_m2p(void *arg)
{
    *(volatile uint32_t *)arg = 0x12345678;
}

XTF_TEST_MAIN
{
    const char msg[] = "hello from the console\n";
    xtf_check(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg) >= 0, "console_io-write", "failed");

    long v = HYPERVISOR_xen_version(XENVER_version, NULL);
    xtf_check(v >= 0x30000, "xen_version-version", "version %ld.%ld", v >> 16, v & 0xFFFF);
    printk("xen version %ld.%ld\n", v >> 16, v & 0xFFFF);

    struct xen_feature_info fi = { .submap_idx = 0 };
    long rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
    xtf_check(rc == 0 && !(fi.submap & (1U << XENFEAT_auto_translated_physmap)), "xen_version-get_features",
              "rc %ld submap 0x%x (a PV guest is not auto-translated)", rc, fi.submap);

    xtf_check_rc("xen_version-pagesize", HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096);

    struct xen_platform_parameters pp = { 0 };
    rc = HYPERVISOR_xen_version(XENVER_platform_parameters, &pp);
    /* virt_start is the start of the hypervisor hole, i.e. the M2P base for 32-bit guests. */
    xtf_check(rc == 0 && pp.virt_start == HYPERVISOR_VIRT_START, "xen_version-platform_parameters",
              "rc %ld virt_start %p", rc, (void *)pp.virt_start);

    const char *want = CONFIG_PAE ? "xen-3.0-x86_32p" : "xen-3.0-x86_32";
    xtf_check(!strcmp(start_info->magic, want), "start_info-magic", "'%s', expected '%s'", start_info->magic, want);
    xtf_check(start_info->nr_pages >= 256 && start_info->nr_pages < 0x100000, "start_info-nr_pages", "%u",
              (unsigned int)start_info->nr_pages);
    xtf_check(start_info->pt_base >= VIRT_BASE && start_info->nr_pt_frames >= 1 &&
              start_info->mfn_list >= VIRT_BASE, "start_info-pointers",
              "pt_base %p nr_pt_frames %u mfn_list %p", (void *)start_info->pt_base,
              (unsigned int)start_info->nr_pt_frames, (void *)start_info->mfn_list);
    xtf_check((uint32_t)start_info >= (uint32_t)_end, "start_info-after-image", "%p", (void *)start_info);

    /* Every P2M entry must round-trip through the read-only M2P. */
    const uint32_t *p2m = (const uint32_t *)start_info->mfn_list;
    unsigned int bad = 0, first_bad = 0;
    for (unsigned int pfn = 0; pfn < start_info->nr_pages; pfn++) {
        if (machine_to_phys_mapping[p2m[pfn]] != pfn) { if (!bad) first_bad = pfn; bad++; }
    }
    xtf_check(!bad, "p2m-matches-m2p", "%u mismatches, first pfn %u", bad, first_bad);
    /* The builder filled the hypercall page (2.1): entry i is `mov $i,%eax; int $0x82; ret`. */
    const uint8_t *hc = (const uint8_t *)hypercall_page + __HYPERVISOR_xen_version * 32;
    xtf_check(hc[0] == 0xB8 && hc[1] == __HYPERVISOR_xen_version && hc[2] == 0 && hc[5] == 0xCD && hc[6] == 0x82 &&
              hc[7] == 0xC3, "hypercall-page-filled", "entry 17: %x %x %x %x %x %x %x %x", hc[0], hc[1], hc[2], hc[3],
              hc[4], hc[5], hc[6], hc[7]);

    /* The M2P is read-only to the guest: a write is a #PF with P and W set (ring 1 is supervisor). */
    uint32_t target = MACH2PHYS_VIRT_START + 4 * p2m[0];
    expect_fault("m2p-write-faults", write_m2p, (void *)target, X86_EXC_PF, PF_PRESENT | PF_WRITE, target);
    xtf_check(machine_to_phys_mapping[p2m[0]] == 0, "m2p-unchanged", "m2p[%u] = %u", p2m[0],
              machine_to_phys_mapping[p2m[0]]);
}
