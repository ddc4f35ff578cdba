/* events.c: the 2-level event-channel dispatcher (xen-abi.md 2.6).
 * Upcall: clear evtchn_upcall_pending, exchange evtchn_pending_sel with 0, and for each set bit w
 * scan pending[w] & ~mask[w], clearing each pending bit before dispatching. Repeat while
 * upcall_pending was set again meanwhile. */
#include "xtf.h"

static evtchn_handler_t handlers[EVTCHN_2L_NR_CHANNELS];
volatile unsigned int upcall_count;
volatile unsigned int port_count[EVTCHN_2L_NR_CHANNELS];
volatile unsigned int failsafe_count;
volatile struct failsafe_frame failsafe_last;

void events_init(void)
{
    long rc = HYPERVISOR_set_callbacks(FLAT_RING1_CS, (unsigned long)event_upcall_entry,
                                       FLAT_RING1_CS, (unsigned long)failsafe_entry);
    if (rc) printk("XTF-FAIL init: set_callbacks failed (%ld)\n", rc);
}

void evtchn_set_handler(unsigned int port, evtchn_handler_t h)
{
    if (port < EVTCHN_2L_NR_CHANNELS) handlers[port] = h;
}

static inline void bit_clear(volatile uint32_t *w, unsigned int b)
{ __asm__ volatile("lock btrl %1,%0" : "+m"(*w) : "Ir"(b) : "memory"); }
static inline void bit_set(volatile uint32_t *w, unsigned int b)
{ __asm__ volatile("lock btsl %1,%0" : "+m"(*w) : "Ir"(b) : "memory"); }

void evtchn_clear(unsigned int port) { bit_clear(&shared->evtchn_pending[port / 32], port % 32); }
void evtchn_mask(unsigned int port) { bit_set(&shared->evtchn_mask[port / 32], port % 32); }
bool evtchn_is_pending(unsigned int port) { return (shared->evtchn_pending[port / 32] >> (port % 32)) & 1; }

void evtchn_unmask_local(unsigned int port)
{
    bit_clear(&shared->evtchn_mask[port / 32], port % 32);
    /* The edge was lost while masked (2.6): re-raise it locally, as Linux's unmask_evtchn does. */
    if (evtchn_is_pending(port)) {
        bit_set((volatile uint32_t *)&vcpu0->evtchn_pending_sel, port / 32);
        vcpu0->evtchn_upcall_pending = 1;
        if (!vcpu0->evtchn_upcall_mask) HYPERVISOR_xen_version(XENVER_version, NULL);
    }
}

void upcall_unmask(void)
{
    barrier();
    vcpu0->evtchn_upcall_mask = 0;
    mb();
    /* Any hypercall makes Xen check for pending events on its way out (xen_force_evtchn_callback). */
    if (vcpu0->evtchn_upcall_pending) HYPERVISOR_xen_version(XENVER_version, NULL);
}

void do_event_upcall(struct cpu_frame *f);
void do_event_upcall(struct cpu_frame *f)
{
    upcall_count++;
    do {
        vcpu0->evtchn_upcall_pending = 0;
        uint32_t sel = __atomic_exchange_n((uint32_t *)&vcpu0->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned int w = (unsigned int)__builtin_ctz(sel);
            sel &= sel - 1;
            uint32_t bits = shared->evtchn_pending[w] & ~shared->evtchn_mask[w];
            while (bits) {
                unsigned int b = (unsigned int)__builtin_ctz(bits);
                bits &= bits - 1;
                unsigned int port = w * 32 + b;
                bit_clear(&shared->evtchn_pending[w], b);
                port_count[port]++;
                if (handlers[port]) handlers[port](port, f);
            }
        }
    } while (vcpu0->evtchn_upcall_pending);
}

/* Failsafe: Xen could not restore a segment register (or iret) on the way back. Tests that expect
 * it register a hook; otherwise the frame is recorded and we return with clean selectors. */
void (*failsafe_hook)(volatile struct failsafe_frame *f);
void do_failsafe(struct failsafe_frame *f);
void do_failsafe(struct failsafe_frame *f)
{
    failsafe_count++;
    failsafe_last = *f;
    if (failsafe_hook) failsafe_hook(f);
}
