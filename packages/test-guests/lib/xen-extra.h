/* xen-extra.h: facts about Xen that are not part of the guest ABI, so the generated
 * xen-ts-abi.h does not carry them. Everything the guest interface defines comes from there. */
#ifndef XEN_EXTRA_H
#define XEN_EXTRA_H

/* Xen's own ring-0 selectors in the reserved GDT area (xen-x86_32.h, only under __XEN__:
 * __HYPERVISOR_CS/DS). Guests use them only to check that they cannot load them. */
#define XEN_HYPERVISOR_CS 0xE008
#define XEN_HYPERVISOR_DS 0xE010

#endif
