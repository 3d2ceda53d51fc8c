/*
 * hal.h - the flat hardware API a board provides to the core.
 *
 * The core never touches hardware; it calls these functions, which every board defines
 * (hal/posix/ on a pty with a simulated front end, hal/mps2_an385/ under QEMU, tests/ a
 * fake). Channels are numbered 1..TC_BOARD_MAX_CHANNELS, as on the wire. All are called
 * from the one context that runs the core (never from an interrupt the core can preempt).
 *
 * WHAT THE BOARD MUST GUARANTEE IN HARDWARE (no software can replace any of this):
 *
 *  1. Output disabled at reset before anything else runs: the output stage's enable
 *     lines default to "off" through pull resistors, so output is off while the MCU is in
 *     reset, while it boots, and if the firmware never starts. Startup code disables the
 *     outputs again as its first action, before the clocks, the C runtime and the core.
 *  2. An independent hardware watchdog that resets the MCU (a window watchdog clocked
 *     from its own oscillator, started at boot and never stopped), kicked only from the
 *     main loop after tc_core_poll() returned; its reset disables output as in 1.
 *  3. Hardware current limiting on every channel at or below TC_BOARD_MAX_AMPLITUDE_UA,
 *     and a compliance-voltage limit, that act without the MCU.
 *  4. Galvanic isolation between the patient circuit and anything the host touches
 *     (USB, mains), as IEC 60601-1 requires for a type BF applied part.
 *  5. An emergency-stop path (a button, a supply monitor, a lid switch) cuts output in
 *     hardware first, then tells the firmware (the board calls tc_core_hardware_fault()
 *     or reports it through tc_hal_hardware_ok()); the firmware never sits in that path.
 *
 * What the core guarantees in return: output 0 after tc_core_init(); output rises only
 * through SETs, at no more than the slew; every fault, STOP and watchdog expiry drives
 * output to 0 through tc_hal_output_disable() before anything is reported.
 */
#ifndef TC_HAL_H
#define TC_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "events.h"
#include "proto.h"

/*
 * Send len bytes (one or more whole frames, delimiter included) to the host. May drop
 * bytes it cannot send (no host attached, a full buffer): the host's timeouts cope, and
 * a partial frame is resynchronised on the next 0x00. Must not block for long (under 1 ms).
 */
void tc_hal_write(const uint8_t *bytes, size_t len);

/* Allow channel to generate pulses (at the amplitude last driven, 0 after enabling). */
void tc_hal_output_enable(uint8_t channel);

/*
 * Stop channel's output through the hardware gate and drive it to 0. Returns only once the
 * output is off: the core acknowledges a STOP after this returned for every channel.
 */
void tc_hal_output_disable(uint8_t channel);

/*
 * Drive channel's current source to amplitude_ua with the pulse shape of shape (rate,
 * phase width, waveform, pattern, burst; channel and amplitude_ua fields unused), or
 * none yet when shape is NULL (amplitude_ua is then 0). Called whenever either changes;
 * the board applies it at the next pulse.
 */
void tc_hal_output_drive(uint8_t channel, uint32_t amplitude_ua, const tc_setpoint_t *shape);

/*
 * The peak current measured on channel's most recent pulse, uA; 0 when no pulse is being
 * generated. Read by the core at least every TC_BOARD_CONTROL_TICK_US.
 */
uint32_t tc_hal_delivered_ua(uint8_t channel);

/* channel's electrode lead, and its measured load in ohm (TC_IMPEDANCE_OPEN when open). */
tc_lead_t tc_hal_lead(uint8_t channel, uint16_t *impedance_ohm);

/* Battery voltage, mV (0 when mains powered), and charge in percent (255 unknown). */
uint16_t tc_hal_battery_mv(uint8_t *percent);

/*
 * The self-test every START runs (section 4.3): true when the output stage can stimulate
 * safely (a board with nothing to test returns true). Must finish within 5 ms.
 */
bool tc_hal_self_test(void);

/* false while the board knows its hardware to have failed (INTERNAL latches then). */
bool tc_hal_hardware_ok(void);

/* An event for the board's log or trace (events.h); may do nothing. */
void tc_hal_event(const tc_event_t *event);

#endif
