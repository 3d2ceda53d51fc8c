/*
 * limits.h - the device's own watch on delivered current (section 7).
 *
 * Over-current: delivered above the channel's max_amplitude_ua, at once.
 * Over-delivery: delivered > setpoint + min(setpoint * 20 // 100, 2000) uA, strictly, for
 * more than 200 ms without a measurement that is not over in between. At setpoint 0 the
 * allowance is 0: any delivered current is over.
 */
#ifndef TC_LIMITS_H
#define TC_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

/* The allowance above setpoint_ua, uA. */
uint32_t tc_over_allowance_ua(uint32_t setpoint_ua);

/* True when delivered_ua is over the bound of setpoint_ua (strictly above it). */
bool tc_is_over(uint32_t delivered_ua, uint32_t setpoint_ua);

typedef struct {
    bool active;       /* the last measurement was over */
    uint64_t since_us; /* when the current run of over measurements began */
} tc_over_timer_t;

/* No run of over measurements. */
void tc_over_reset(tc_over_timer_t *timer);

/*
 * One measurement at now_us: over or not. Returns true when the run of over measurements
 * has lasted more than 200 ms (the caller latches OVER_DELIVERY).
 */
bool tc_over_update(tc_over_timer_t *timer, bool over, uint64_t now_us);

/* When an active run trips if nothing interrupts it: since + 200 ms + 1 us. */
uint64_t tc_over_due_us(const tc_over_timer_t *timer);

#endif
