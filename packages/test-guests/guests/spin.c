/* spin: a CPU-bound guest for scheduler tests. It counts loop iterations until `ms` milliseconds
 * of system time have passed (0: forever), prints `XTF-SPIN iterations=<n>` and powers off. Its
 * events stay masked: only the scheduler decides when it runs. */
#include "xtf.h"

XTF_TEST_MAIN
{
    unsigned long ms = cmdline_ulong("ms", 0);
    uint64_t end = ms == 0 ? ~0ULL : system_time_ns() + MS(ms);
    volatile uint32_t sink = 0;
    uint64_t n = 0;
    for (;;) {
        for (unsigned int i = 0; i < 4096; i++) sink += i;
        n += 4096;
        if (system_time_ns() >= end) break;
    }
    printk("XTF-SPIN iterations=%llu\n", (unsigned long long)n);
    xtf_pass("spin");
}
