/*
 * slew.c - integer ramp with the remainder carried.
 */
#include "slew.h"

#include "timebase.h"

/*
 * Longest step computed exactly: 2^40 us (12.7 days). slew <= 20,000 uA/s makes the
 * product at most about 2.2e16, far inside u64; a longer step reaches any target anyway
 * (even at 1 uA/s it rises 1.1e6 uA, above the 80,000 uA ceiling).
 */
#define TC_RAMP_MAX_STEP_US 0x10000000000u

void tc_ramp_reset(tc_ramp_t *ramp, uint64_t now_us)
{
    ramp->output_ua = 0u;
    ramp->last_us = now_us;
    ramp->remainder = 0u;
}

uint32_t tc_ramp_advance(tc_ramp_t *ramp, uint32_t target_ua, uint32_t slew_ua_per_s,
                         uint64_t now_us)
{
    if (!tc_time_reached(now_us, ramp->last_us)) {
        now_us = ramp->last_us; /* time never runs back */
    }
    uint64_t elapsed = now_us - ramp->last_us;
    ramp->last_us = now_us;
    if (ramp->output_ua >= target_ua) {
        ramp->remainder = 0u;
        return ramp->output_ua;
    }
    uint32_t gap = target_ua - ramp->output_ua;
    if (elapsed > TC_RAMP_MAX_STEP_US) {
        ramp->output_ua = target_ua;
        ramp->remainder = 0u;
        return ramp->output_ua;
    }
    uint64_t total = (uint64_t)ramp->remainder + elapsed * (uint64_t)slew_ua_per_s;
    uint64_t rise = total / TC_US_PER_S;
    if (rise >= gap) {
        ramp->output_ua = target_ua;
        ramp->remainder = 0u;
    } else {
        ramp->output_ua += (uint32_t)rise; /* rise < gap <= u32 */
        ramp->remainder = (uint32_t)(total % TC_US_PER_S);
    }
    return ramp->output_ua;
}

void tc_ramp_drop(tc_ramp_t *ramp, uint32_t target_ua)
{
    if (ramp->output_ua > target_ua) {
        ramp->output_ua = target_ua;
        ramp->remainder = 0u;
    }
}
