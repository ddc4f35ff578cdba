/* xenstore-ring: one XS_READ of the relative path "name" (= /local/domain/<domid>/name) over the
 * xenstore ring (xen-abi.md 2.19): request {type, req_id, tx_id, len} + "name\0" into req[] at
 * req_prod, barrier, advance req_prod, notify on start_info.store_evtchn; wait for the reply in
 * rsp[], consume it by advancing rsp_cons, notify again. */
#include "xtf.h"

static volatile struct xenstore_domain_interface *xs;

static void ring_write(const void *data, uint32_t len)
{
    const char *p = data;
    for (uint32_t i = 0; i < len; i++) xs->req[(xs->req_prod + i) & (XENSTORE_RING_SIZE - 1)] = p[i];
    mb();
    xs->req_prod += len;
}

static bool ring_read(void *data, uint32_t len, uint64_t deadline)
{
    while (xs->rsp_prod - xs->rsp_cons < len) {
        if (system_time_ns() > deadline) return false;
        sched_yield();
    }
    mb();
    char *p = data;
    for (uint32_t i = 0; i < len; i++) p[i] = xs->rsp[(xs->rsp_cons + i) & (XENSTORE_RING_SIZE - 1)];
    mb();
    xs->rsp_cons += len;
    return true;
}

XTF_TEST_MAIN
{
    uint32_t mfn = start_info->store_mfn;
    unsigned int port = start_info->store_evtchn;
    xtf_check(mfn != 0 && port != 0, "xenstore-ring-present", "mfn 0x%x evtchn %u", mfn, port);
    if (!mfn) return;
    xs = mfn_to_virt(mfn);
    if (pfn_of((void *)xs) >= start_info->nr_pages || !(read_pte((uint32_t)xs) & _PAGE_PRESENT)) xs = map_mfn(mfn, L1_PROT);
    if (!xs) { xtf_fail("xenstore-ring-mapped", "could not map mfn 0x%x", mfn); return; }

    const char path[] = "name";
    struct xsd_sockmsg req = { .type = XS_READ, .req_id = 0x51, .tx_id = 0, .len = sizeof(path) };
    ring_write(&req, sizeof(req));
    ring_write(path, sizeof(path));
    xtf_check_rc("xenstore-evtchn-send", evtchn_send(port), 0);

    struct xsd_sockmsg rsp;
    uint64_t deadline = system_time_ns() + MS(1000);
    bool got = ring_read(&rsp, sizeof(rsp), deadline);
    xtf_check(got, "xenstore-reply-header", "no reply within 1 s");
    if (!got) return;
    char value[129];
    uint32_t n = rsp.len < sizeof(value) - 1 ? rsp.len : sizeof(value) - 1;
    got = ring_read(value, n, deadline);
    if (rsp.len > n) { char sink[64]; for (uint32_t left = rsp.len - n; left;) { uint32_t k = left < 64 ? left : 64; ring_read(sink, k, deadline); left -= k; } }
    value[got ? n : 0] = 0;
    evtchn_send(port);
    printk("xenstore: read name -> type %u '%s'\n", rsp.type, value);
    xtf_check(rsp.type == XS_READ && rsp.req_id == 0x51 && rsp.tx_id == 0, "xenstore-reply-matches",
              "type %u req_id 0x%x tx_id %u", rsp.type, rsp.req_id, rsp.tx_id);
    xtf_check(got && n > 0, "xenstore-name-nonempty", "empty value");
}
