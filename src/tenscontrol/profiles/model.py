"""A validated profile in integer units: what the dose check, timeline and session use.

Units: current uA, width us, rates mHz, times ms, areas mm2, amplitude fractions per mille.
Build one with :func:`to_profile` from a validated :class:`~.schema.ProfileFile`; the
loader (:mod:`tenscontrol.profiles.loader`) does both steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Literal

from tenscontrol.profiles.schema import ModulationFile, PhaseFile, ProfileFile, phase_ms
from tenscontrol.profiles.units import CM2_TO_MM2, HZ_TO_MHZ, MA_TO_UA, S_TO_MS, exact_scale

WaveformName = Literal["symmetric_biphasic", "asymmetric_biphasic"]
PatternName = Literal["continuous", "burst"]
ModulationKind = Literal["rate", "width", "amplitude", "strength_duration"]


@dataclass(frozen=True, slots=True)
class Modulation:
    """A triangle sweep over ``period_ms``: from the phase's value to the ``*_to`` value, back.

    Exactly one target is set, by ``kind``: ``rate_to_mhz`` (rate), ``width_to_us`` (width,
    strength_duration) or ``dip_permille`` (amplitude, 1-1000 below the user's level).
    """

    kind: ModulationKind
    period_ms: int
    rate_to_mhz: int | None = None
    width_to_us: int | None = None
    dip_permille: int | None = None


@dataclass(frozen=True, slots=True)
class Phase:
    """One stretch of the session. ``rate_mhz`` is the pulse rate (inside a train in bursts)."""

    label: str | None
    duration_ms: int
    rate_mhz: int
    width_us: int
    waveform: WaveformName
    pattern: PatternName
    burst_rate_mhz: int | None
    pulses_per_burst: int | None
    modulation: Modulation | None

    @property
    def max_rate_mhz(self) -> int:
        """Highest pulse rate the phase reaches, mHz (worst case under rate modulation)."""
        mod = self.modulation
        if mod is not None and mod.rate_to_mhz is not None:
            return max(self.rate_mhz, mod.rate_to_mhz)
        return self.rate_mhz

    @property
    def max_width_us(self) -> int:
        """Widest phase the phase reaches, us (worst case under width modulation)."""
        mod = self.modulation
        if mod is not None and mod.width_to_us is not None:
            return max(self.width_us, mod.width_to_us)
        return self.width_us

    @property
    def max_pulses_mhz(self) -> int:
        """Pulses actually delivered per second at most, in mHz (bursts: trains x pulses)."""
        if self.pattern == "burst" and self.burst_rate_mhz is not None:
            return self.burst_rate_mhz * (self.pulses_per_burst or 0)
        return self.max_rate_mhz


@dataclass(frozen=True, slots=True)
class Channel:
    """One output channel, numbered from 1."""

    number: int
    body_area: str
    placement: str
    pad_area_mm2: int
    ceiling_ua: int


@dataclass(frozen=True, slots=True)
class Profile:
    """A whole validated profile. ``path`` is the file it came from; ``builtin`` if shipped;
    ``sha256`` the hex digest of the file's bytes as read (None when not read from a file)."""

    name: str
    title: str
    description: str
    source: str
    duration_ms: int
    soft_start_ms: int
    repeat_phases: bool
    channels: tuple[Channel, ...]
    phases: tuple[Phase, ...]
    path: Traversable | None = None
    builtin: bool = False
    sha256: str | None = None

    @property
    def cycle_ms(self) -> int:
        """Length of one pass through the phases, ms (the session when not repeating)."""
        return sum(p.duration_ms for p in self.phases)


def _int(value: float | int, scale: int) -> int:
    """Scale a value the schema already validated; a failure here is a bug, so it is loud."""
    scaled = exact_scale(value, scale)
    if scaled is None:  # pragma: no cover - the schema refuses such values first
        raise ValueError(f"{value!r} is not exact in the internal unit")
    return scaled


def _modulation(mod: ModulationFile) -> Modulation:
    return Modulation(
        kind=mod.kind,
        period_ms=_int(mod.period_s, S_TO_MS),
        rate_to_mhz=None if mod.rate_to_hz is None else _int(mod.rate_to_hz, HZ_TO_MHZ),
        width_to_us=mod.width_to_us,
        dip_permille=None if mod.dip_percent is None else mod.dip_percent * 10,
    )


def _phase(phase: PhaseFile) -> Phase:
    return Phase(
        label=phase.label,
        duration_ms=phase_ms(phase),
        rate_mhz=_int(phase.rate_hz, HZ_TO_MHZ),
        width_us=phase.phase_width_us,
        waveform=phase.waveform,
        pattern=phase.pattern,
        burst_rate_mhz=None
        if phase.burst_rate_hz is None
        else _int(phase.burst_rate_hz, HZ_TO_MHZ),
        pulses_per_burst=phase.pulses_per_burst,
        modulation=None if phase.modulation is None else _modulation(phase.modulation),
    )


def to_profile(
    data: ProfileFile, *, path: Traversable | None = None, builtin: bool = False
) -> Profile:
    """Convert a validated profile file to integer units (exact; nothing is rounded)."""
    channels = tuple(
        Channel(
            number=i,
            body_area=c.body_area,
            placement=c.placement,
            pad_area_mm2=_int(c.pad_area_cm2, CM2_TO_MM2),
            ceiling_ua=_int(c.ceiling_ma, MA_TO_UA),
        )
        for i, c in enumerate(data.channels, start=1)
    )
    return Profile(
        name=data.name,
        title=data.title,
        description=data.description,
        source=data.source,
        duration_ms=data.duration_min * 60 * S_TO_MS,
        soft_start_ms=data.soft_start_s * S_TO_MS,
        repeat_phases=data.repeat_phases,
        channels=channels,
        phases=tuple(_phase(p) for p in data.phases),
        path=path,
        builtin=builtin,
    )
