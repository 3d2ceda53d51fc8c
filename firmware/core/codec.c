/*
 * codec.c - the payload layouts of section 4, byte by byte.
 */
#include "codec.h"

#include "bytes.h"

bool tc_decode_hello(const uint8_t *p, size_t len, tc_hello_t *out)
{
    if (len != TC_HELLO_LEN) {
        return false;
    }
    out->min_version = p[0];
    out->max_version = p[1];
    return true;
}

bool tc_decode_start(const uint8_t *p, size_t len, tc_start_t *out)
{
    if (len != TC_START_LEN) {
        return false;
    }
    out->channel_mask = p[0];
    out->watchdog_ms = tc_get_u16(&p[1]);
    return true;
}

bool tc_decode_set(const uint8_t *p, size_t len, tc_setpoint_t *out)
{
    if (len != TC_SET_LEN) {
        return false;
    }
    out->channel = p[0];
    out->amplitude_ua = tc_get_u32(&p[1]);
    out->rate_mhz = tc_get_u32(&p[5]);
    out->phase_width_us = tc_get_u16(&p[9]);
    out->waveform = p[11];
    out->pattern = p[12];
    out->burst_rate_mhz = tc_get_u32(&p[13]);
    out->pulses_per_burst = p[17];
    return true;
}

size_t tc_encode_start(uint8_t *p, size_t cap, const tc_start_t *start)
{
    if (cap < TC_START_LEN) {
        return 0u;
    }
    p[0] = start->channel_mask;
    tc_put_u16(&p[1], start->watchdog_ms);
    return TC_START_LEN;
}

size_t tc_encode_set(uint8_t *p, size_t cap, const tc_setpoint_t *set)
{
    if (cap < TC_SET_LEN) {
        return 0u;
    }
    p[0] = set->channel;
    tc_put_u32(&p[1], set->amplitude_ua);
    tc_put_u32(&p[5], set->rate_mhz);
    tc_put_u16(&p[9], set->phase_width_us);
    p[11] = set->waveform;
    p[12] = set->pattern;
    tc_put_u32(&p[13], set->burst_rate_mhz);
    p[17] = set->pulses_per_burst;
    return TC_SET_LEN;
}

size_t tc_encode_ack(uint8_t *p, size_t cap, uint8_t request_type, const uint8_t *echo,
                     size_t echo_len)
{
    /* the echo is START's 3 bytes, SET's 18, or nothing (section 4.7) */
    if (echo_len != 0u && echo_len != TC_START_LEN && echo_len != TC_SET_LEN) {
        return 0u;
    }
    if (cap < 1u + echo_len) {
        return 0u;
    }
    p[0] = request_type;
    tc_copy(&p[1], echo, echo_len);
    return 1u + echo_len;
}

size_t tc_encode_nak(uint8_t *p, size_t cap, uint8_t request_type, uint8_t code, uint8_t field)
{
    if (cap < TC_NAK_LEN) {
        return 0u;
    }
    p[0] = request_type;
    p[1] = code;
    p[2] = field;
    return TC_NAK_LEN;
}

size_t tc_encode_boot(uint8_t *p, size_t cap, uint8_t reason)
{
    if (cap < TC_BOOT_LEN) {
        return 0u;
    }
    p[0] = reason;
    return TC_BOOT_LEN;
}

static size_t put_string(uint8_t *p, const char *s, uint8_t len)
{
    p[0] = len;
    for (uint8_t i = 0u; i < len; i++) {
        p[1u + i] = (uint8_t)s[i];
    }
    return 1u + (size_t)len;
}

static void put_caps(uint8_t *p, const tc_caps_t *c)
{
    tc_put_u32(&p[0], c->max_amplitude_ua);
    tc_put_u32(&p[4], c->rate_min_mhz);
    tc_put_u32(&p[8], c->rate_max_mhz);
    tc_put_u16(&p[12], c->width_min_us);
    tc_put_u16(&p[14], c->width_max_us);
    p[16] = c->waveforms;
    p[17] = c->patterns;
    tc_put_u32(&p[18], c->burst_rate_min_mhz);
    tc_put_u32(&p[22], c->burst_rate_max_mhz);
    p[26] = c->pulses_per_burst_min;
    p[27] = c->pulses_per_burst_max;
}

size_t tc_encode_identity(uint8_t *p, size_t cap, const tc_identity_t *id)
{
    if (id->model_len > TC_MAX_ID_STRING_LEN || id->serial_number_len > TC_MAX_ID_STRING_LEN) {
        return 0u;
    }
    if (id->channel_count == 0u || id->channel_count > TC_MAX_CHANNELS_ON_WIRE) {
        return 0u; /* D2: a count above 6 is malformed, so it is never sent */
    }
    size_t need = TC_IDENTITY_FIXED_LEN + id->model_len + id->serial_number_len +
                  (size_t)id->channel_count * TC_IDENTITY_CHANNEL_LEN;
    if (need > cap || need > TC_MAX_PAYLOAD) {
        return 0u;
    }
    size_t at = 0u;
    p[at++] = id->selected_version;
    p[at++] = id->minor_version;
    p[at++] = id->device_min_version;
    p[at++] = id->device_max_version;
    p[at++] = id->flags;
    p[at++] = id->firmware[0];
    p[at++] = id->firmware[1];
    p[at++] = id->firmware[2];
    at += put_string(&p[at], id->model, id->model_len);
    at += put_string(&p[at], id->serial_number, id->serial_number_len);
    tc_put_u16(&p[at], id->watchdog_min_ms);
    tc_put_u16(&p[at + 2u], id->watchdog_max_ms);
    tc_put_u16(&p[at + 4u], id->watchdog_default_ms);
    tc_put_u16(&p[at + 6u], id->telemetry_period_ms);
    tc_put_u32(&p[at + 8u], id->slew_ua_per_s);
    at += 12u;
    p[at++] = id->channel_count;
    for (uint8_t i = 0u; i < id->channel_count; i++) {
        put_caps(&p[at], &id->caps[i]);
        at += TC_IDENTITY_CHANNEL_LEN;
    }
    return at;
}

size_t tc_encode_telemetry(uint8_t *p, size_t cap, const tc_telemetry_t *tm)
{
    if (tm->channel_count == 0u || tm->channel_count > TC_MAX_CHANNELS_ON_WIRE) {
        return 0u;
    }
    size_t need =
        TC_TELEMETRY_FIXED_LEN + (size_t)tm->channel_count * TC_TELEMETRY_CHANNEL_LEN;
    if (need > cap) {
        return 0u;
    }
    p[0] = tm->state;
    p[1] = tm->faults;
    tc_put_u16(&p[2], tm->battery_mv);
    p[4] = tm->battery_pct;
    tc_put_u32(&p[5], tm->uptime_ms);
    tc_put_u32(&p[9], tm->frame_errors);
    p[13] = tm->channel_count;
    size_t at = TC_TELEMETRY_FIXED_LEN;
    for (uint8_t i = 0u; i < tm->channel_count; i++) {
        const tc_channel_telemetry_t *c = &tm->channels[i];
        tc_put_u32(&p[at], c->setpoint_ua);
        tc_put_u32(&p[at + 4u], c->delivered_ua);
        p[at + 8u] = c->lead;
        tc_put_u16(&p[at + 9u], c->impedance_ohm);
        p[at + 11u] = c->faults;
        at += TC_TELEMETRY_CHANNEL_LEN;
    }
    return at;
}
