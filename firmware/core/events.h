/*
 * events.h - what the core reports to its board as it happens (tc_hal_event()): the
 * device-side events of the simulator's event log, for a board's trace or log. A board
 * may ignore them; nothing in the core depends on what the board does with them.
 */
#ifndef TC_EVENTS_H
#define TC_EVENTS_H

#include <stdint.h>

typedef enum {
    TC_EV_BOOT = 0,       /* a = reason (tc_boot_reason_t) */
    TC_EV_HELLO = 1,      /* a = selected_version */
    TC_EV_START = 2,      /* a = channel_mask, b = watchdog_ms in force */
    TC_EV_STOP = 3,       /* (no fields) */
    TC_EV_SET = 4,        /* channel, a = amplitude_ua, b = rate_mhz, c = phase_width_us */
    TC_EV_NAK = 5,        /* a = request_type, b = code (tc_nak_code_t), c = field */
    TC_EV_WATCHDOG = 6,   /* a = timeout_ms */
    TC_EV_FAULT = 7,      /* channel (0: device-wide), a = fault bit (tc_fault_t) */
    TC_EV_LEAD = 8,       /* channel, a = lead (tc_lead_t) now */
    TC_EV_FRAME_ERROR = 9 /* a = why (tc_drop_t), b = stuffed bytes dropped */
} tc_event_kind_t;

typedef struct {
    tc_event_kind_t kind;
    uint64_t at_us;  /* the core's time of the event */
    uint8_t channel; /* 1-based; 0 when none or device-wide */
    uint32_t a;
    uint32_t b;
    uint32_t c;
} tc_event_t;

#endif
