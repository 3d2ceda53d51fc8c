/*
 * host.h - the host's side of the unit tests: frames sent to the core, and the device's
 * frames decoded back (with decoders of the device payloads, which the core itself never
 * needs: it only encodes them).
 */
#ifndef TC_TEST_HOST_H
#define TC_TEST_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "core.h"

/* One frame the device sent, decoded. */
typedef struct {
    uint8_t version;
    uint8_t type;
    uint16_t seq;
    uint8_t payload[TC_MAX_PAYLOAD];
    size_t len;
} frame_t;

#define MAX_FRAMES 2048u

/* The frames in what the device sent since the last fake_clear_log(); how many. */
size_t sent_frames(frame_t *frames, size_t max);

/* The one answer (IDENTITY, ACK or NAK) among them: false unless exactly one. */
bool the_answer(frame_t *answer);

/* How many TELEMETRY frames were sent, and the last of them. */
size_t telemetry_frames(tc_telemetry_t *last);

/* Send one frame (raw fields) to the core at now_us. */
void host_send(tc_core_t *core, uint64_t now_us, uint8_t version, uint8_t type, uint16_t seq,
               const uint8_t *payload, size_t len);
void host_hello(tc_core_t *core, uint64_t now_us, uint16_t seq, uint8_t min, uint8_t max);
void host_start(tc_core_t *core, uint64_t now_us, uint16_t seq, uint8_t mask, uint16_t wd_ms);
void host_stop(tc_core_t *core, uint64_t now_us, uint16_t seq);
void host_heartbeat(tc_core_t *core, uint64_t now_us, uint16_t seq);
void host_set(tc_core_t *core, uint64_t now_us, uint16_t seq, const tc_setpoint_t *set);
/* A continuous setpoint: amplitude_ua at 80 Hz, 180 us, symmetric. */
tc_setpoint_t continuous(uint8_t channel, uint32_t amplitude_ua);
/* SET continuous(channel, amplitude_ua). */
void host_set_amp(tc_core_t *core, uint64_t now_us, uint16_t seq, uint8_t channel,
                  uint32_t amplitude_ua);

/* A core reset at now_us with channels channels, its BOOT already taken. */
void device_boot(tc_core_t *core, uint8_t channels, uint64_t now_us);
/* device_boot, HELLO, START of every channel with watchdog wd_ms; the log cleared. */
void device_running(tc_core_t *core, uint8_t channels, uint64_t now_us, uint16_t wd_ms);

/* Poll core at every instant it asks for, up to and including end_us (wrap-safe). */
void run_until(tc_core_t *core, uint64_t end_us);

/* Device payload decoders (false when the layout does not fit, e.g. 7 channels). */
bool decode_telemetry(const uint8_t *p, size_t len, tc_telemetry_t *out);
bool decode_identity(const uint8_t *p, size_t len, tc_identity_t *out, tc_caps_t *caps,
                     char *model, char *serial);

/* An answer's fields: ACK's request type, NAK's code and field. */
bool is_ack(const frame_t *f, uint8_t request_type);
bool is_nak(const frame_t *f, uint8_t code, uint8_t field);

#endif
