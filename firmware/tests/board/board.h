/*
 * board.h - limits of the unit tests' fake board (TC-TEST): the posix board's values, so
 * a test's numbers are the simulator's. core/board_check.h checks every value.
 */
#ifndef TC_BOARD_H
#define TC_BOARD_H

#define TC_BOARD_MAX_CHANNELS 6
#define TC_BOARD_MODEL "TC-TEST"
#define TC_BOARD_SERIAL "TEST0001"
#define TC_BOARD_FIRMWARE_MAJOR 0
#define TC_BOARD_FIRMWARE_MINOR 1
#define TC_BOARD_FIRMWARE_PATCH 0
#define TC_BOARD_FLAGS TC_FLAG_SIMULATOR 

#define TC_BOARD_MAX_AMPLITUDE_UA 80000u
#define TC_BOARD_RATE_MIN_MHZ 1000u
#define TC_BOARD_RATE_MAX_MHZ 150000u
#define TC_BOARD_WIDTH_MIN_US 50u
#define TC_BOARD_WIDTH_MAX_US 300u
#define TC_BOARD_WAVEFORMS 0x03u
#define TC_BOARD_PATTERNS 0x03u
#define TC_BOARD_BURST_RATE_MIN_MHZ 1000u
#define TC_BOARD_BURST_RATE_MAX_MHZ 5000u
#define TC_BOARD_PULSES_MIN 2u
#define TC_BOARD_PULSES_MAX 15u

#define TC_BOARD_WATCHDOG_MIN_MS 100u
#define TC_BOARD_WATCHDOG_MAX_MS 1000u
#define TC_BOARD_WATCHDOG_DEFAULT_MS 1000u
#define TC_BOARD_SLEW_UA_PER_S 20000u

/* The reference design's battery hysteresis (section 4.3), mV. */
#define TC_BOARD_BATTERY_SUSTAIN_MV 3400u
#define TC_BOARD_BATTERY_RESTART_MV 3600u

/* Sample and ramp every 5 ms: 100 uA slew steps, over-current seen within 5 ms. */
#define TC_BOARD_CONTROL_TICK_US 5000u

#endif
