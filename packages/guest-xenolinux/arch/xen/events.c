/* events.c: event channels. The upcall (hypervisor_callback in entry.S) runs the 2-level
 * dispatch of xen-abi.md 2.6: clear upcall_pending, take pending_sel, then for each selected word
 * the pending-and-unmasked bits, clearing each before its handler runs. */
#include "xen-arch.h"
#include "ptrace.h"

static void (*handlers[EVTCHN_2L_NR_CHANNELS])(uint32_t port);

static inline uint32_t xchg32(volatile uint32_t *p, uint32_t v)
{
    __asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}
static inline void clear_bit(volatile uint32_t *w, uint32_t bit)
{
    __asm__ volatile("lock btrl %1, %0" : "+m"(*w) : "r"(bit) : "memory");
}

void xen_evtchn_notify(uint32_t port)
{
    struct evtchn_send s = { .port = port };
    HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

static void unmask_port(uint32_t port)
{
    struct evtchn_unmask u = { .port = port };
    HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
}

int xen_bind_virq(uint32_t virq, void (*handler)(uint32_t port))
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = 0 };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b);
    if (rc < 0) return (int)rc;
    handlers[b.port] = handler;
    unmask_port(b.port);
    return (int)b.port;
}

static void console_event(uint32_t port) { (void)port; /* readers poll the ring after waking */ }

void xen_events_init(void)
{
    /* Everything masked except what we bind (Linux: xen_init_IRQ masks all ports). */
    for (unsigned i = 0; i < 32; i++) HYPERVISOR_shared_info->evtchn_mask[i] = ~0u;
    extern void hypervisor_callback(void), failsafe_callback(void);
    long rc = HYPERVISOR_set_callbacks(FLAT_RING1_CS, (unsigned long)hypervisor_callback,
                                       FLAT_RING1_CS, (unsigned long)failsafe_callback);
    if (rc) panic("xenolinux: set_callbacks failed (%ld)", rc);
    if (!(xen_start_info->flags & SIF_INITDOMAIN) && xen_start_info->console_evtchn) {
        handlers[xen_start_info->console_evtchn] = console_event;
        unmask_port(xen_start_info->console_evtchn);
    }
}

void xen_irq_enable(void)
{
    struct vcpu_info *v = this_vcpu();
    v->evtchn_upcall_mask = 0;
    barrier();
    /* An event that arrived while masked is delivered by any hypercall's return path. */
    if (v->evtchn_upcall_pending) _hypercall2(17, 0, 0); /* xen_version(XENVER_version) */
}

/* The frame the current upcall interrupted (Linux's get_irq_regs), for the timer's accounting. */
struct pt_regs *xen_irq_regs;

void do_hypervisor_callback(struct pt_regs *regs)
{
    xen_irq_regs = regs;
    struct vcpu_info *v = this_vcpu();
    struct shared_info *s = HYPERVISOR_shared_info;
    while (v->evtchn_upcall_pending) {
        v->evtchn_upcall_pending = 0;
        uint32_t sel = xchg32(&v->evtchn_pending_sel, 0);
        while (sel) {
            uint32_t w = __builtin_ctz(sel);
            sel &= sel - 1;
            uint32_t bits;
            while ((bits = s->evtchn_pending[w] & ~s->evtchn_mask[w]) != 0) {
                uint32_t b = __builtin_ctz(bits);
                uint32_t port = w * 32 + b;
                clear_bit(&s->evtchn_pending[w], b);
                if (handlers[port]) handlers[port](port);
            }
        }
    }
}

void arch_local_irq_disable(void) { xen_irq_disable(); }
