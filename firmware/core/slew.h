/*
 * slew.h - the upward slew of one channel's output (section 6, rule 2), exactly.
 *
 * Output rises towards its target by slew_ua_per_s * elapsed_us / 1e6 uA, in integers:
 * the fraction of a microampere that does not make a whole one yet is carried to the
 * next step as a remainder (in uA*us/s units, below 1e6), so the ramp has no drift: after
 * any number of steps the output is exactly floor(slew * time since the ramp began / 1e6),
 * never more. Drops are not slewed: tc_ramp_drop() lowers at once.
 */
#ifndef TC_SLEW_H
#define TC_SLEW_H

#include <stdint.h>

typedef struct {
    uint32_t output_ua; /* what the current source is driven to now */
    uint64_t last_us;   /* when the ramp was last advanced */
    uint32_t remainder; /* carried fraction, in uA * us / s, < 1e6 */
} tc_ramp_t;

/* Output 0 at now_us, nothing carried. */
void tc_ramp_reset(tc_ramp_t *ramp, uint64_t now_us);

/*
 * Advance to now_us towards target_ua at slew_ua_per_s; returns the output. At or above
 * the target the output is left alone (a drop is tc_ramp_drop's job) and nothing is
 * carried, so a later rise starts afresh. now_us before last_us is treated as last_us.
 */
uint32_t tc_ramp_advance(tc_ramp_t *ramp, uint32_t target_ua, uint32_t slew_ua_per_s,
                         uint64_t now_us);

/* A lower target: output to target_ua at once (if above it), nothing carried. */
void tc_ramp_drop(tc_ramp_t *ramp, uint32_t target_ua);

#endif
