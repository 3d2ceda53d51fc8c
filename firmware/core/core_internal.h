/*
 * core_internal.h - how the core's modules call each other (not for boards).
 *
 *   device.c     state and duties: start, stop, setpoints, fault latching, sensing,
 *                slew, the limit checks, the watchdog (sections 5-7)
 *   requests.c   host frames in section 3's order and their answers (section 4)
 *   telemetry.c  BOOT, the 50 ms grid and event frames (sections 4.9, 4.10)
 *   core.c       the board-facing entry points, time, sending a frame
 */
#ifndef TC_CORE_INTERNAL_H
#define TC_CORE_INTERNAL_H

#include "core.h"
#include "events.h"

#define TC_TELEMETRY_PERIOD_US ((uint64_t)TC_TELEMETRY_PERIOD_MS * TC_US_PER_MS)
#define TC_EVENT_FRAME_US ((uint64_t)TC_EVENT_FRAME_MS * TC_US_PER_MS)

/* core.c */
void tc_send(tc_core_t *core, uint8_t type, uint16_t seq, size_t payload_len);
void tc_report(tc_core_t *core, tc_event_kind_t kind, uint8_t channel, uint32_t a, uint32_t b,
               uint32_t c);
const tc_caps_t *tc_board_caps(void);

/* device.c */
void tc_dev_reset(tc_core_t *core);
void tc_dev_service(tc_core_t *core);
void tc_dev_stop_all(tc_core_t *core);
void tc_dev_latch_device(tc_core_t *core, tc_fault_t fault);
bool tc_dev_self_test(tc_core_t *core);
uint16_t tc_dev_start(tc_core_t *core, uint8_t mask, uint16_t watchdog_ms);
void tc_dev_apply_set(tc_core_t *core, const tc_setpoint_t *set);
void tc_dev_refresh_watchdog(tc_core_t *core);
uint8_t tc_dev_lead_off_mask(const tc_core_t *core);
uint64_t tc_dev_next_due(const tc_core_t *core, uint64_t due);

/* requests.c */
void tc_req_handle(tc_core_t *core, const tc_frame_t *frame);

/* telemetry.c */
void tc_tm_reset(tc_core_t *core);
void tc_tm_send_boot(tc_core_t *core);
void tc_tm_mark_event(tc_core_t *core);
void tc_tm_periodic(tc_core_t *core);
void tc_tm_flush_event(tc_core_t *core);
uint64_t tc_tm_next_due(const tc_core_t *core, uint64_t due);

/* The earlier of due and candidate (wrap-safe). */
static inline uint64_t tc_earlier(uint64_t due, uint64_t candidate)
{
    return tc_time_reached(candidate, due) ? due : candidate;
}

#endif
