/*
 * fake_hal.h - the unit tests' board: hal.h over plain variables.
 *
 * The front end is ideal unless a test says otherwise: an enabled channel delivers what
 * it is driven to, plus over_percent, plus extra_ua; a disabled one delivers leak_ua
 * (0: the gate works). Every HAL call is appended to a call log, so a test can check the
 * order of what the core did (outputs off before a frame went out, say).
 */
#ifndef TC_TEST_FAKE_HAL_H
#define TC_TEST_FAKE_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "hal.h"

#define FAKE_CHANNELS 7u /* index 1..6 */
#define FAKE_OUT_MAX 65536u
#define FAKE_EVENTS_MAX 4096u
#define FAKE_CALLS_MAX 8192u

typedef enum {
    CALL_WRITE,
    CALL_ENABLE,
    CALL_DISABLE,
    CALL_DRIVE,
    CALL_SELF_TEST
} fake_call_kind_t;

typedef struct {
    fake_call_kind_t kind;
    uint8_t channel;
    uint32_t value; /* DRIVE: amplitude; WRITE: frame type of the first frame written */
} fake_call_t;

typedef struct {
    /* what the core sent */
    uint8_t out[FAKE_OUT_MAX];
    size_t out_len;
    /* the front end */
    bool enabled[FAKE_CHANNELS];
    uint32_t driven_ua[FAKE_CHANNELS];
    uint32_t over_percent[FAKE_CHANNELS];
    uint32_t extra_ua[FAKE_CHANNELS];
    uint32_t leak_ua[FAKE_CHANNELS];
    bool lead_off[FAKE_CHANNELS];
    bool shape_given[FAKE_CHANNELS];
    tc_setpoint_t shape[FAKE_CHANNELS];
    uint16_t battery_mv;
    uint8_t battery_pct;
    bool self_test_ok;
    bool hardware_ok;
    unsigned self_tests;
    /* what the core reported and did, in order */
    tc_event_t events[FAKE_EVENTS_MAX];
    size_t event_count;
    fake_call_t calls[FAKE_CALLS_MAX];
    size_t call_count;
} fake_hal_t;

extern fake_hal_t fake;

/* A healthy board: leads on, battery 3950 mV / 87 %, self-test passing, nothing sent. */
void fake_reset(void);

/* Forget what was sent, the events and the call log (the front end stays as it is). */
void fake_clear_log(void);

/* Delivered current of channel now, as tc_hal_delivered_ua() reports it. */
uint32_t fake_delivered(uint8_t channel);

/* Events of kind reported since the last clear. */
size_t fake_count_events(tc_event_kind_t kind);

/* The index of the first call of kind (after from), or FAKE_CALLS_MAX when none. */
size_t fake_find_call(fake_call_kind_t kind, size_t from);

#endif
