/*
 * codec.h - payload layouts of section 4: the requests a device decodes and the frames
 * it encodes. Pure functions over bytes; no state, no time.
 *
 * Units are in the field names: _ua microamperes, _mhz millihertz, _us microseconds,
 * _ms milliseconds, _mv millivolts, _ohm ohm, _ua_per_s microamperes per second.
 */
#ifndef TC_CODEC_H
#define TC_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

typedef struct {
    uint8_t min_version;
    uint8_t max_version;
} tc_hello_t;

typedef struct {
    uint8_t channel_mask;
    uint16_t watchdog_ms; /* 0: the device default */
} tc_start_t;

/* SET's eight fields as raw integers: enum values are checked by the refusal table. */
typedef struct {
    uint8_t channel; /* 1-based */
    uint32_t amplitude_ua;
    uint32_t rate_mhz;
    uint16_t phase_width_us;
    uint8_t waveform;
    uint8_t pattern;
    uint32_t burst_rate_mhz;
    uint8_t pulses_per_burst;
} tc_setpoint_t;

/* One channel's capabilities (IDENTITY, section 4.2). */
typedef struct {
    uint32_t max_amplitude_ua;
    uint32_t rate_min_mhz;
    uint32_t rate_max_mhz;
    uint16_t width_min_us;
    uint16_t width_max_us;
    uint8_t waveforms; /* bit mask: bit n = waveform n */
    uint8_t patterns;  /* bit mask: bit n = pattern n */
    uint32_t burst_rate_min_mhz;
    uint32_t burst_rate_max_mhz;
    uint8_t pulses_per_burst_min;
    uint8_t pulses_per_burst_max;
} tc_caps_t;

typedef struct {
    uint8_t selected_version;
    uint8_t minor_version;
    uint8_t device_min_version;
    uint8_t device_max_version;
    uint8_t flags;
    uint8_t firmware[3];
    const char *model; /* ASCII, model_len bytes, not terminated */
    uint8_t model_len;
    const char *serial_number;
    uint8_t serial_number_len;
    uint16_t watchdog_min_ms;
    uint16_t watchdog_max_ms;
    uint16_t watchdog_default_ms;
    uint16_t telemetry_period_ms;
    uint32_t slew_ua_per_s;
    uint8_t channel_count;
    const tc_caps_t *caps; /* caps[0..channel_count-1] */
} tc_identity_t;

typedef struct {
    uint32_t setpoint_ua;
    uint32_t delivered_ua;
    uint8_t lead; /* tc_lead_t */
    uint16_t impedance_ohm;
    uint8_t faults;
} tc_channel_telemetry_t;

typedef struct {
    uint8_t state; /* tc_state_t */
    uint8_t faults;
    uint16_t battery_mv;
    uint8_t battery_pct;
    uint32_t uptime_ms;
    uint32_t frame_errors;
    uint8_t channel_count;
    tc_channel_telemetry_t channels[TC_MAX_CHANNELS_ON_WIRE];
} tc_telemetry_t;

/* Decoders: false when the payload length is wrong for the type (NAK BAD_LENGTH). */
bool tc_decode_hello(const uint8_t *p, size_t len, tc_hello_t *out);
bool tc_decode_start(const uint8_t *p, size_t len, tc_start_t *out);
bool tc_decode_set(const uint8_t *p, size_t len, tc_setpoint_t *out);

/*
 * Encoders write into p (capacity cap) and return the payload length, or 0 when the
 * message does not fit or breaks its layout (a string above 24 bytes, a channel count
 * outside 1..6): such a frame is never sent.
 */
size_t tc_encode_start(uint8_t *p, size_t cap, const tc_start_t *start);
size_t tc_encode_set(uint8_t *p, size_t cap, const tc_setpoint_t *set);
size_t tc_encode_ack(uint8_t *p, size_t cap, uint8_t request_type, const uint8_t *echo,
                     size_t echo_len);
size_t tc_encode_nak(uint8_t *p, size_t cap, uint8_t request_type, uint8_t code, uint8_t field);
size_t tc_encode_boot(uint8_t *p, size_t cap, uint8_t reason);
size_t tc_encode_identity(uint8_t *p, size_t cap, const tc_identity_t *id);
size_t tc_encode_telemetry(uint8_t *p, size_t cap, const tc_telemetry_t *tm);

#endif
