/*
 * telemetry.c - the frames the device pushes: BOOT first after every reset, TELEMETRY on
 * the 50 ms grid counted from the reset, and event frames (section 4.9, decision D6).
 *
 * A fault latching or a lead changing owes the host a frame within 10 ms. If the next
 * periodic frame is due within those 10 ms it is that frame (built after the event, it
 * shows it); otherwise an extra frame goes out at once. Event frames never move the grid;
 * every pushed frame takes the next pushed-frame seq.
 */
#include "core_internal.h"
#include "hal.h"

void tc_tm_reset(tc_core_t *core)
{
    core->push_seq = 0u;
    core->next_telemetry_us = core->boot_us + TC_TELEMETRY_PERIOD_US;
    core->event_pending = false;
    core->event_us = core->boot_us;
}

static void push(tc_core_t *core, uint8_t type, size_t len)
{
    tc_send(core, type, core->push_seq, len);
    core->push_seq++; /* u16: wraps 65535 -> 0 */
}

/* The first grid instant after now: boot + k * 50 ms. */
static uint64_t grid_after(const tc_core_t *core)
{
    uint64_t k = (core->now_us - core->boot_us) / TC_TELEMETRY_PERIOD_US + 1u;
    return core->boot_us + k * TC_TELEMETRY_PERIOD_US;
}

void tc_tm_send_boot(tc_core_t *core)
{
    size_t len =
        tc_encode_boot(tc_tx_payload(&core->tx), TC_MAX_PAYLOAD, (uint8_t)core->config.reason);
    push(core, (uint8_t)TC_MSG_BOOT, len);
    if (core->boot_pending) {
        /* a held BOOT: the periodic frames start now, on the grid from the reset */
        core->boot_pending = false;
        core->next_telemetry_us = grid_after(core);
    }
}

void tc_tm_mark_event(tc_core_t *core)
{
    if (!core->event_pending) {
        core->event_pending = true;
        core->event_us = core->now_us;
    }
}

static void send_telemetry(tc_core_t *core)
{
    tc_telemetry_t tm;
    uint8_t all = core->device_faults;
    tm.state = core->state;
    tm.battery_mv = core->battery_mv;
    tm.battery_pct = core->battery_pct;
    tm.uptime_ms = (uint32_t)((core->now_us - core->boot_us) / TC_US_PER_MS); /* wraps */
    tm.frame_errors = core->rx.frame_errors;
    tm.channel_count = core->config.channel_count;
    for (uint8_t n = 1u; n <= core->config.channel_count; n++) {
        const tc_channel_t *ch = &core->channels[n - 1u];
        tc_channel_telemetry_t *out = &tm.channels[n - 1u];
        out->setpoint_ua = (ch->enabled && ch->faults == 0u) ? ch->setpoint_ua : 0u;
        /* measured now, after whatever this call did to the output */
        out->delivered_ua = tc_hal_delivered_ua(n);
        out->lead = ch->lead;
        out->impedance_ohm = ch->lead == (uint8_t)TC_LEAD_OK ? ch->impedance_ohm
                                                             : (uint16_t)TC_IMPEDANCE_OPEN;
        out->faults = (uint8_t)(ch->faults | core->device_faults);
        all = (uint8_t)(all | ch->faults);
    }
    tm.faults = all;
    size_t len = tc_encode_telemetry(tc_tx_payload(&core->tx), TC_MAX_PAYLOAD, &tm);
    push(core, (uint8_t)TC_MSG_TELEMETRY, len);
    core->event_pending = false; /* built after any event so far: it shows it */
}

void tc_tm_periodic(tc_core_t *core)
{
    if (core->boot_pending || !tc_time_reached(core->now_us, core->next_telemetry_us)) {
        return;
    }
    send_telemetry(core);
    core->next_telemetry_us += TC_TELEMETRY_PERIOD_US;
    if (tc_time_reached(core->now_us, core->next_telemetry_us)) {
        /* the board was late by more than a period: one frame, then back on the grid */
        core->next_telemetry_us = grid_after(core);
    }
}

void tc_tm_flush_event(tc_core_t *core)
{
    if (!core->event_pending || core->boot_pending) {
        return;
    }
    uint64_t deadline = core->event_us + TC_EVENT_FRAME_US;
    if (tc_time_reached(deadline, core->next_telemetry_us) &&
        !tc_time_reached(core->now_us, core->next_telemetry_us)) {
        return; /* the periodic frame comes within 10 ms of the event: it is the event frame */
    }
    send_telemetry(core);
}

uint64_t tc_tm_next_due(const tc_core_t *core, uint64_t due)
{
    if (core->boot_pending) {
        return due;
    }
    due = tc_earlier(due, core->next_telemetry_us);
    if (core->event_pending) {
        due = tc_earlier(due, core->event_us + TC_EVENT_FRAME_US);
    }
    return due;
}
