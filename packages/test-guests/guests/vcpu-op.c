/* vcpu-op: vcpu_op (xen-abi.md 2.11). Xen (common/domain.c do_vcpu_op): a vCPU id that does not
 * exist is -ENOENT; is_up returns 1 for a running vCPU; a singleshot timer with
 * VCPU_SSHOTTMR_future and a deadline in the past is -ETIME; unknown commands -ENOSYS. */
#include "xtf.h"

static struct vcpu_runstate_info area;

XTF_TEST_MAIN
{
    xtf_check_rc("is_up-vcpu0", HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    xtf_check_rc("is_up-missing-vcpu", HYPERVISOR_vcpu_op(VCPUOP_is_up, 31, NULL), -XEN_ENOENT);
    xtf_check_rc("is_up-huge-vcpu", HYPERVISOR_vcpu_op(VCPUOP_is_up, 100000, NULL), -XEN_ENOENT);

    struct vcpu_runstate_info r;
    xtf_check_rc("get_runstate_info", HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &r), 0);
    xtf_check(r.state == RUNSTATE_running, "runstate-running", "state %d", r.state);

    struct vcpu_register_runstate_memory_area reg = { .addr = (uint32_t)&area };
    memset(&area, 0xFF, sizeof(area));
    xtf_check_rc("register_runstate_memory_area", HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &reg), 0);
    sched_yield();
    xtf_check(area.state == RUNSTATE_running, "runstate-area-updated", "state %d", area.state);

    unsigned int port;
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    bind_virq(VIRQ_TIMER, 0, &port);
    upcall_unmask();
    unsigned int c = port_count[port];
    struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = system_time_ns() + MS(1), .flags = 0 };
    xtf_check_rc("set_singleshot_timer", HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st), 0);
    xtf_check(wait_for(&port_count[port], c, MS(50)), "singleshot-fires", "no timer event");
    st.timeout_abs_ns = 1;
    st.flags = VCPU_SSHOTTMR_future;
    xtf_check_rc("singleshot-past-future-flag", HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st), -XEN_ETIME);
    c = port_count[port];
    st.timeout_abs_ns = system_time_ns() + MS(5);
    st.flags = 0;
    HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
    xtf_check_rc("stop_singleshot_timer", HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
    xtf_check(!wait_for(&port_count[port], c, MS(15)), "singleshot-stopped", "fired anyway");
    xtf_check_rc("unknown-vcpuop", HYPERVISOR_vcpu_op(99, 0, NULL), -XEN_ENOSYS);
}
