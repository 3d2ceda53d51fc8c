/*
 * fake_hal.c - hal.h for the unit tests.
 */
#include "fake_hal.h"

#include <string.h>

fake_hal_t fake;

static void log_call(fake_call_kind_t kind, uint8_t channel, uint32_t value)
{
    if (fake.call_count < FAKE_CALLS_MAX) {
        fake.calls[fake.call_count].kind = kind;
        fake.calls[fake.call_count].channel = channel;
        fake.calls[fake.call_count].value = value;
        fake.call_count++;
    }
}

void fake_reset(void)
{
    memset(&fake, 0, sizeof fake);
    fake.battery_mv = 3950u;
    fake.battery_pct = 87u;
    fake.self_test_ok = true;
    fake.hardware_ok = true;
}

void fake_clear_log(void)
{
    fake.out_len = 0u;
    fake.event_count = 0u;
    fake.call_count = 0u;
}

uint32_t fake_delivered(uint8_t channel)
{
    if (!fake.enabled[channel]) {
        return fake.leak_ua[channel];
    }
    uint64_t measured =
        (uint64_t)fake.driven_ua[channel] * (100u + fake.over_percent[channel]) / 100u;
    if (fake.driven_ua[channel] != 0u) {
        measured += fake.extra_ua[channel];
    }
    return (uint32_t)measured;
}

size_t fake_count_events(tc_event_kind_t kind)
{
    size_t n = 0u;
    for (size_t i = 0u; i < fake.event_count; i++) {
        n += fake.events[i].kind == kind ? 1u : 0u;
    }
    return n;
}

size_t fake_find_call(fake_call_kind_t kind, size_t from)
{
    for (size_t i = from; i < fake.call_count; i++) {
        if (fake.calls[i].kind == kind) {
            return i;
        }
    }
    return FAKE_CALLS_MAX;
}

void tc_hal_write(const uint8_t *bytes, size_t len)
{
    /* the first frame's type: COBS keeps the byte after the first code byte when it is
     * not 0, and the version byte is never 0, so bytes[2] is the type for every frame here */
    log_call(CALL_WRITE, 0u, len > 2u ? bytes[2] : 0u);
    if (fake.out_len + len <= FAKE_OUT_MAX) {
        memcpy(&fake.out[fake.out_len], bytes, len);
        fake.out_len += len;
    }
}

void tc_hal_output_enable(uint8_t channel)
{
    log_call(CALL_ENABLE, channel, 0u);
    fake.enabled[channel] = true;
}

void tc_hal_output_disable(uint8_t channel)
{
    log_call(CALL_DISABLE, channel, 0u);
    fake.enabled[channel] = false;
    fake.driven_ua[channel] = 0u;
}

void tc_hal_output_drive(uint8_t channel, uint32_t amplitude_ua, const tc_setpoint_t *shape)
{
    log_call(CALL_DRIVE, channel, amplitude_ua);
    fake.driven_ua[channel] = amplitude_ua;
    fake.shape_given[channel] = shape != NULL;
    if (shape != NULL) {
        fake.shape[channel] = *shape;
    }
}

uint32_t tc_hal_delivered_ua(uint8_t channel)
{
    return fake_delivered(channel);
}

tc_lead_t tc_hal_lead(uint8_t channel, uint16_t *impedance_ohm)
{
    *impedance_ohm = fake.lead_off[channel] ? (uint16_t)TC_IMPEDANCE_OPEN : (uint16_t)820u;
    return fake.lead_off[channel] ? TC_LEAD_OFF : TC_LEAD_OK;
}

uint16_t tc_hal_battery_mv(uint8_t *percent)
{
    *percent = fake.battery_pct;
    return fake.battery_mv;
}

bool tc_hal_self_test(void)
{
    log_call(CALL_SELF_TEST, 0u, 0u);
    fake.self_tests++;
    return fake.self_test_ok;
}

bool tc_hal_hardware_ok(void)
{
    return fake.hardware_ok;
}

void tc_hal_event(const tc_event_t *event)
{
    if (fake.event_count < FAKE_EVENTS_MAX) {
        fake.events[fake.event_count] = *event;
        fake.event_count++;
    }
}
