/*
 * render.c - a payload decoded and written as the spec vectors' JSON (Python's json.dumps
 * layout: ", " and ": " separators, keys in the document's order), and re-encoded with the
 * core's encoders.
 */
#include "render.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

static void put(out_t *o, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(&o->text[o->len], sizeof o->text - o->len, fmt, args);
    va_end(args);
    if (n > 0) {
        o->len += (size_t)n;
        if (o->len >= sizeof o->text) {
            o->len = sizeof o->text - 1u;
        }
    }
}

const char *type_name(uint8_t type)
{
    switch (type) {
    case TC_MSG_HELLO: return "HELLO";
    case TC_MSG_START: return "START";
    case TC_MSG_STOP: return "STOP";
    case TC_MSG_SET: return "SET";
    case TC_MSG_HEARTBEAT: return "HEARTBEAT";
    case TC_MSG_IDENTITY: return "IDENTITY";
    case TC_MSG_ACK: return "ACK";
    case TC_MSG_NAK: return "NAK";
    case TC_MSG_TELEMETRY: return "TELEMETRY";
    case TC_MSG_BOOT: return "BOOT";
    default: return "?";
    }
}

static const char *const nak_names[] = {"?", "BAD_LENGTH", "UNKNOWN_TYPE", "UNSUPPORTED_VERSION",
                                        "BAD_CHANNEL", "OUT_OF_RANGE", "BAD_STATE",
                                        "FAULT_LATCHED", "LEAD_OFF", "LOW_BATTERY", "INTERNAL"};
static const char *const fault_names[] = {"LEAD_OFF", "OVER_DELIVERY", "OVER_CURRENT",
                                          "LOW_BATTERY", "HOST_LOST", "INTERNAL"};

uint8_t nak_code_named(const char *name)
{
    for (uint8_t i = 1u; i < sizeof nak_names / sizeof nak_names[0]; i++) {
        if (strcmp(nak_names[i], name) == 0) {
            return i;
        }
    }
    return 0u;
}

uint8_t type_named(const char *name)
{
    static const uint8_t all[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x81, 0x82, 0x83, 0xA0, 0xA1};
    for (size_t i = 0u; i < sizeof all; i++) {
        if (strcmp(type_name(all[i]), name) == 0) {
            return all[i];
        }
    }
    return 0u;
}

static void put_faults(out_t *o, uint8_t bits)
{
    put(o, "[");
    bool first = true;
    for (unsigned b = 0u; b < 6u; b++) {
        if (bits & (1u << b)) {
            put(o, first ? "\"%s\"" : ", \"%s\"", fault_names[b]);
            first = false;
        }
    }
    put(o, "]");
}

static void render_start(out_t *o, const tc_start_t *s)
{
    put(o, "{\"channel_mask\": %u, \"watchdog_ms\": %u}", s->channel_mask, s->watchdog_ms);
}

static void render_set(out_t *o, const tc_setpoint_t *s)
{
    put(o, "{\"channel\": %u, \"amplitude_ua\": %u, \"rate_mhz\": %u, \"phase_width_us\": %u, ",
        s->channel, s->amplitude_ua, s->rate_mhz, s->phase_width_us);
    put(o, "\"waveform\": \"%s\", \"pattern\": \"%s\", ",
        s->waveform == 0u ? "SYMMETRIC_BIPHASIC" : "ASYMMETRIC_BIPHASIC",
        s->pattern == 0u ? "CONTINUOUS" : "BURST");
    put(o, "\"burst_rate_mhz\": %u, \"pulses_per_burst\": %u}", s->burst_rate_mhz,
        s->pulses_per_burst);
}

static void render_identity(out_t *o, const tc_identity_t *id)
{
    put(o, "{\"selected_version\": %u, \"minor_version\": %u, \"device_min_version\": %u, "
           "\"device_max_version\": %u, \"flags\": %s, \"firmware\": [%u, %u, %u], ",
        id->selected_version, id->minor_version, id->device_min_version, id->device_max_version,
        (id->flags & 1u) ? "[\"SIMULATOR\"]" : "[]", id->firmware[0], id->firmware[1],
        id->firmware[2]);
    put(o, "\"model\": \"%s\", \"serial_number\": \"%s\", \"watchdog_min_ms\": %u, "
           "\"watchdog_max_ms\": %u, \"watchdog_default_ms\": %u, \"telemetry_period_ms\": %u, "
           "\"slew_ua_per_s\": %u, \"channels\": [",
        id->model, id->serial_number, id->watchdog_min_ms, id->watchdog_max_ms,
        id->watchdog_default_ms, id->telemetry_period_ms, id->slew_ua_per_s);
    for (uint8_t i = 0u; i < id->channel_count; i++) {
        const tc_caps_t *c = &id->caps[i];
        put(o, "%s{\"max_amplitude_ua\": %u, \"rate_min_mhz\": %u, \"rate_max_mhz\": %u, "
               "\"width_min_us\": %u, \"width_max_us\": %u, \"waveforms\": %u, \"patterns\": %u, "
               "\"burst_rate_min_mhz\": %u, \"burst_rate_max_mhz\": %u, "
               "\"pulses_per_burst_min\": %u, \"pulses_per_burst_max\": %u}",
            i == 0u ? "" : ", ", c->max_amplitude_ua, c->rate_min_mhz, c->rate_max_mhz,
            c->width_min_us, c->width_max_us, c->waveforms, c->patterns, c->burst_rate_min_mhz,
            c->burst_rate_max_mhz, c->pulses_per_burst_min, c->pulses_per_burst_max);
    }
    put(o, "]}");
}

