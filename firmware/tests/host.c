/*
 * host.c - host-side helpers of the unit tests.
 */
#include "host.h"

#include <string.h>

#include "bytes.h"
#include "fake_hal.h"
#include "frame.h"

size_t sent_frames(frame_t *frames, size_t max)
{
    static tc_frame_rx_t rx;
    tc_rx_init(&rx);
    size_t n = 0u;
    for (size_t i = 0u; i < fake.out_len; i++) {
        tc_frame_t f;
        if (tc_rx_push(&rx, fake.out[i], &f) == TC_RX_FRAME && n < max) {
            frames[n].version = f.version;
            frames[n].type = f.type;
            frames[n].seq = f.seq;
            frames[n].len = f.payload_len;
            memcpy(frames[n].payload, f.payload, f.payload_len);
            n++;
        }
    }
    return n;
}

static frame_t scratch[MAX_FRAMES];

bool the_answer(frame_t *answer)
{
    size_t n = sent_frames(scratch, MAX_FRAMES);
    size_t answers = 0u;
    for (size_t i = 0u; i < n; i++) {
        if (scratch[i].type >= 0x80u && scratch[i].type <= 0x9Fu) {
            *answer = scratch[i];
            answers++;
        }
    }
    return answers == 1u;
}

size_t telemetry_frames(tc_telemetry_t *last)
{
    size_t n = sent_frames(scratch, MAX_FRAMES);
    size_t count = 0u;
    for (size_t i = 0u; i < n; i++) {
        if (scratch[i].type == TC_MSG_TELEMETRY) {
            count++;
            if (last != NULL) {
                decode_telemetry(scratch[i].payload, scratch[i].len, last);
            }
        }
    }
    return count;
}

void host_send(tc_core_t *core, uint64_t now_us, uint8_t version, uint8_t type, uint16_t seq,
               const uint8_t *payload, size_t len)
{
    static tc_frame_tx_t tx;
    if (len != 0u) {
        memcpy(tc_tx_payload(&tx), payload, len);
    }
    size_t wire = tc_tx_finish(&tx, version, type, seq, len);
    tc_core_receive(core, tx.wire, wire, now_us);
}

void host_hello(tc_core_t *core, uint64_t now_us, uint16_t seq, uint8_t min, uint8_t max)
{
    uint8_t p[2] = {min, max};
    host_send(core, now_us, 1u, TC_MSG_HELLO, seq, p, sizeof p);
}

void host_start(tc_core_t *core, uint64_t now_us, uint16_t seq, uint8_t mask, uint16_t wd_ms)
{
    uint8_t p[3];
    tc_start_t start = {mask, wd_ms};
    tc_encode_start(p, sizeof p, &start);
    host_send(core, now_us, 1u, TC_MSG_START, seq, p, sizeof p);
}

void host_stop(tc_core_t *core, uint64_t now_us, uint16_t seq)
{
    host_send(core, now_us, 1u, TC_MSG_STOP, seq, NULL, 0u);
}

void host_heartbeat(tc_core_t *core, uint64_t now_us, uint16_t seq)
{
    host_send(core, now_us, 1u, TC_MSG_HEARTBEAT, seq, NULL, 0u);
}

void host_set(tc_core_t *core, uint64_t now_us, uint16_t seq, const tc_setpoint_t *set)
{
    uint8_t p[TC_SET_LEN];
    tc_encode_set(p, sizeof p, set);
    host_send(core, now_us, 1u, TC_MSG_SET, seq, p, sizeof p);
}

tc_setpoint_t continuous(uint8_t channel, uint32_t amplitude_ua)
{
    tc_setpoint_t set = {channel, amplitude_ua, 80000u, 180u, 0u, 0u, 0u, 0u};
    return set;
}

void host_set_amp(tc_core_t *core, uint64_t now_us, uint16_t seq, uint8_t channel,
                  uint32_t amplitude_ua)
{
    tc_setpoint_t set = continuous(channel, amplitude_ua);
    host_set(core, now_us, seq, &set);
}

void device_boot(tc_core_t *core, uint8_t channels, uint64_t now_us)
{
    tc_config_t config = {channels, TC_BOOT_POWER_ON, false};
    tc_core_init(core, &config, now_us);
    fake_clear_log();
}

void device_running(tc_core_t *core, uint8_t channels, uint64_t now_us, uint16_t wd_ms)
{
    device_boot(core, channels, now_us);
    host_hello(core, now_us, 0u, 1u, 1u);
    host_start(core, now_us, 1u, (uint8_t)((1u << channels) - 1u), wd_ms);
    fake_clear_log();
}

