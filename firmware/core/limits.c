/*
 * limits.c - over-delivery bound and its 200 ms timer, in integers.
 */
#include "limits.h"

#include "proto.h"
#include "timebase.h"

#define TC_OVER_DELIVERY_US ((uint64_t)TC_OVER_DELIVERY_MS * TC_US_PER_MS)

uint32_t tc_over_allowance_ua(uint32_t setpoint_ua)
{
    /* widened: setpoint * 20 overflows u32 above 214 A, which no SET can ask, but a
     * corrupted value must not wrap into a small bound */
    uint64_t share = (uint64_t)setpoint_ua * TC_OVER_DELIVERY_PERCENT / 100u;
    return share < TC_OVER_DELIVERY_CAP_UA ? (uint32_t)share : TC_OVER_DELIVERY_CAP_UA;
}

bool tc_is_over(uint32_t delivered_ua, uint32_t setpoint_ua)
{
    uint64_t bound = (uint64_t)setpoint_ua + tc_over_allowance_ua(setpoint_ua);
    return (uint64_t)delivered_ua > bound;
}

void tc_over_reset(tc_over_timer_t *timer)
{
    timer->active = false;
    timer->since_us = 0u;
}

bool tc_over_update(tc_over_timer_t *timer, bool over, uint64_t now_us)
{
    if (!over) {
        tc_over_reset(timer); /* one measurement that is not over restarts the count */
        return false;
    }
    if (!timer->active) {
        timer->active = true;
        timer->since_us = now_us;
        return false;
    }
    return tc_time_reached(now_us, tc_over_due_us(timer));
}

uint64_t tc_over_due_us(const tc_over_timer_t *timer)
{
    return timer->since_us + TC_OVER_DELIVERY_US + 1u;
}