static void render_telemetry(out_t *o, const tc_telemetry_t *t)
{
    put(o, "{\"state\": \"%s\", \"faults\": ", t->state == 1u ? "RUNNING" : "IDLE");
    put_faults(o, t->faults);
    put(o, ", \"battery_mv\": %u, \"battery_pct\": %u, \"uptime_ms\": %u, \"frame_errors\": %u, "
           "\"channels\": [",
        t->battery_mv, t->battery_pct, t->uptime_ms, t->frame_errors);
    for (uint8_t i = 0u; i < t->channel_count; i++) {
        const tc_channel_telemetry_t *c = &t->channels[i];
        put(o, "%s{\"setpoint_ua\": %u, \"delivered_ua\": %u, \"lead\": \"%s\", "
               "\"impedance_ohm\": %u, \"faults\": ",
            i == 0u ? "" : ", ", c->setpoint_ua, c->delivered_ua, c->lead == 0u ? "OK" : "OFF",
            c->impedance_ohm);
        put_faults(o, c->faults);
        put(o, "}");
    }
    put(o, "]}");
}

/*
 * Decode the payload of f into JSON (o) and encode it back with the core's encoders into
 * again; false when the payload does not fit its type's layout.
 */
bool render_and_reencode(const tc_frame_t *f, out_t *o, uint8_t *again, size_t *again_len)
{
    const uint8_t *p = f->payload;
    size_t n = f->payload_len;
    switch (f->type) {
    case TC_MSG_HELLO: {
        tc_hello_t h;
        if (!tc_decode_hello(p, n, &h)) {
            return false;
        }
        put(o, "{\"min_version\": %u, \"max_version\": %u}", h.min_version, h.max_version);
        again[0] = h.min_version;
        again[1] = h.max_version;
        *again_len = 2u;
        return true;
    }
    case TC_MSG_START: {
        tc_start_t s;
        if (!tc_decode_start(p, n, &s)) {
            return false;
        }
        render_start(o, &s);
        *again_len = tc_encode_start(again, TC_MAX_PAYLOAD, &s);
        return true;
    }
    case TC_MSG_SET: {
        tc_setpoint_t s;
        if (!tc_decode_set(p, n, &s)) {
            return false;
        }
        render_set(o, &s);
        *again_len = tc_encode_set(again, TC_MAX_PAYLOAD, &s);
        return true;
    }
    case TC_MSG_STOP:
    case TC_MSG_HEARTBEAT:
        put(o, "{}");
        *again_len = 0u;
        return n == 0u;
    case TC_MSG_ACK: {
        if (n < 1u) {
            return false;
        }
        put(o, "{\"request_type\": \"%s\", \"applied\": ", type_name(p[0]));
        if (p[0] == TC_MSG_START) {
            tc_start_t s;
            if (!tc_decode_start(&p[1], n - 1u, &s)) {
                return false;
            }
            render_start(o, &s);
        } else if (p[0] == TC_MSG_SET) {
            tc_setpoint_t s;
            if (!tc_decode_set(&p[1], n - 1u, &s)) {
                return false;
            }
            render_set(o, &s);
        } else if (n == 1u) {
            put(o, "null");
        } else {
            return false;
        }
        put(o, "}");
        *again_len = tc_encode_ack(again, TC_MAX_PAYLOAD, p[0], &p[1], n - 1u);
        return true;
    }
    case TC_MSG_NAK:
        if (n != TC_NAK_LEN || p[1] == 0u || p[1] > 10u) {
            return false;
        }
        put(o, "{\"request_type\": \"%s\", \"code\": \"%s\", \"field\": %u}", type_name(p[0]),
            nak_names[p[1]], p[2]);
        *again_len = tc_encode_nak(again, TC_MAX_PAYLOAD, p[0], p[1], p[2]);
        return true;
    case TC_MSG_BOOT: {
        static const char *const reasons[] = {"POWER_ON", "MCU_WATCHDOG", "BROWN_OUT",
                                              "SOFTWARE_RESET"};
        if (n != 1u) {
            return false;
        }
        put(o, "{\"reason\": \"%s\"}", p[0] < 4u ? reasons[p[0]] : "UNKNOWN");
        *again_len = tc_encode_boot(again, TC_MAX_PAYLOAD, p[0]);
        return true;
    }
    case TC_MSG_IDENTITY: {
        tc_identity_t id;
        tc_caps_t caps[TC_MAX_CHANNELS_ON_WIRE];
        char model[32];
        char serial[32];
        if (!decode_identity(p, n, &id, caps, model, serial)) {
            return false;
        }
        render_identity(o, &id);
        *again_len = tc_encode_identity(again, TC_MAX_PAYLOAD, &id);
        return true;
    }
    case TC_MSG_TELEMETRY: {
        tc_telemetry_t t;
        if (!decode_telemetry(p, n, &t)) {
            return false;
        }
        render_telemetry(o, &t);
        *again_len = tc_encode_telemetry(again, TC_MAX_PAYLOAD, &t);
        return true;
    }
    default:
        return false;
    }
}

