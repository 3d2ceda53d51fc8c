/*
 * device.c - the device's state and duties (firmware_protocol.md sections 5-7).
 *
 * Output only ever goes up through tc_dev_apply_set() and the slew in service(); every
 * path that lowers it (a lower SET, a fault, STOP, the watchdog) does so at once, before
 * anything is reported or acknowledged.
 */
#include "core_internal.h"
#include "crc32.h"
#include "hal.h"

#define TC_SLEW_UA_PER_S ((uint32_t)TC_BOARD_SLEW_UA_PER_S)
#define TC_CRC_CHECK_TEXT "123456789"

static tc_channel_t *channel_at(tc_core_t *core, uint8_t number)
{
    return &core->channels[number - 1u];
}

static uint8_t bit_of(uint8_t number)
{
    return (uint8_t)(1u << (number - 1u));
}

/* Setpoint and output of channel number to 0 at once, through the hardware gate. */
static void zero_channel(tc_core_t *core, uint8_t number)
{
    tc_channel_t *ch = channel_at(core, number);
    ch->setpoint_ua = 0u;
    tc_ramp_drop(&ch->ramp, 0u);
    tc_over_reset(&ch->over);
    tc_hal_output_disable(number);
}

/* A channel fault: that channel 0 at once (it stays enabled, SET 0 still allowed). */
static void latch_channel(tc_core_t *core, uint8_t number, tc_fault_t fault)
{
    tc_channel_t *ch = channel_at(core, number);
    zero_channel(core, number);
    if ((ch->faults & (uint8_t)fault) == 0u) {
        ch->faults = (uint8_t)(ch->faults | (uint8_t)fault);
        tc_report(core, TC_EV_FAULT, number, (uint32_t)fault, 0u, 0u);
        tc_tm_mark_event(core);
    }
}

void tc_dev_latch_device(tc_core_t *core, tc_fault_t fault)
{
    tc_dev_stop_all(core);
    if ((core->device_faults & (uint8_t)fault) == 0u) {
        core->device_faults = (uint8_t)(core->device_faults | (uint8_t)fault);
        tc_report(core, TC_EV_FAULT, 0u, (uint32_t)fault, 0u, 0u);
        tc_tm_mark_event(core);
    }
}

void tc_dev_stop_all(tc_core_t *core)
{
    for (uint8_t n = 1u; n <= core->config.channel_count; n++) {
        tc_channel_t *ch = channel_at(core, n);
        zero_channel(core, n);
        ch->enabled = false;
        ch->has_shape = false;
    }
    core->state = (uint8_t)TC_STATE_IDLE;
    core->watchdog_armed = false;
}

void tc_dev_reset(tc_core_t *core)
{
    core->state = (uint8_t)TC_STATE_IDLE;
    core->device_faults = 0u;
    core->watchdog_armed = false;
    core->watchdog_ms = TC_BOARD_WATCHDOG_DEFAULT_MS;
    core->watchdog_refreshed_us = core->now_us;
    for (uint8_t n = 1u; n <= core->config.channel_count; n++) {
        tc_channel_t *ch = channel_at(core, n);
        ch->enabled = false;
        ch->faults = 0u;
        ch->setpoint_ua = 0u;
        ch->has_shape = false;
        ch->delivered_ua = 0u;
        tc_ramp_reset(&ch->ramp, core->now_us);
        tc_over_reset(&ch->over);
        /* the lead as found at reset: a lead already off latches in the first service,
         * without a "changed" event (nothing changed) */
        uint16_t impedance = TC_IMPEDANCE_OPEN;
        ch->lead = (uint8_t)(tc_hal_lead(n, &impedance) == TC_LEAD_OK ? TC_LEAD_OK : TC_LEAD_OFF);
        ch->impedance_ohm = impedance;
    }
}

void tc_dev_refresh_watchdog(tc_core_t *core)
{
    core->watchdog_refreshed_us = core->now_us;
}

static uint64_t watchdog_expiry(const tc_core_t *core)
{
    return core->watchdog_refreshed_us + (uint64_t)core->watchdog_ms * TC_US_PER_MS;
}

static void check_watchdog(tc_core_t *core)
{
    if (core->watchdog_armed && tc_time_reached(core->now_us, watchdog_expiry(core))) {
        tc_report(core, TC_EV_WATCHDOG, 0u, core->watchdog_ms, 0u, 0u);
        tc_dev_latch_device(core, TC_FAULT_HOST_LOST);
    }
}

static void sense_supply(tc_core_t *core)
{
    if (!tc_hal_hardware_ok()) {
        tc_dev_latch_device(core, TC_FAULT_INTERNAL);
    }
    uint8_t pct = 255u;
    uint16_t mv = tc_hal_battery_mv(&pct);
    core->battery_mv = mv;
    core->battery_pct = pct;
    bool low = mv != 0u && mv < TC_BOARD_BATTERY_SUSTAIN_MV; /* 0 mV: mains powered */
    if (low && (core->device_faults & (uint8_t)TC_FAULT_LOW_BATTERY) == 0u) {
        tc_dev_latch_device(core, TC_FAULT_LOW_BATTERY);
    }
}

