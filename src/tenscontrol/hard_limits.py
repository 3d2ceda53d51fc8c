"""Hard ceilings: the single place where the product's absolute limits live.

Every other limit in the chain (device capabilities, user caps, profile ceilings, live
setpoints) may only be equal to or below these. All values are integers in the unit named
by the constant's suffix: ``_UA`` microamperes, ``_US`` microseconds, ``_MHZ`` millihertz,
``_MS`` milliseconds, ``_S`` seconds, ``_MM2`` square millimetres, ``_PC`` picocoulombs
(uA x us). Limit checks compare integers (or exact fractions), never floats.

docs/safety.md (section 3, Hard limits) gives each constant's value, meaning and source;
"design choice" marks a number no standard fixes, which may only be tuned downward
without a clear reason. A test checks that the document lists every constant here with
its value.
"""

from __future__ import annotations

from typing import Final

# --- Output current -------------------------------------------------------------------
#: Peak current per channel into 500 ohm. IEC 60601-2-10 (1st ed.) d.c. limit; consumer range.
MAX_AMPLITUDE_UA: Final = 80_000
#: Built-in profiles never ask for more than this (design choice from typical TENS use).
BUILTIN_PROFILE_MAX_AMPLITUDE_UA: Final = 60_000
#: RMS current: refuse above (IEC 60601-2-10 table for 500 ohm, rates <= 400 Hz).
RMS_REFUSE_UA: Final = 50_000
#: RMS current: warn above (design choice).
RMS_WARN_UA: Final = 15_000
#: RMS current density on the pad, per cm2: refuse above (IEC 60601-2-10 IFU clause).
RMS_DENSITY_REFUSE_UA_PER_CM2: Final = 2_000
#: RMS current density, per cm2: warn at or above (design choice).
RMS_DENSITY_WARN_UA_PER_CM2: Final = 1_500
#: Average power density at 500 ohm: refuse above 0.25 W/cm2 (FDA PMS 510(k) guidance),
#: expressed in microwatts per cm2.
POWER_DENSITY_REFUSE_UW_PER_CM2: Final = 250_000
#: Energy per pulse at 500 ohm: refuse above 300 mJ (IEC 60601-2-10), in microjoules.
ENERGY_PER_PULSE_REFUSE_UJ: Final = 300_000
#: Peak voltage: refuse above 500 V (IEC 60601-2-10), in millivolts.
PEAK_VOLTAGE_REFUSE_MV: Final = 500_000
#: Phase charge: warn above 25 uC, refuse above 50 uC (design choice; FDA asks it reported).
PHASE_CHARGE_WARN_PC: Final = 25_000_000
PHASE_CHARGE_REFUSE_PC: Final = 50_000_000
#: Net charge per pulse: only charge-balanced biphasic waveforms, so any net charge is
#: refused (IEC 60601-2-10 d.c. precautions; FDA asks for net charge per pulse).
NET_CHARGE_REFUSE_PC: Final = 0
#: The load every dose figure is computed at.
LOAD_OHM: Final = 500

# --- Electrodes ------------------------------------------------------------------------
#: Smallest pad allowed: 3/4 inch round, 2.85 cm2 (device manuals).
MIN_PAD_AREA_MM2: Final = 285
#: Default pad: 5 x 5 cm.
DEFAULT_PAD_AREA_MM2: Final = 2_500
#: Largest pad a profile may declare (design choice: 10 x 20 cm).
MAX_PAD_AREA_MM2: Final = 20_000

# --- Pulse shape -----------------------------------------------------------------------
MIN_PULSE_RATE_MHZ: Final = 1_000
MAX_PULSE_RATE_MHZ: Final = 150_000
MIN_PHASE_WIDTH_US: Final = 50
MAX_PHASE_WIDTH_US: Final = 300
#: Burst trains per second (burst TENS: 1-5 trains per second; docs/safety.md, section 6).
MIN_BURST_RATE_MHZ: Final = 1_000
MAX_BURST_RATE_MHZ: Final = 5_000
#: Pulses in one burst train (design choice: 70-100 Hz trains fill at most 150 ms).
MIN_PULSES_PER_BURST: Final = 2
MAX_PULSES_PER_BURST: Final = 15
#: Channels a device or profile may have.
MAX_CHANNELS: Final = 2

# --- Timing and behaviour --------------------------------------------------------------
#: Upward slew of delivered output, per channel (design choice; device ramps no faster).
MAX_SLEW_UA_PER_S: Final = 20_000
#: Soft start from 0: at least 5 s, 10 s by default.
MIN_SOFT_START_S: Final = 5
DEFAULT_SOFT_START_S: Final = 10
#: Ramp-down at the natural end of a session.
RAMP_DOWN_S: Final = 3
#: Longest session (profile maximum) and the default.
MAX_SESSION_S: Final = 3_600
DEFAULT_SESSION_S: Final = 1_800
#: One user key press raises at most this much; at most this many raises per second.
MAX_USER_STEP_UA: Final = 1_000
MAX_USER_UP_STEPS_PER_S: Final = 2
#: Device watchdog: zero output within 1 s of the last valid host frame.
MIN_WATCHDOG_MS: Final = 100
MAX_WATCHDOG_MS: Final = 1_000
#: The host sends something at least this often while output may be on.
MAX_HEARTBEAT_PERIOD_MS: Final = 250
#: Delivered above commanded by more than 20 % or 2 mA for more than 100 ms: emergency stop.
OVER_DELIVERY_PERCENT: Final = 20
OVER_DELIVERY_UA: Final = 2_000
OVER_DELIVERY_HOST_MS: Final = 100
#: Daily total of stimulation above which the user is warned.
DAILY_USE_WARN_S: Final = 4 * 3_600


def over_delivery_margin_ua(setpoint_ua: int) -> int:
    """Allowed excess of delivered over commanded current, in uA, for a setpoint in uA.

    Delivered is "above commanded" when it exceeds the setpoint by more than 20 % of the
    setpoint or by more than 2 mA, whichever is the smaller excess (the stricter reading).
    """
    return min(setpoint_ua * OVER_DELIVERY_PERCENT // 100, OVER_DELIVERY_UA)
