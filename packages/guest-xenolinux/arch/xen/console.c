/* console.c: the console. Before the ring is up (and always in dom0) output goes through
 * HYPERVISOR_console_io; afterwards through the PV console ring of start_info.console
 * (io/console.h, xen-abi.md 2.18): out[] with free-running out_prod/out_cons, in[] likewise,
 * an event on console_evtchn after producing. */
#include "xen-arch.h"
#include "arch.h"

static volatile struct xencons_interface *ring;
static uint32_t console_port;

void xen_console_early_write(const char *s, size_t n)
{
    HYPERVISOR_console_io(CONSOLEIO_write, n, s);
}

void xen_console_ring_init(void)
{
    if (xen_start_info->flags & SIF_INITDOMAIN) return; /* dom0: console_io only */
    uint32_t mfn = xen_start_info->console_mfn;
    uint32_t pfn = mfn_to_pfn(mfn);
    if (pfn >= xen_start_info->nr_pages || pfn_to_mfn(pfn) != mfn) return;
    console_port = xen_start_info->console_evtchn;
    ring = (volatile struct xencons_interface *)pfn_to_virt(pfn);
}

/* `earlyprintk=xen`: everything also goes to Xen's own log through console_io (Linux's
 * xen early console), which survives a domain that dies with its ring undrained. */
bool xen_console_mirror;

void arch_console_write(const char *s, size_t n)
{
    if (xen_console_mirror && ring) xen_console_early_write(s, n);
    if (!ring) {
        xen_console_early_write(s, n);
        return;
    }
    size_t sent = 0;
    while (sent < n) {
        uint32_t cons = ring->out_cons, prod = ring->out_prod;
        barrier();
        size_t space = sizeof(ring->out) - (prod - cons);
        if (space == 0) {
            /* The backend drains when notified and signals back; sleep until then (or the
             * next timer tick). */
            xen_evtchn_notify(console_port);
            arch_idle();
            continue;
        }
        while (space-- && sent < n) {
            ring->out[prod & (sizeof(ring->out) - 1)] = s[sent++];
            prod++;
        }
        barrier();   /* data before index (io/console.h: wmb) */
        ring->out_prod = prod;
    }
    xen_evtchn_notify(console_port);
}

size_t arch_console_read(char *buf, size_t n)
{
    if (!ring) return 0;
    uint32_t cons = ring->in_cons, prod = ring->in_prod;
    barrier();
    size_t got = 0;
    while (cons != prod && got < n) buf[got++] = ring->in[cons++ & (sizeof(ring->in) - 1)];
    barrier();
    ring->in_cons = cons;
    if (got) xen_evtchn_notify(console_port);
    return got;
}

void arch_early_console(const char *how)
{
    if (strcmp(how, "xen") == 0) xen_console_mirror = true;
}

/* Before the domain goes away: give the backend the chance to take what is in the ring. */
void xen_console_drain(void)
{
    for (int tries = 0; ring && tries < 100 && ring->out_cons != ring->out_prod; tries++) {
        xen_evtchn_notify(console_port);
        arch_idle();
    }
}
