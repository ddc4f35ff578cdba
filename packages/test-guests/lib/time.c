/* time.c: system time from vcpu_time_info (xen-abi.md 2.5):
 *   now = system_time + ((((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32)
 * read under the version protocol (retry while odd or changed). */
#include "xtf.h"

uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* (a * mul) >> 32 with a 64-bit a and 32-bit mul, without a 128-bit type. */
static uint64_t mul_shr32(uint64_t a, uint32_t mul)
{
    uint64_t lo = (uint64_t)(uint32_t)a * mul;
    uint64_t hi = (uint64_t)(uint32_t)(a >> 32) * mul;
    return hi + (lo >> 32);
}

uint64_t system_time_ns(void)
{
    volatile struct vcpu_time_info *t = &vcpu0->time;
    uint32_t ver, mul;
    uint64_t ts, st, tsc;
    int8_t shift;
    do {
        ver = t->version;
        barrier();
        ts = t->tsc_timestamp;
        st = t->system_time;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        tsc = rdtsc();
        barrier();
    } while ((ver & 1) || ver != t->version);
    uint64_t delta = tsc - ts;
    if (shift < 0) delta >>= -shift; else delta <<= shift;
    return st + mul_shr32(delta, mul);
}