static void sense_lead(tc_core_t *core, uint8_t number)
{
    tc_channel_t *ch = channel_at(core, number);
    uint16_t impedance = TC_IMPEDANCE_OPEN;
    /* anything but a clear "OK" is taken as off */
    uint8_t lead =
        (uint8_t)(tc_hal_lead(number, &impedance) == TC_LEAD_OK ? TC_LEAD_OK : TC_LEAD_OFF);
    ch->impedance_ohm = impedance;
    if (lead != ch->lead) {
        ch->lead = lead;
        tc_report(core, TC_EV_LEAD, number, lead, 0u, 0u);
        tc_tm_mark_event(core);
    }
    /* a physical condition: latched in every state, on disabled channels too */
    if (lead == (uint8_t)TC_LEAD_OFF && (ch->faults & (uint8_t)TC_FAULT_LEAD_OFF) == 0u) {
        latch_channel(core, number, TC_FAULT_LEAD_OFF);
    }
}

static void ramp_channel(tc_core_t *core, uint8_t number)
{
    tc_channel_t *ch = channel_at(core, number);
    uint32_t target = (ch->enabled && ch->faults == 0u) ? ch->setpoint_ua : 0u;
    uint32_t before = ch->ramp.output_ua;
    uint32_t now_ua = tc_ramp_advance(&ch->ramp, target, TC_SLEW_UA_PER_S, core->now_us);
    if (now_ua != before) {
        tc_hal_output_drive(number, now_ua, ch->has_shape ? &ch->shape : (const tc_setpoint_t *)0);
    }
}

static void measure_channel(tc_core_t *core, uint8_t number)
{
    tc_channel_t *ch = channel_at(core, number);
    uint32_t delivered = tc_hal_delivered_ua(number);
    ch->delivered_ua = delivered;
    if (delivered > TC_BOARD_MAX_AMPLITUDE_UA) {
        latch_channel(core, number, TC_FAULT_OVER_CURRENT);
        return;
    }
    bool live = ch->enabled && ch->faults == 0u;
    uint32_t reference = live ? ch->setpoint_ua : 0u;
    if (tc_over_update(&ch->over, tc_is_over(delivered, reference), core->now_us)) {
        latch_channel(core, number, TC_FAULT_OVER_DELIVERY);
        if (!live) {
            /* current through a gated-off channel for 200 ms: the gate itself failed */
            tc_dev_latch_device(core, TC_FAULT_INTERNAL);
        }
    }
}

void tc_dev_service(tc_core_t *core)
{
    check_watchdog(core);
    sense_supply(core);
    for (uint8_t n = 1u; n <= core->config.channel_count; n++) {
        sense_lead(core, n);
        ramp_channel(core, n);
        measure_channel(core, n);
    }
}

bool tc_dev_self_test(tc_core_t *core)
{
    const uint8_t text[] = TC_CRC_CHECK_TEXT;
    bool ok = tc_crc32(text, sizeof text - 1u) == TC_CRC32_CHECK;
    for (uint8_t n = 1u; n <= core->config.channel_count; n++) {
        const tc_channel_t *ch = channel_at(core, n);
        /* the core's own invariants: never driven above the setpoint or the ceiling */
        ok = ok && ch->ramp.output_ua <= TC_BOARD_MAX_AMPLITUDE_UA;
        ok = ok && ch->ramp.output_ua <= ch->setpoint_ua;
    }
    return tc_hal_self_test() && ok;
}

uint8_t tc_dev_lead_off_mask(const tc_core_t *core)
{
    uint8_t mask = 0u;
    for (uint8_t n = 1u; n <= core->config.channel_count; n++) {
        if (core->channels[n - 1u].lead != (uint8_t)TC_LEAD_OK) {
            mask = (uint8_t)(mask | bit_of(n));
        }
    }
    return mask;
}

uint16_t tc_dev_start(tc_core_t *core, uint8_t mask, uint16_t watchdog_ms)
{
    for (uint8_t n = 1u; n <= core->config.channel_count; n++) {
        if ((mask & bit_of(n)) == 0u) {
            continue; /* channels not in the mask keep their state */
        }
        tc_channel_t *ch = channel_at(core, n);
        ch->setpoint_ua = 0u;
        ch->faults = 0u;
        ch->has_shape = false;
        tc_ramp_reset(&ch->ramp, core->now_us);
        tc_over_reset(&ch->over);
        tc_hal_output_drive(n, 0u, (const tc_setpoint_t *)0);
        ch->enabled = true;
        tc_hal_output_enable(n);
    }
    core->device_faults = (uint8_t)(core->device_faults & ~(uint8_t)TC_DEVICE_FAULTS);
    core->watchdog_ms = watchdog_ms != 0u ? watchdog_ms : (uint16_t)TC_BOARD_WATCHDOG_DEFAULT_MS;
    core->watchdog_armed = true;
    tc_dev_refresh_watchdog(core);
    core->state = (uint8_t)TC_STATE_RUNNING;
    return core->watchdog_ms;
}

void tc_dev_apply_set(tc_core_t *core, const tc_setpoint_t *set)
{
    tc_channel_t *ch = channel_at(core, set->channel);
    /* the ramp was advanced to now by this call's service(): a rise continues from here,
     * with its remainder; a drop happens at once */
    ch->shape = *set;
    ch->has_shape = true;
    ch->setpoint_ua = set->amplitude_ua;
    tc_ramp_drop(&ch->ramp, set->amplitude_ua);
    tc_hal_output_drive(set->channel, ch->ramp.output_ua, &ch->shape);
}

uint64_t tc_dev_next_due(const tc_core_t *core, uint64_t due)
{
    if (core->watchdog_armed) {
        due = tc_earlier(due, watchdog_expiry(core));
    }
    for (uint8_t n = 1u; n <= core->config.channel_count; n++) {
        const tc_channel_t *ch = &core->channels[n - 1u];
        if (ch->over.active) {
            due = tc_earlier(due, tc_over_due_us(&ch->over));
        }
    }
    return due;
}
