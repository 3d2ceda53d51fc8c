/*
 * core.h - the device side of firmware_protocol.md 1.1, for a board to run.
 *
 * A board owns one tc_core_t (static storage; it holds every buffer, no heap) and calls:
 *   tc_core_init()     once at reset, after its startup code disabled the outputs;
 *   tc_core_receive()  with the bytes the host sent, as they arrive;
 *   tc_core_poll()     whenever it wakes, and no later than tc_core_next_due_us();
 * each with the time now from its free-running counter (timebase.h). The core answers
 * through tc_hal_write() and drives the outputs through the rest of hal.h.
 *
 * Everything is bounded: 250 bytes of receive buffer, one frame built at a time, a fixed
 * number of channels; nothing recurses, nothing allocates, all arithmetic is integer.
 */
#ifndef TC_CORE_H
#define TC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board_check.h"
#include "codec.h"
#include "frame.h"
#include "limits.h"
#include "slew.h"
#include "timebase.h"

typedef struct {
    uint8_t channel_count;    /* 1..TC_BOARD_MAX_CHANNELS */
    tc_boot_reason_t reason;  /* why the MCU reset (BOOT) */
    bool hold_boot; /* hold BOOT until the first host frame: a transport that loses what is
                     * sent before a host opens it (USB CDC, QEMU's pty; D7) */
} tc_config_t;

/* One channel's state (the core's; read it through the accessors below). */
typedef struct {
    bool enabled;         /* started by START, not stopped since */
    uint8_t faults;       /* latched channel faults (TC_CHANNEL_FAULTS bits) */
    uint8_t lead;         /* tc_lead_t, as last sensed */
    uint16_t impedance_ohm;
    uint32_t setpoint_ua; /* accepted setpoint in force (0 when disabled or faulted) */
    bool has_shape;       /* a SET has given the pulse shape since START */
    tc_setpoint_t shape;
    tc_ramp_t ramp;       /* what the current source is driven to */
    uint32_t delivered_ua; /* last measurement */
    tc_over_timer_t over;
} tc_channel_t;

typedef struct {
    tc_config_t config;
    uint64_t now_us;  /* the latest time the core was given */
    uint64_t boot_us; /* when it was reset: uptime and the telemetry grid count from here */
    uint8_t state;    /* tc_state_t */
    uint8_t device_faults; /* TC_DEVICE_FAULTS bits */
    uint8_t version;  /* the version in force */
    uint16_t push_seq;
    bool watchdog_armed;
    uint16_t watchdog_ms;
    uint64_t watchdog_refreshed_us;
    uint64_t next_telemetry_us;
    bool boot_pending;  /* BOOT held until the first host frame (config.hold_boot) */
    bool event_pending; /* a fault latched or a lead changed: an event frame is owed */
    uint64_t event_us;
    uint16_t battery_mv;
    uint8_t battery_pct;
    tc_frame_rx_t rx;
    tc_frame_tx_t tx;
    tc_channel_t channels[TC_BOARD_MAX_CHANNELS];
} tc_core_t;

/*
 * Reset: every output disabled first, then IDLE, version 1, nothing latched; BOOT sent
 * (or held). Returns false, with every output disabled, when config is invalid (the board
 * must then stay in a safe halt).
 */
bool tc_core_init(tc_core_t *core, const tc_config_t *config, uint64_t now_us);

/* Bytes from the host, arriving at now_us: every complete frame is handled and answered. */
void tc_core_receive(tc_core_t *core, const uint8_t *bytes, size_t len, uint64_t now_us);

/* Time passes: watchdog, sensing, limits, slew, telemetry. */
void tc_core_poll(tc_core_t *core, uint64_t now_us);

/* The latest time the board must call tc_core_poll() next (always after the last call). */
uint64_t tc_core_next_due_us(const tc_core_t *core);

/* The board's own monitor found its hardware failed: INTERNAL latched, output 0. */
void tc_core_hardware_fault(tc_core_t *core, uint64_t now_us);

/* Read-only views for boards and tests. */
uint8_t tc_core_all_faults(const tc_core_t *core);
const tc_channel_t *tc_core_channel(const tc_core_t *core, uint8_t channel);
uint32_t tc_core_frame_errors(const tc_core_t *core);

#endif
