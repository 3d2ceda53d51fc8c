/*
 * board_check.h - the board header's limits, checked at compile time against the
 * protocol's own ceilings (limits shrink down the chain: a board may only be stricter).
 *
 * Each board has one board.h (found through the include path) defining:
 *   TC_BOARD_MAX_CHANNELS            channels the hardware has, 1..6
 *   TC_BOARD_MODEL, TC_BOARD_SERIAL  IDENTITY strings, at most 24 ASCII bytes
 *   TC_BOARD_FIRMWARE_MAJOR/MINOR/PATCH, TC_BOARD_FLAGS (TC_FLAG_SIMULATOR or 0)
 *   TC_BOARD_MAX_AMPLITUDE_UA        per channel, <= 80,000 uA
 *   TC_BOARD_RATE_MIN_MHZ/MAX_MHZ, TC_BOARD_WIDTH_MIN_US/MAX_US, TC_BOARD_WAVEFORMS,
 *   TC_BOARD_PATTERNS, TC_BOARD_BURST_RATE_MIN_MHZ/MAX_MHZ, TC_BOARD_PULSES_MIN/MAX
 *   TC_BOARD_WATCHDOG_MIN_MS/MAX_MS/DEFAULT_MS   within 100..1000 ms
 *   TC_BOARD_SLEW_UA_PER_S           <= 20,000 uA/s
 *   TC_BOARD_BATTERY_SUSTAIN_MV, TC_BOARD_BATTERY_RESTART_MV (restart above sustain)
 *   TC_BOARD_CONTROL_TICK_US         how often the core samples and ramps, <= 10,000 us
 */
#ifndef TC_BOARD_CHECK_H
#define TC_BOARD_CHECK_H

#include "board.h"
#include "proto.h"

_Static_assert(TC_BOARD_MAX_CHANNELS >= 1 && TC_BOARD_MAX_CHANNELS <= TC_MAX_CHANNELS_ON_WIRE,
               "a device has 1 to 6 channels (D2)");
_Static_assert(sizeof(TC_BOARD_MODEL) - 1u <= TC_MAX_ID_STRING_LEN, "model: at most 24 bytes");
_Static_assert(sizeof(TC_BOARD_SERIAL) - 1u <= TC_MAX_ID_STRING_LEN, "serial: at most 24 bytes");
_Static_assert(TC_BOARD_MAX_AMPLITUDE_UA > 0 && TC_BOARD_MAX_AMPLITUDE_UA <= 80000,
               "max amplitude: at most 80 mA into 500 ohm (section 4.2)");
_Static_assert(TC_BOARD_RATE_MIN_MHZ > 0 && TC_BOARD_RATE_MIN_MHZ <= TC_BOARD_RATE_MAX_MHZ,
               "pulse rate range");
_Static_assert(TC_BOARD_WIDTH_MIN_US > 0 && TC_BOARD_WIDTH_MIN_US <= TC_BOARD_WIDTH_MAX_US,
               "phase width range");
_Static_assert(TC_BOARD_WAVEFORMS <= 0x03u && TC_BOARD_WAVEFORMS != 0, "waveform mask");
_Static_assert(TC_BOARD_PATTERNS <= 0x03u && (TC_BOARD_PATTERNS & 0x01) != 0,
               "pattern mask (continuous always)");
_Static_assert(TC_BOARD_BURST_RATE_MIN_MHZ <= TC_BOARD_BURST_RATE_MAX_MHZ, "burst rate range");
_Static_assert(TC_BOARD_PULSES_MIN <= TC_BOARD_PULSES_MAX && TC_BOARD_PULSES_MAX <= 255,
               "pulses per burst range");
_Static_assert(TC_BOARD_WATCHDOG_MIN_MS >= TC_WATCHDOG_FLOOR_MS &&
                   TC_BOARD_WATCHDOG_MAX_MS <= TC_WATCHDOG_CEILING_MS &&
                   TC_BOARD_WATCHDOG_MIN_MS <= TC_BOARD_WATCHDOG_DEFAULT_MS &&
                   TC_BOARD_WATCHDOG_DEFAULT_MS <= TC_BOARD_WATCHDOG_MAX_MS,
               "watchdog range inside 100..1000 ms, default inside it");
_Static_assert(TC_BOARD_SLEW_UA_PER_S > 0 && TC_BOARD_SLEW_UA_PER_S <= 20000,
               "slew at most 20 mA/s (section 4.2)");
_Static_assert(TC_BOARD_BATTERY_RESTART_MV > TC_BOARD_BATTERY_SUSTAIN_MV,
               "battery restart level above the sustain level (section 4.3)");
_Static_assert(TC_BOARD_CONTROL_TICK_US > 0 && TC_BOARD_CONTROL_TICK_US <= 10000,
               "sample at least every 10 ms (event telemetry within 10 ms)");

#endif
