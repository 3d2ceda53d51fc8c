/*
 * timebase.h - time as the core sees it, and the board's counter extension.
 *
 * The core is always called with a 64-bit microsecond timestamp from a free-running
 * counter that never stops and never goes back; its epoch does not matter (the core keeps
 * the time of its reset and counts uptime from there). A u64 of microseconds wraps after
 * 2^64 us, about 584,542 years; even so every comparison below is wrap-safe (unsigned
 * differences, "reached" meaning less than half the range past), so a board may start its
 * count anywhere. Intervals the core compares are at most a few seconds.
 *
 * A board whose hardware counter is 32 bits wide extends it with tc_counter_extend(),
 * which must be called at least once per counter period (a 1 MHz 32-bit counter wraps
 * every 71.6 minutes, a 25 MHz one every 171.8 s) and from one context at a time (mask
 * the interrupt that also reads it). A down-counter is extended as its complement.
 */
#ifndef TC_TIMEBASE_H
#define TC_TIMEBASE_H

#include <stdbool.h>
#include <stdint.h>

#define TC_US_PER_MS 1000u
#define TC_US_PER_S 1000000u

/* Half the u64 range: a "due" time more than this behind "now" counts as in the future. */
#define TC_TIME_HALF_RANGE 0x8000000000000000u

/* True when now is at or past due (wrap-safe). */
static inline bool tc_time_reached(uint64_t now_us, uint64_t due_us)
{
    return (uint64_t)(now_us - due_us) < TC_TIME_HALF_RANGE;
}

/* The later of a and b (wrap-safe). */
static inline uint64_t tc_time_later(uint64_t a_us, uint64_t b_us)
{
    return tc_time_reached(a_us, b_us) ? a_us : b_us;
}

typedef struct {
    uint32_t last;  /* the previous raw reading */
    uint32_t wraps; /* times the raw counter passed 0xFFFFFFFF -> 0 */
} tc_counter_ext_t;

/* Start extending a counter whose reading is now raw. */
void tc_counter_init(tc_counter_ext_t *ext, uint32_t raw);

/* The 64-bit value of an up-counting 32-bit counter that reads raw now. */
uint64_t tc_counter_extend(tc_counter_ext_t *ext, uint32_t raw);

#endif
