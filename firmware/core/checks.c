/*
 * checks.c - START and SET refusals in the spec's order.
 */
#include "checks.h"

#include "proto.h"

static tc_refusal_t refuse(tc_nak_code_t code, uint8_t field)
{
    tc_refusal_t r = {(uint8_t)code, field};
    return r;
}

static tc_refusal_t accept(void)
{
    tc_refusal_t r = {TC_ACCEPTED_CODE, 0u};
    return r;
}

tc_refusal_t tc_check_start_fields(const tc_start_t *start, uint8_t channel_count,
                                   uint16_t watchdog_min_ms, uint16_t watchdog_max_ms)
{
    /* channel_count <= 6, so the shift stays inside an unsigned int */
    unsigned present = (1u << channel_count) - 1u;
    if (start->channel_mask == 0u || (start->channel_mask & ~present) != 0u) {
        return refuse(TC_NAK_BAD_CHANNEL, 1u);
    }
    uint16_t wd = start->watchdog_ms;
    if (wd != 0u && (wd < watchdog_min_ms || wd > watchdog_max_ms)) {
        return refuse(TC_NAK_OUT_OF_RANGE, 2u);
    }
    return accept();
}

tc_refusal_t tc_check_start_conditions(const tc_start_t *start, uint16_t battery_mv,
                                       uint16_t restart_mv, uint8_t lead_off_mask)
{
    if (battery_mv != 0u && battery_mv < restart_mv) {
        return refuse(TC_NAK_LOW_BATTERY, 0u);
    }
    if ((start->channel_mask & lead_off_mask) != 0u) {
        return refuse(TC_NAK_LEAD_OFF, 1u);
    }
    return accept();
}

static bool outside(uint32_t value, uint32_t low, uint32_t high)
{
    return value < low || value > high;
}

tc_refusal_t tc_check_set(const tc_setpoint_t *set, const tc_set_context_t *ctx)
{
    if (!ctx->running) {
        return refuse(TC_NAK_BAD_STATE, 0u); /* whatever the channel */
    }
    if (set->channel == 0u || set->channel > ctx->channel_count) {
        return refuse(TC_NAK_BAD_CHANNEL, 1u);
    }
    unsigned bit = 1u << (set->channel - 1u);
    if ((ctx->enabled_mask & bit) == 0u) {
        return refuse(TC_NAK_BAD_STATE, 0u);
    }
    if (set->amplitude_ua > 0u && (ctx->faulted_mask & bit) != 0u) {
        return refuse(TC_NAK_FAULT_LATCHED, 0u);
    }
    const tc_caps_t *caps = ctx->caps;
    if (set->amplitude_ua > caps->max_amplitude_ua) {
        return refuse(TC_NAK_OUT_OF_RANGE, 2u);
    }
    if (outside(set->rate_mhz, caps->rate_min_mhz, caps->rate_max_mhz)) {
        return refuse(TC_NAK_OUT_OF_RANGE, 3u);
    }
    if (outside(set->phase_width_us, caps->width_min_us, caps->width_max_us)) {
        return refuse(TC_NAK_OUT_OF_RANGE, 4u);
    }
    if (set->waveform >= TC_WAVEFORM_COUNT || ((caps->waveforms >> set->waveform) & 1u) == 0u) {
        return refuse(TC_NAK_OUT_OF_RANGE, 5u);
    }
    if (set->pattern >= TC_PATTERN_COUNT || ((caps->patterns >> set->pattern) & 1u) == 0u) {
        return refuse(TC_NAK_OUT_OF_RANGE, 6u);
    }
    if (set->pattern == (uint8_t)TC_PATTERN_BURST) {
        if (outside(set->burst_rate_mhz, caps->burst_rate_min_mhz, caps->burst_rate_max_mhz)) {
            return refuse(TC_NAK_OUT_OF_RANGE, 7u);
        }
        bool in_range = !outside(set->pulses_per_burst, caps->pulses_per_burst_min,
                                 caps->pulses_per_burst_max);
        /* a train must be shorter than its period: pulses / rate < 1 / burst_rate */
        uint64_t train = (uint64_t)set->pulses_per_burst * set->burst_rate_mhz;
        if (!in_range || train >= set->rate_mhz) {
            return refuse(TC_NAK_OUT_OF_RANGE, 8u);
        }
        return accept();
    }
    if (set->burst_rate_mhz != 0u) {
        return refuse(TC_NAK_OUT_OF_RANGE, 7u);
    }
    if (set->pulses_per_burst != 0u) {
        return refuse(TC_NAK_OUT_OF_RANGE, 8u);
    }
    return accept();
}
