/* random.c: the kernel's random bytes (getrandom, AT_RANDOM). Deterministic by design: the
 * same boot gives the same run (DESIGN.md §3); seeded from the command line's `random.seed=`. */
#include "kernel.h"
#include "sched.h"

static uint64_t state = 0x9E3779B97F4A7C15ull;

void random_seed(uint64_t seed) { state ^= seed * 0xBF58476D1CE4E5B9ull; }

/* splitmix64 */
static uint64_t next64(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void get_random_bytes(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        uint64_t v = next64();
        for (int i = 0; i < 8 && n; i++, n--) *p++ = (uint8_t)(v >> (8 * i));
    }
}
