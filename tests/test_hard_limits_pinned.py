"""Every hard limit pinned to its literal value, next to where the value comes from
(docs/safety.md, section 3). The code, the safety document (checked by test_safety_doc.py)
and this table must all change together: a limit never moves by one edit alone (issue 17:
tests that compared against the constants symbolically let OVER_DELIVERY_UA double).

Also pinned: the protocol timings that the host's safety checks are judged at."""

from __future__ import annotations

import pytest

from tenscontrol import hard_limits as hl
from tenscontrol.device import stop_check
from tenscontrol.device.link_health import SILENCE_LIMIT_S
from tenscontrol.protocol import constants as wire
from tenscontrol.session.overdelivery import COMMAND_HISTORY_MS

#: name -> (literal value, its source in a few words; docs/safety.md section 3 has the rest)
PINNED: dict[str, tuple[int, str]] = {
    "MAX_AMPLITUDE_UA": (80_000, "IEC 60601-2-10: 80 mA d.c. limit at 500 ohm"),
    "BUILTIN_PROFILE_MAX_AMPLITUDE_UA": (60_000, "design: built-ins stay in typical use"),
    "RMS_REFUSE_UA": (50_000, "IEC 60601-2-10: 50 mA rms at 500 ohm, up to 400 Hz"),
    "RMS_WARN_UA": (15_000, "design: early warning far below the refusal"),
    "RMS_DENSITY_REFUSE_UA_PER_CM2": (2_000, "IEC 60601-2-10: 2 mA/cm2 rms density"),
    "RMS_DENSITY_WARN_UA_PER_CM2": (1_500, "design: margin below the refusal"),
    "POWER_DENSITY_REFUSE_UW_PER_CM2": (250_000, "FDA muscle-stimulator guidance: 0.25 W/cm2"),
    "ENERGY_PER_PULSE_REFUSE_UJ": (300_000, "IEC 60601-2-10: 300 mJ per pulse"),
    "PEAK_VOLTAGE_REFUSE_MV": (500_000, "IEC 60601-2-10: 500 V peak"),
    "PHASE_CHARGE_WARN_PC": (25_000_000, "design: 25 uC, half the refusal"),
    "PHASE_CHARGE_REFUSE_PC": (50_000_000, "design: 50 uC per phase"),
    "NET_CHARGE_REFUSE_PC": (0, "IEC 60601-2-10 precautions on d.c.: charge balanced only"),
    "LOAD_OHM": (500, "IEC 60601-2-10 reference load"),
    "MIN_PAD_AREA_MM2": (285, "smallest pads in device manuals: 3/4 inch round"),
    "DEFAULT_PAD_AREA_MM2": (2_500, "design: the common 5 x 5 cm pad"),
    "MAX_PAD_AREA_MM2": (20_000, "design: 10 x 20 cm bounds the declared area"),
    "MIN_PULSE_RATE_MHZ": (1_000, "consumer and clinical unit ranges: 1 Hz"),
    "MAX_PULSE_RATE_MHZ": (150_000, "conventional TENS reaches 150 Hz"),
    "MIN_PHASE_WIDTH_US": (50, "reviews: 50-250 us"),
    "MAX_PHASE_WIDTH_US": (300, "vendors offer up to 300-330 us"),
    "MIN_BURST_RATE_MHZ": (1_000, "burst TENS: 1-5 trains per second"),
    "MAX_BURST_RATE_MHZ": (5_000, "burst TENS: 1-5 trains per second"),
    "MIN_PULSES_PER_BURST": (2, "design: one pulse is not a train"),
    "MAX_PULSES_PER_BURST": (15, "design: a 100 Hz train lasts at most 150 ms"),
    "MAX_CHANNELS": (2, "design: the body layouts need at most two"),
    "MAX_SLEW_UA_PER_S": (20_000, "design: 20 mA/s up, drops at once"),
    "MIN_SOFT_START_S": (5, "design: time for a person to react"),
    "DEFAULT_SOFT_START_S": (10, "design"),
    "RAMP_DOWN_S": (3, "design: a 2-3 s ramp avoids an abrupt end"),
    "MAX_SESSION_S": (3_600, "practice: 30-60 min sessions (NHS CUH leaflet)"),
    "DEFAULT_SESSION_S": (1_800, "practice: the usual 30 min"),
    "MAX_USER_STEP_UA": (1_000, "design: one key press raises at most 1 mA"),
    "MAX_USER_UP_STEPS_PER_S": (2, "design: two raises a second"),
    "MIN_WATCHDOG_MS": (100, "design; firmware_protocol.md 4.2"),
    "MAX_WATCHDOG_MS": (1_000, "design; firmware_protocol.md 4.2"),
    "MAX_HEARTBEAT_PERIOD_MS": (250, "design: half the 500 ms watchdog"),
    "OVER_DELIVERY_PERCENT": (20, "design: firmware_protocol.md 7"),
    "OVER_DELIVERY_UA": (2_000, "design: firmware_protocol.md 7"),
    "OVER_DELIVERY_HOST_MS": (100, "design: the host trips before the device's 200 ms"),
    "DAILY_USE_WARN_S": (14_400, "practice: 3-4 sessions of 30-60 min a day"),
}


def test_every_hard_limit_is_pinned() -> None:
    names = {n for n in vars(hl) if n.isupper() and isinstance(getattr(hl, n), int)}
    assert names == set(PINNED), "pin a new hard limit here, with its source"


@pytest.mark.parametrize("name", sorted(PINNED))
def test_each_hard_limit_has_its_literal_value(name: str) -> None:
    value, source = PINNED[name]
    assert getattr(hl, name) == value, f"{name} moved from {value} ({source})"


@pytest.mark.parametrize(
    ("setpoint_ua", "margin_ua"),
    [
        (0, 0),
        (1, 0),
        (4, 0),
        (5, 1),
        (1_000, 200),
        (10_000, 2_000),
        (10_005, 2_000),
        (80_000, 2_000),
    ],
)
def test_the_over_delivery_margin_is_the_stricter_of_20_percent_and_2_ma(
    setpoint_ua: int, margin_ua: int
) -> None:
    assert hl.over_delivery_margin_ua(setpoint_ua) == margin_ua


def test_the_protocol_timings_the_safety_checks_use_are_pinned() -> None:
    assert wire.TELEMETRY_PERIOD_MS == 50  # firmware_protocol.md 4.9, fixed in major 1
    assert wire.DEVICE_OVER_DELIVERY_MS == 200  # firmware_protocol.md 7
    assert wire.WATCHDOG_DEFAULT_MS == 1_000  # firmware_protocol.md 7
    assert stop_check.STOP_CONFIRM_WAIT_S == 0.5  # firmware_protocol.md Host duties
    assert stop_check.STOP_ATTEMPTS == 3  # firmware_protocol.md Host duties
    assert SILENCE_LIMIT_S == 1.0  # firmware_protocol.md Host duties: lost telemetry
    assert COMMAND_HISTORY_MS == 1_000  # longer than telemetry in transit
