/*
 * afe.c - the simulated front end, and hal.h's output and sensing functions over it.
 */
#include "afe.h"

#include <stdio.h>

#include "eventlog.h"
#include "hal.h"

#define AFE_MAX_CHANNELS 6u
#define LEAD_IMPEDANCE_OHM 820u

typedef struct {
    bool gate_open;
    uint32_t driven_ua;
    uint32_t over_percent;
    bool lead_off;
    uint32_t logged_ua; /* the delivered current last logged */
} afe_channel_t;

static afe_channel_t chans[AFE_MAX_CHANNELS + 1u]; /* 1-based */
static uint8_t channel_count;
static uint64_t now_us;
static bool battery_low;
static bool hardware_failed;

static bool valid(uint8_t channel)
{
    return channel >= 1u && channel <= channel_count;
}

static uint32_t measured(const afe_channel_t *c)
{
    if (!c->gate_open) {
        return 0u;
    }
    return (uint32_t)((uint64_t)c->driven_ua * (100u + c->over_percent) / 100u);
}

/* Log an "output" event when what channel delivers has changed. */
static void settle(uint8_t channel)
{
    afe_channel_t *c = &chans[channel];
    uint32_t now_ua = measured(c);
    if (now_ua != c->logged_ua) {
        c->logged_ua = now_ua;
        char fields[64];
        snprintf(fields, sizeof fields, "\"channel\": %u, \"amplitude_ua\": %u", channel, now_ua);
        eventlog_write(now_us, "output", fields);
    }
}

void afe_init(uint8_t channels)
{
    channel_count = channels <= AFE_MAX_CHANNELS ? channels : AFE_MAX_CHANNELS;
    for (uint8_t n = 1u; n <= AFE_MAX_CHANNELS; n++) {
        chans[n].gate_open = false;
        chans[n].driven_ua = 0u;
        chans[n].logged_ua = 0u;
    }
}

void afe_set_time(uint64_t t_us)
{
    now_us = t_us;
}

void afe_power_off(void)
{
    for (uint8_t n = 1u; n <= channel_count; n++) {
        chans[n].gate_open = false;
        chans[n].driven_ua = 0u;
        settle(n);
    }
}

void afe_set_lead_off(uint8_t channel, bool off)
{
    if (valid(channel)) {
        chans[channel].lead_off = off;
    }
}

void afe_set_overdeliver(uint8_t channel, uint32_t percent)
{
    if (valid(channel)) {
        chans[channel].over_percent = percent;
        settle(channel);
    }
}

void afe_set_battery_low(void)
{
    battery_low = true;
}

void afe_set_hardware_failed(void)
{
    hardware_failed = true;
}

/* --- hal.h ------------------------------------------------------------------------------ */
void tc_hal_output_enable(uint8_t channel)
{
    if (valid(channel)) {
        chans[channel].gate_open = true;
        settle(channel);
    }
}

void tc_hal_output_disable(uint8_t channel)
{
    if (valid(channel)) {
        chans[channel].gate_open = false;
        chans[channel].driven_ua = 0u;
        settle(channel); /* off when this returns: the gate is a variable here */
    }
}

void tc_hal_output_drive(uint8_t channel, uint32_t amplitude_ua, const tc_setpoint_t *shape)
{
    (void)shape; /* the simulated source has no pulse shape, only a level */
    if (valid(channel)) {
        chans[channel].driven_ua = amplitude_ua;
        settle(channel);
    }
}

uint32_t tc_hal_delivered_ua(uint8_t channel)
{
    return valid(channel) ? measured(&chans[channel]) : 0u;
}

tc_lead_t tc_hal_lead(uint8_t channel, uint16_t *impedance_ohm)
{
    bool off = !valid(channel) || chans[channel].lead_off;
    *impedance_ohm = off ? (uint16_t)TC_IMPEDANCE_OPEN : (uint16_t)LEAD_IMPEDANCE_OHM;
    return off ? TC_LEAD_OFF : TC_LEAD_OK;
}

uint16_t tc_hal_battery_mv(uint8_t *percent)
{
    *percent = battery_low ? 3u : 87u;
    return battery_low ? (uint16_t)AFE_BATTERY_LOW_MV : (uint16_t)AFE_BATTERY_OK_MV;
}

bool tc_hal_self_test(void)
{
    return !hardware_failed;
}

bool tc_hal_hardware_ok(void)
{
    return !hardware_failed;
}
