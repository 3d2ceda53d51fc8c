"""What a profile asks for at any moment of its session, in integer units.

Pure and deterministic: the same profile and time always give the same answer, with no
clock and no I/O. The session engine calls :meth:`Timeline.at` to stream setpoints and
``tens profile preview`` uses it to draw the plan. Modulation is included; the soft start
and the ramp-down are not (they belong to the session engine, which multiplies them in).

Modulation is a triangle: over each ``period_ms`` (restarting at the start of the phase)
the value goes from the phase's own value to the modulation's target and back, linearly,
in integer steps that never leave the range between the two. So the dose check's worst
case (the highest rate, the widest width, full amplitude) bounds every moment.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from tenscontrol.profiles.model import PatternName, Phase, Profile, WaveformName

#: Amplitude fractions are per mille of the user's level.
FULL_PERMILLE = 1_000


@dataclass(frozen=True, slots=True)
class Stimulation:
    """The stimulation asked for at one moment (before soft start and ramp-down).

    ``rate_mhz`` is the pulse rate (within a train for bursts), ``width_us`` the width of one
    phase, ``amplitude_permille`` the fraction of the user's level (0-1000, never above).
    """

    phase_index: int
    rate_mhz: int
    width_us: int
    waveform: WaveformName
    pattern: PatternName
    burst_rate_mhz: int | None
    pulses_per_burst: int | None
    amplitude_permille: int


def _sweep(start: int, end: int, offset_ms: int, period_ms: int) -> int:
    """Triangle from ``start`` to ``end`` and back over ``period_ms``; stays within both."""
    u = offset_ms % period_ms
    rise = 2 * u if 2 * u <= period_ms else 2 * (period_ms - u)
    # rise / period_ms is in [0, 1]; floor division keeps the result between start and end.
    return start + (end - start) * rise // period_ms


def _at_phase(index: int, phase: Phase, offset_ms: int) -> Stimulation:
    rate, width, amplitude = phase.rate_mhz, phase.width_us, FULL_PERMILLE
    mod = phase.modulation
    if mod is not None:
        if mod.kind == "rate" and mod.rate_to_mhz is not None:
            rate = _sweep(phase.rate_mhz, mod.rate_to_mhz, offset_ms, mod.period_ms)
        elif mod.kind == "width" and mod.width_to_us is not None:
            width = _sweep(phase.width_us, mod.width_to_us, offset_ms, mod.period_ms)
        elif mod.kind == "amplitude" and mod.dip_permille is not None:
            amplitude = _sweep(
                FULL_PERMILLE, FULL_PERMILLE - mod.dip_permille, offset_ms, mod.period_ms
            )
        elif mod.kind == "strength_duration" and mod.width_to_us is not None:
            width = _sweep(phase.width_us, mod.width_to_us, offset_ms, mod.period_ms)
            # Amplitude falls as width grows (width_to_us > phase width, so this is <= 1000).
            amplitude = FULL_PERMILLE * phase.width_us // width
    return Stimulation(
        phase_index=index,
        rate_mhz=rate,
        width_us=width,
        waveform=phase.waveform,
        pattern=phase.pattern,
        burst_rate_mhz=phase.burst_rate_mhz,
        pulses_per_burst=phase.pulses_per_burst,
        amplitude_permille=amplitude,
    )


class Timeline:
    """A profile's plan, indexed once so that :meth:`at` is a bisection and some arithmetic."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        starts: list[int] = []
        total = 0
        for phase in profile.phases:
            starts.append(total)
            total += phase.duration_ms
        self._starts = tuple(starts)
        self._cycle_ms = total

    @property
    def duration_ms(self) -> int:
        """Length of the session, ms."""
        return self.profile.duration_ms

    def phase_index_at(self, t_ms: int) -> tuple[int, int]:
        """(phase index, ms since that phase started) at ``t_ms`` into the session."""
        if not 0 <= t_ms < self.profile.duration_ms:
            raise ValueError(f"t_ms={t_ms} is outside the session [0, {self.profile.duration_ms})")
        offset = t_ms % self._cycle_ms if self.profile.repeat_phases else t_ms
        index = bisect_right(self._starts, offset) - 1
        return index, offset - self._starts[index]

    def at(self, t_ms: int) -> Stimulation:
        """The stimulation at ``t_ms`` milliseconds into the session (0 <= t_ms < duration).

        Raises ``ValueError`` for a time outside the session: a caller bug, never a guess.
        """
        index, into = self.phase_index_at(t_ms)
        return _at_phase(index, self.profile.phases[index], into)


@lru_cache(maxsize=16)
def _timeline(profile: Profile) -> Timeline:
    return Timeline(profile)


def stimulation_at(profile: Profile, t_ms: int) -> Stimulation:
    """The stimulation of ``profile`` at ``t_ms`` ms into its session (see :class:`Timeline`)."""
    return _timeline(profile).at(t_ms)
