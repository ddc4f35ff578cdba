/* lcg.c: a 64-bit linear congruential generator (Knuth's MMIX multiplier and increment); the
 * high 32 bits are returned because the low bits of an LCG have short periods. */
#include "xtf.h"

void lcg_seed(struct lcg *g, uint64_t seed) { g->state = seed ^ 0x5DEECE66DULL; }

uint32_t lcg_next(struct lcg *g)
{
    g->state = g->state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(g->state >> 32);
}
