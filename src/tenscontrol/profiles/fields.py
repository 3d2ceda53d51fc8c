"""The types of single values in a profile file: each key's bounds, unit and check.

A number's type names its file unit (``RateHz`` is Hz, ``WidthUs`` us, ``CeilingMa`` mA,
``PadAreaCm2`` cm2, ``PhaseSeconds`` and ``PeriodSeconds`` s, ``DurationMin`` minutes) and
bounds it in the integer unit inside (mHz, us, uA, mm2, ms), with the safety bounds taken
from :mod:`tenscontrol.hard_limits` and compared as integers; NaN and infinity are refused.
Text types carry the checks of :mod:`tenscontrol.profiles.text`; ``Waveform`` refuses
monophasic waveforms. How keys combine (one phase, one file) is
:mod:`tenscontrol.profiles.schema`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from tenscontrol import hard_limits as hl
from tenscontrol.profiles.text import check_name, not_blank, plain_line, plain_text
from tenscontrol.profiles.units import CM2_TO_MM2, HZ_TO_MHZ, MA_TO_UA, S_TO_MS, in_range

# Format bounds: they keep files sane; they are not stimulation limits (those live in
# hard_limits). Text lengths, how many phases, how short a phase may be.
MAX_PHASES = 64
MIN_PHASE_MS = 100
MAX_SOFT_START_S = 300
MIN_MODULATION_PERIOD_MS = 500
MAX_MODULATION_PERIOD_MS = 600_000


def _bounded(scale: int, low: int, high: int, unit: str, step: str) -> AfterValidator:
    def check(value: float) -> float:
        in_range(value, scale=scale, low=low, high=high, unit=unit, step=step)
        return value

    return AfterValidator(check)


def _schema_range(scale: int, low: int, high: int) -> dict[str, Any]:
    """JSON-schema bounds in the file's unit, from integer-unit bounds (for editors only)."""
    return {"minimum": low / scale, "maximum": high / scale}


Finite = Field(allow_inf_nan=False)

RateHz = Annotated[
    float,
    Finite,
    _bounded(HZ_TO_MHZ, hl.MIN_PULSE_RATE_MHZ, hl.MAX_PULSE_RATE_MHZ, "Hz", "0.001"),
    Field(
        json_schema_extra=_schema_range(HZ_TO_MHZ, hl.MIN_PULSE_RATE_MHZ, hl.MAX_PULSE_RATE_MHZ),
        description="pulses per second, Hz",
    ),
]
BurstRateHz = Annotated[
    float,
    Finite,
    _bounded(HZ_TO_MHZ, hl.MIN_BURST_RATE_MHZ, hl.MAX_BURST_RATE_MHZ, "Hz", "0.001"),
    Field(
        json_schema_extra=_schema_range(HZ_TO_MHZ, hl.MIN_BURST_RATE_MHZ, hl.MAX_BURST_RATE_MHZ),
        description="burst trains per second, Hz",
    ),
]
WidthUs = Annotated[
    int,
    _bounded(1, hl.MIN_PHASE_WIDTH_US, hl.MAX_PHASE_WIDTH_US, "us", "1"),
    Field(
        json_schema_extra=_schema_range(1, hl.MIN_PHASE_WIDTH_US, hl.MAX_PHASE_WIDTH_US),
        description="width of one phase, us",
    ),
]
PulsesPerBurst = Annotated[
    int,
    _bounded(1, hl.MIN_PULSES_PER_BURST, hl.MAX_PULSES_PER_BURST, "pulses", "1"),
    Field(json_schema_extra=_schema_range(1, hl.MIN_PULSES_PER_BURST, hl.MAX_PULSES_PER_BURST)),
]
CeilingMa = Annotated[
    float,
    Finite,
    _bounded(MA_TO_UA, 1, hl.MAX_AMPLITUDE_UA, "mA", "0.001"),
    Field(
        json_schema_extra=_schema_range(MA_TO_UA, 1, hl.MAX_AMPLITUDE_UA),
        description="highest peak current, mA",
    ),
]
PadAreaCm2 = Annotated[
    float,
    Finite,
    _bounded(CM2_TO_MM2, hl.MIN_PAD_AREA_MM2, hl.MAX_PAD_AREA_MM2, "cm2", "0.01"),
    Field(
        json_schema_extra=_schema_range(CM2_TO_MM2, hl.MIN_PAD_AREA_MM2, hl.MAX_PAD_AREA_MM2),
        description="area of one pad, cm2",
    ),
]
PhaseSeconds = Annotated[
    float,
    Finite,
    _bounded(S_TO_MS, MIN_PHASE_MS, hl.MAX_SESSION_S * S_TO_MS, "s", "0.001"),
    Field(
        json_schema_extra=_schema_range(S_TO_MS, MIN_PHASE_MS, hl.MAX_SESSION_S * S_TO_MS),
        description="phase length, s",
    ),
]
PeriodSeconds = Annotated[
    float,
    Finite,
    _bounded(S_TO_MS, MIN_MODULATION_PERIOD_MS, MAX_MODULATION_PERIOD_MS, "s", "0.001"),
    Field(
        json_schema_extra=_schema_range(
            S_TO_MS, MIN_MODULATION_PERIOD_MS, MAX_MODULATION_PERIOD_MS
        ),
        description="one sweep there and back, s",
    ),
]
DurationMin = Annotated[
    int,
    _bounded(60, 60, hl.MAX_SESSION_S, "min", "1"),
    Field(
        json_schema_extra=_schema_range(60, 60, hl.MAX_SESSION_S),
        description="session length, minutes",
    ),
]
SoftStartS = Annotated[
    int,
    _bounded(1, hl.MIN_SOFT_START_S, MAX_SOFT_START_S, "s", "1"),
    Field(
        json_schema_extra=_schema_range(1, hl.MIN_SOFT_START_S, MAX_SOFT_START_S),
        description="ramp from 0 at start, s",
    ),
]
DipPercent = Annotated[
    int,
    _bounded(1, 1, 100, "%", "1"),
    Field(json_schema_extra=_schema_range(1, 1, 100), description="deepest dip below the level, %"),
]
ChannelCount = Annotated[
    int,
    _bounded(1, 1, hl.MAX_CHANNELS, "channels", "1"),
    Field(json_schema_extra=_schema_range(1, 1, hl.MAX_CHANNELS)),
]


def _refuse_monophasic(value: object) -> object:
    if isinstance(value, str) and value.strip().lower().startswith("mono"):
        raise ValueError(
            "monophasic waveforms are refused: they leave a net d.c. charge in the skin"
            " (IEC 60601-2-10 d.c. precautions); use 'symmetric_biphasic' or"
            " 'asymmetric_biphasic'"
        )
    return value


Waveform = Annotated[
    Literal["symmetric_biphasic", "asymmetric_biphasic"], BeforeValidator(_refuse_monophasic)
]
Name = Annotated[str, AfterValidator(check_name)]
Short = Annotated[
    str, Field(min_length=1, max_length=80), AfterValidator(plain_line), AfterValidator(not_blank)
]
Long = Annotated[
    str,
    Field(min_length=1, max_length=2000),
    AfterValidator(plain_text),
    AfterValidator(not_blank),
]
