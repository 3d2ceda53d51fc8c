/*
 * timebase.c - extending a free-running 32-bit counter to 64 bits.
 */
#include "timebase.h"

void tc_counter_init(tc_counter_ext_t *ext, uint32_t raw)
{
    ext->last = raw;
    ext->wraps = 0u;
}

uint64_t tc_counter_extend(tc_counter_ext_t *ext, uint32_t raw)
{
    if (raw < ext->last) {
        /* the counter went round once since the last call (it is called more often) */
        ext->wraps++;
    }
    ext->last = raw;
    return ((uint64_t)ext->wraps << 32) | (uint64_t)raw;
}
