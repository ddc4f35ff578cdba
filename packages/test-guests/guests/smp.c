/* smp: a second vCPU (xen-abi.md 2.7 vcpu_guest_context, 2.11 vcpu_op). Xen (common/domain.c):
 * VCPUOP_up of a vCPU never initialised is -EINVAL; VCPUOP_initialise takes a vcpu_guest_context
 * (2800 bytes on i386) and refuses a vCPU that already has one (-EEXIST); the vCPU then runs from
 * the context's registers on the table in ctrlreg[3], with its own trap table and callbacks, and
 * can take itself down with VCPUOP_down. Run with vcpus=2 (the host's TEST_GUESTS entry). */
#include "xtf.h"

struct smp_vcpu_context {
    uint8_t fpu_ctxt[512];
    uint32_t flags;
    struct {
        uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
        uint16_t error_code, entry_vector;
        uint32_t eip;
        uint16_t cs;
        uint8_t saved_upcall_mask, pad0;
        uint32_t eflags, esp;
        uint16_t ss, pad1, es, pad2, ds, pad3, fs, pad4, gs, pad5;
    } user_regs;
    struct trap_info trap_ctxt[256];
    uint32_t ldt_base, ldt_ents;
    uint32_t gdt_frames[16], gdt_ents;
    uint32_t kernel_ss, kernel_sp;
    uint32_t ctrlreg[8], debugreg[8];
    uint32_t event_callback_cs, event_callback_eip;
    uint32_t failsafe_callback_cs, failsafe_callback_eip;
    uint32_t vm_assist;
};
_Static_assert(sizeof(struct smp_vcpu_context) == 2800, "vcpu_guest_context is 2800 bytes on i386");
_Static_assert(__builtin_offsetof(struct smp_vcpu_context, user_regs) == 516, "user_regs");
_Static_assert(__builtin_offsetof(struct smp_vcpu_context, ctrlreg) == 2716, "ctrlreg");
_Static_assert(__builtin_offsetof(struct smp_vcpu_context, event_callback_cs) == 2780, "callbacks");

#define VGCF_in_kernel (1U << 2)
#define VGCF_online (1U << 5)

static struct smp_vcpu_context ctx;
static char secondary_stack[8192] __attribute__((aligned(16)));
static char secondary_kstack[4096] __attribute__((aligned(16)));
static volatile unsigned int secondary_count, secondary_stop, secondary_cs, secondary_vcpu_up;

static void __attribute__((noreturn, used)) secondary_main(void)
{
    secondary_cs = read_cs();
    while (!secondary_stop) {
        secondary_count++;
        sched_yield();
    }
    secondary_vcpu_up = (unsigned int)HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL);
    HYPERVISOR_vcpu_op(VCPUOP_down, 1, NULL);
    for (;;) xtf_fail("secondary-down", "VCPUOP_down of ourselves returned");
}

static bool wait_until(volatile unsigned int *v, unsigned int above)
{
    for (unsigned int i = 0; i < 100000 && *v <= above; i++) sched_yield();
    return *v > above;
}

XTF_TEST_MAIN
{
    xtf_check_rc("is_up-vcpu1-before", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    xtf_check_rc("up-uninitialised-refused", HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL);

    ctx.flags = VGCF_in_kernel | VGCF_online;
    ctx.user_regs.eip = (uint32_t)secondary_main;
    ctx.user_regs.esp = (uint32_t)(secondary_stack + sizeof(secondary_stack));
    ctx.user_regs.cs = FLAT_RING1_CS;
    ctx.user_regs.ss = ctx.user_regs.ds = ctx.user_regs.es = FLAT_RING1_DS;
    ctx.user_regs.eflags = 0x202;
    ctx.kernel_ss = FLAT_RING1_SS;
    ctx.kernel_sp = (uint32_t)(secondary_kstack + sizeof(secondary_kstack));
    /* The same page tables as vCPU 0: xen_pfn_to_cr3 of the pinned top table (2.3). */
    uint32_t top = virt_to_mfn((void *)start_info->pt_base);
    ctx.ctrlreg[3] = CONFIG_PAE ? (top << 12) | (top >> 20) : top << 12;
    for (unsigned int v = 0; v < 20; v++) {
        ctx.trap_ctxt[v].vector = (uint8_t)v;
        ctx.trap_ctxt[v].cs = FLAT_RING1_CS;
        ctx.trap_ctxt[v].address = (uint32_t)trap_entry(v);
    }
    ctx.event_callback_cs = FLAT_RING1_CS;
    ctx.event_callback_eip = (uint32_t)event_upcall_entry;
    ctx.failsafe_callback_cs = FLAT_RING1_CS;
    ctx.failsafe_callback_eip = (uint32_t)failsafe_entry;

    xtf_check_rc("initialise-missing-vcpu", HYPERVISOR_vcpu_op(VCPUOP_initialise, 7, &ctx), -XEN_ENOENT);
    xtf_check_rc("initialise-bad-pointer", HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, (void *)0x1000), -XEN_EFAULT);
    if (!xtf_check_rc("initialise", HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), 0)) return;
    xtf_check_rc("initialise-twice-refused", HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EEXIST);
    xtf_check_rc("up", HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0);
    xtf_check_rc("is_up-vcpu1", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 1);
    xtf_check(wait_until(&secondary_count, 10), "secondary-runs", "count %u", secondary_count);
    xtf_check(secondary_cs == FLAT_RING1_CS, "secondary-in-ring1", "cs 0x%x", secondary_cs);

    struct vcpu_runstate_info r;
    xtf_check_rc("runstate-vcpu1", HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 1, &r), 0);
    xtf_check(r.time[RUNSTATE_running] > 0, "vcpu1-has-run", "running time %llu", (unsigned long long)r.time[RUNSTATE_running]);

    secondary_stop = 1;
    unsigned int i;
    for (i = 0; i < 100000 && HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL) == 1; i++) sched_yield();
    xtf_check(secondary_vcpu_up == 1, "secondary-saw-itself-up", "is_up %u", secondary_vcpu_up);
    xtf_check_rc("down-by-itself", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
}