void run_until(tc_core_t *core, uint64_t end_us)
{
    for (unsigned guard = 0u; guard < 100000u; guard++) {
        uint64_t due = tc_core_next_due_us(core);
        if (tc_time_reached(due, end_us + 1u)) {
            break;
        }
        tc_core_poll(core, due);
    }
    tc_core_poll(core, end_us);
}

bool decode_telemetry(const uint8_t *p, size_t len, tc_telemetry_t *out)
{
    if (len < TC_TELEMETRY_FIXED_LEN) {
        return false;
    }
    uint8_t count = p[13];
    if (count == 0u || count > TC_MAX_CHANNELS_ON_WIRE ||
        len != TC_TELEMETRY_FIXED_LEN + (size_t)count * TC_TELEMETRY_CHANNEL_LEN) {
        return false;
    }
    out->state = p[0];
    out->faults = p[1];
    out->battery_mv = tc_get_u16(&p[2]);
    out->battery_pct = p[4];
    out->uptime_ms = tc_get_u32(&p[5]);
    out->frame_errors = tc_get_u32(&p[9]);
    out->channel_count = count;
    for (uint8_t i = 0u; i < count; i++) {
        const uint8_t *c = &p[TC_TELEMETRY_FIXED_LEN + (size_t)i * TC_TELEMETRY_CHANNEL_LEN];
        out->channels[i].setpoint_ua = tc_get_u32(&c[0]);
        out->channels[i].delivered_ua = tc_get_u32(&c[4]);
        out->channels[i].lead = c[8];
        out->channels[i].impedance_ohm = tc_get_u16(&c[9]);
        out->channels[i].faults = c[11];
    }
    return true;
}

static bool take_string(const uint8_t *p, size_t len, size_t *at, char *out, uint8_t *out_len)
{
    if (*at >= len) {
        return false;
    }
    uint8_t n = p[*at];
    if (n > TC_MAX_ID_STRING_LEN || *at + 1u + n > len) {
        return false;
    }
    memcpy(out, &p[*at + 1u], n);
    out[n] = '\0';
    *out_len = n;
    *at += 1u + n;
    return true;
}

bool decode_identity(const uint8_t *p, size_t len, tc_identity_t *out, tc_caps_t *caps,
                     char *model, char *serial)
{
    if (len < TC_IDENTITY_FIXED_LEN) {
        return false;
    }
    out->selected_version = p[0];
    out->minor_version = p[1];
    out->device_min_version = p[2];
    out->device_max_version = p[3];
    out->flags = p[4];
    memcpy(out->firmware, &p[5], 3u);
    size_t at = 8u;
    if (!take_string(p, len, &at, model, &out->model_len) ||
        !take_string(p, len, &at, serial, &out->serial_number_len) || at + 13u > len) {
        return false;
    }
    out->model = model;
    out->serial_number = serial;
    out->watchdog_min_ms = tc_get_u16(&p[at]);
    out->watchdog_max_ms = tc_get_u16(&p[at + 2u]);
    out->watchdog_default_ms = tc_get_u16(&p[at + 4u]);
    out->telemetry_period_ms = tc_get_u16(&p[at + 6u]);
    out->slew_ua_per_s = tc_get_u32(&p[at + 8u]);
    out->channel_count = p[at + 12u];
    at += 13u;
    if (out->channel_count == 0u || out->channel_count > TC_MAX_CHANNELS_ON_WIRE ||
        len != at + (size_t)out->channel_count * TC_IDENTITY_CHANNEL_LEN) {
        return false; /* D2: more than 6 channels is malformed */
    }
    for (uint8_t i = 0u; i < out->channel_count; i++) {
        const uint8_t *c = &p[at + (size_t)i * TC_IDENTITY_CHANNEL_LEN];
        caps[i].max_amplitude_ua = tc_get_u32(&c[0]);
        caps[i].rate_min_mhz = tc_get_u32(&c[4]);
        caps[i].rate_max_mhz = tc_get_u32(&c[8]);
        caps[i].width_min_us = tc_get_u16(&c[12]);
        caps[i].width_max_us = tc_get_u16(&c[14]);
        caps[i].waveforms = c[16];
        caps[i].patterns = c[17];
        caps[i].burst_rate_min_mhz = tc_get_u32(&c[18]);
        caps[i].burst_rate_max_mhz = tc_get_u32(&c[22]);
        caps[i].pulses_per_burst_min = c[26];
        caps[i].pulses_per_burst_max = c[27];
    }
    out->caps = caps;
    return true;
}

bool is_ack(const frame_t *f, uint8_t request_type)
{
    return f->type == TC_MSG_ACK && f->len >= 1u && f->payload[0] == request_type;
}

bool is_nak(const frame_t *f, uint8_t code, uint8_t field)
{
    return f->type == TC_MSG_NAK && f->len == TC_NAK_LEN && f->payload[1] == code &&
           f->payload[2] == field;
}
