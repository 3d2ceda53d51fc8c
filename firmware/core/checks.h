/*
 * checks.h - the refusal tables of START (section 4.3) and SET (section 4.5), as pure
 * functions over integers. Each returns the first refusal in the table's order, or
 * TC_ACCEPTED. Field numbers are 1-based payload fields, 0 for none (section 4.8).
 *
 * START's self-test (row 4) runs between tc_check_start_fields() and
 * tc_check_start_conditions(): it is the device's to run, and only once rows 1-3 passed.
 */
#ifndef TC_CHECKS_H
#define TC_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"

typedef struct {
    uint8_t code;  /* tc_nak_code_t, or 0 when accepted */
    uint8_t field; /* the payload field at fault, or 0 */
} tc_refusal_t;

#define TC_ACCEPTED_CODE 0u

/* START rows 2 (mask) and 3 (watchdog). */
tc_refusal_t tc_check_start_fields(const tc_start_t *start, uint8_t channel_count,
                                   uint16_t watchdog_min_ms, uint16_t watchdog_max_ms);

/*
 * START rows 5 (battery_mv below restart_mv; 0 mV means mains powered, never low) and 6
 * (a masked channel whose bit is set in lead_off_mask).
 */
tc_refusal_t tc_check_start_conditions(const tc_start_t *start, uint16_t battery_mv,
                                       uint16_t restart_mv, uint8_t lead_off_mask);

typedef struct {
    bool running;
    uint8_t channel_count;
    uint8_t enabled_mask; /* bit n-1: channel n was enabled by START */
    uint8_t faulted_mask; /* bit n-1: channel n has a latched channel fault */
    const tc_caps_t *caps; /* every channel's capabilities */
} tc_set_context_t;

/* SET's table, row by row (its length is checked before, by decoding). */
tc_refusal_t tc_check_set(const tc_setpoint_t *set, const tc_set_context_t *ctx);

#endif
