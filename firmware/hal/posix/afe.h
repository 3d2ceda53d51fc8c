/*
 * afe.h - the simulated analog front end of the posix board: per channel an output gate,
 * a current source driven to a level, an electrode lead; a battery; hardware that can fail.
 * It implements the output and sensing half of hal.h, and logs "output" events (what it
 * delivers, the ground truth of the event log) whenever the delivered current changes.
 *
 * The model is the Python simulator's: delivered = driven * (100 + over %) / 100 while the
 * gate is open, else 0; leads show 820 ohm on, open off; the battery is 3,950 mV / 87 %,
 * 3,300 mV / 3 % once low (it never recovers). Leads, over-delivery, the battery and a
 * hardware failure are physical: they survive a reset of the firmware.
 */
#ifndef TC_POSIX_AFE_H
#define TC_POSIX_AFE_H

#include <stdbool.h>
#include <stdint.h>

/* Power on with channels channels (1..6): every gate closed, nothing driven. */
void afe_init(uint8_t channels);

/* The board's time now (monotonic us): stamps the output events. */
void afe_set_time(uint64_t now_us);

/* Power goes away (a reset, an unplug, the end): every output 0 at once, logged. */
void afe_power_off(void);

void afe_set_lead_off(uint8_t channel, bool off);
void afe_set_overdeliver(uint8_t channel, uint32_t percent);
void afe_set_battery_low(void);
void afe_set_hardware_failed(void);

#define AFE_BATTERY_OK_MV 3950u
#define AFE_BATTERY_LOW_MV 3300u

#endif
