"""The profile file format: a strict pydantic model of what a TOML profile may say.

Numbers are in the units their key names (``rate_hz``, ``phase_width_us``, ``ceiling_ma``,
``pad_area_cm2``, ``duration_s``, ``duration_min``). Every number is bounded; the safety
bounds come from :mod:`tenscontrol.hard_limits` and are compared in integer units. Unknown
keys, wrong types (no "80" for 80), NaN and infinity are refused. Converting a validated
file to integer units is :func:`tenscontrol.profiles.model.to_profile`.

The type of each single value (its bounds and unit) is :mod:`tenscontrol.profiles.fields`;
this module says which keys a modulation, a phase, a channel and a file have, and the
rules between keys (a burst train fits its period, the phases add up to the session).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from tenscontrol import hard_limits as hl
from tenscontrol.profiles.fields import (
    MAX_PHASES,
    MIN_PHASE_MS,
    BurstRateHz,
    CeilingMa,
    ChannelCount,
    DipPercent,
    DurationMin,
    Long,
    Name,
    PadAreaCm2,
    PeriodSeconds,
    PhaseSeconds,
    PulsesPerBurst,
    RateHz,
    Short,
    SoftStartS,
    Waveform,
    WidthUs,
)
from tenscontrol.profiles.units import HZ_TO_MHZ, S_TO_MS, exact_scale, fmt_number, in_range

_CONFIG = ConfigDict(extra="forbid", strict=True, frozen=True)


class ModulationFile(BaseModel):
    """A triangle sweep from the phase's own value to a second value and back, per period.

    ``rate``: rate_hz -> rate_to_hz. ``width``: phase_width_us -> width_to_us.
    ``amplitude``: 100 % of the user's level down by ``dip_percent`` (never above 100 %).
    ``strength_duration``: width phase_width_us -> width_to_us (wider) while amplitude falls
    in proportion (level x phase_width_us / width), so phase charge stays the same.
    """

    model_config = _CONFIG

    kind: Literal["rate", "width", "amplitude", "strength_duration"]
    period_s: PeriodSeconds
    rate_to_hz: RateHz | None = None
    width_to_us: WidthUs | None = None
    dip_percent: DipPercent | None = None

    @model_validator(mode="after")
    def _keys_fit_kind(self) -> Self:
        needs = {
            "rate": "rate_to_hz",
            "width": "width_to_us",
            "amplitude": "dip_percent",
            "strength_duration": "width_to_us",
        }[self.kind]
        given = [
            k for k in ("rate_to_hz", "width_to_us", "dip_percent") if getattr(self, k) is not None
        ]
        if needs not in given:
            raise ValueError(f"kind = '{self.kind}' needs '{needs}'")
        extra = [k for k in given if k != needs]
        if extra:
            raise ValueError(f"kind = '{self.kind}' does not use {', '.join(extra)}")
        return self


class PhaseFile(BaseModel):
    """One stretch of the session with its stimulation."""

    model_config = _CONFIG

    label: Short | None = None
    duration_s: PhaseSeconds
    rate_hz: RateHz
    phase_width_us: WidthUs
    waveform: Waveform
    pattern: Literal["continuous", "burst"] = "continuous"
    burst_rate_hz: BurstRateHz | None = None
    pulses_per_burst: PulsesPerBurst | None = None
    modulation: ModulationFile | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        burst_keys = (self.burst_rate_hz is not None, self.pulses_per_burst is not None)
        if self.pattern == "continuous" and any(burst_keys):
            raise ValueError("pattern = 'continuous' takes no burst_rate_hz or pulses_per_burst")
        if self.pattern == "burst":
            if not all(burst_keys):
                raise ValueError("pattern = 'burst' needs burst_rate_hz and pulses_per_burst")
            _check_burst_fits(self)
        mod = self.modulation
        if mod is None:
            return self
        if mod.kind == "rate" and self.pattern == "burst":
            raise ValueError("rate modulation is for continuous patterns only")
        same_rate = exact_scale(mod.rate_to_hz or 0, HZ_TO_MHZ) == exact_scale(
            self.rate_hz, HZ_TO_MHZ
        )
        if mod.kind == "rate" and same_rate:
            raise ValueError("modulation.rate_to_hz equals rate_hz: nothing to modulate")
        if mod.kind == "width" and mod.width_to_us == self.phase_width_us:
            raise ValueError("modulation.width_to_us equals phase_width_us: nothing to modulate")
        if mod.kind == "strength_duration" and (mod.width_to_us or 0) <= self.phase_width_us:
            raise ValueError(
                "strength_duration needs width_to_us above phase_width_us (amplitude then"
                " falls as width grows, so it never rises above the user's level)"
            )
        return self


def _check_burst_fits(phase: PhaseFile) -> None:
    """A burst train must end before the next one starts (else it is continuous)."""
    rate = in_range(
        phase.rate_hz, scale=HZ_TO_MHZ, low=0, high=hl.MAX_PULSE_RATE_MHZ, unit="Hz", step="0.001"
    )
    trains = in_range(
        phase.burst_rate_hz or 0,
        scale=HZ_TO_MHZ,
        low=0,
        high=hl.MAX_BURST_RATE_MHZ,
        unit="Hz",
        step="0.001",
    )
    # pulses_per_burst / rate < 1 / burst_rate  <=>  pulses_per_burst * burst_rate < rate
    if (phase.pulses_per_burst or 0) * trains >= rate:
        raise ValueError(
            "burst trains do not fit: pulses_per_burst x burst_rate_hz must be below rate_hz"
        )


class ChannelFile(BaseModel):
    """One output channel: where its two pads go and how far it may go."""

    model_config = _CONFIG

    body_area: Short
    placement: Long
    pad_area_cm2: PadAreaCm2
    ceiling_ma: CeilingMa


class ProfileFile(BaseModel):
    """A whole profile file."""

    model_config = _CONFIG

    name: Name
    title: Short
    description: Long
    source: Long = Field(description="where the numbers come from")
    duration_min: DurationMin
    soft_start_s: SoftStartS = hl.DEFAULT_SOFT_START_S
    channel_count: ChannelCount
    channels: list[ChannelFile] = Field(min_length=1, max_length=hl.MAX_CHANNELS)
    repeat_phases: bool = False
    phases: list[PhaseFile] = Field(min_length=1, max_length=MAX_PHASES)

    @field_validator("soft_start_s")
    @classmethod
    def _soft_start_fits(cls, value: int, info: ValidationInfo) -> int:
        minutes = info.data.get("duration_min")
        if isinstance(minutes, int) and value >= minutes * 60:
            raise ValueError(f"must be shorter than the {minutes} min session")
        return value

    @field_validator("channels")
    @classmethod
    def _channels_described(
        cls, value: list[ChannelFile], info: ValidationInfo
    ) -> list[ChannelFile]:
        count = info.data.get("channel_count")
        if isinstance(count, int) and len(value) != count:
            raise ValueError(
                f"channel_count = {count} but the profile describes {len(value)} channel(s);"
                " add one [[channels]] table per channel"
            )
        return value

    @field_validator("phases")
    @classmethod
    def _phases_add_up(cls, value: list[PhaseFile], info: ValidationInfo) -> list[PhaseFile]:
        minutes = info.data.get("duration_min")
        if not isinstance(minutes, int):
            return value  # duration_min has its own problem line
        session_ms = minutes * 60 * S_TO_MS
        total_ms = sum(phase_ms(p) for p in value)
        total = fmt_number(total_ms, S_TO_MS)
        if info.data.get("repeat_phases") is True:
            if session_ms % total_ms != 0:
                raise ValueError(
                    f"with repeat_phases = true the phases form a {total} s cycle, which does"
                    f" not divide the {minutes} min session into whole cycles"
                )
        elif total_ms != session_ms:
            raise ValueError(
                f"phase durations add up to {total} s but duration_min = {minutes} is"
                f" {minutes * 60} s; make them equal, or set repeat_phases = true and make the"
                " session a whole number of cycles"
            )
        return value


def phase_ms(phase: PhaseFile) -> int:
    """A validated phase's duration in ms."""
    return in_range(
        phase.duration_s,
        scale=S_TO_MS,
        low=MIN_PHASE_MS,
        high=hl.MAX_SESSION_S * S_TO_MS,
        unit="s",
        step="0.001",
    )
