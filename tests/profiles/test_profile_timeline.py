"""The timeline: exact values at known moments, bounds at every moment, and speed."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from profile_helpers import one_phase, profile_from, valid_dict

from tenscontrol.profiles.loader import resolve
from tenscontrol.profiles.model import Profile
from tenscontrol.profiles.timeline import Timeline, stimulation_at

SESSION_MS = 30 * 60_000
moments = st.integers(min_value=0, max_value=SESSION_MS - 1)


def _sweep(kind: str, **extra: Any) -> Profile:
    return one_phase(modulation={"kind": kind, "period_s": 12, **extra})


def test_constant_profile_is_constant() -> None:
    prof = one_phase()
    for t in (0, 1, 999_999, SESSION_MS - 1):
        stim = stimulation_at(prof, t)
        assert (stim.phase_index, stim.rate_mhz, stim.width_us) == (0, 100_000, 200)
        assert stim.amplitude_permille == 1000
        assert stim.waveform == "symmetric_biphasic"
        assert stim.pattern == "continuous"


def test_outside_the_session_is_an_error() -> None:
    prof = one_phase()
    for t in (-1, SESSION_MS, SESSION_MS + 5):
        with pytest.raises(ValueError, match="outside the session"):
            stimulation_at(prof, t)


def test_rate_sweep_is_a_triangle() -> None:
    prof = one_phase(rate_hz=80, modulation={"kind": "rate", "rate_to_hz": 120, "period_s": 12})
    assert stimulation_at(prof, 0).rate_mhz == 80_000
    assert stimulation_at(prof, 3_000).rate_mhz == 100_000
    assert stimulation_at(prof, 6_000).rate_mhz == 120_000
    assert stimulation_at(prof, 9_000).rate_mhz == 100_000
    assert stimulation_at(prof, 12_000).rate_mhz == 80_000
    assert stimulation_at(prof, 18_000).rate_mhz == 120_000


def test_amplitude_modulation_only_dips() -> None:
    prof = _sweep("amplitude", dip_percent=40)
    assert stimulation_at(prof, 0).amplitude_permille == 1000
    assert stimulation_at(prof, 6_000).amplitude_permille == 600
    assert stimulation_at(prof, 3_000).amplitude_permille == 800


def test_strength_duration_keeps_charge_and_never_rises() -> None:
    prof = one_phase(
        phase_width_us=100,
        modulation={"kind": "strength_duration", "width_to_us": 200, "period_s": 10},
    )
    peak = stimulation_at(prof, 5_000)
    assert (peak.width_us, peak.amplitude_permille) == (200, 500)
    for t in range(0, 20_000, 37):
        stim = stimulation_at(prof, t)
        assert stim.amplitude_permille <= 1000
        assert stim.amplitude_permille * stim.width_us <= 1000 * 100  # charge never above base


def test_mixed_frequency_alternates_and_repeats() -> None:
    prof = resolve("mixed-frequency")
    assert prof.repeat_phases
    assert stimulation_at(prof, 0).rate_mhz == 2_000
    assert stimulation_at(prof, 2_999).rate_mhz == 2_000
    assert stimulation_at(prof, 3_000).rate_mhz == 100_000
    assert stimulation_at(prof, 5_999).phase_index == 1
    assert stimulation_at(prof, 6_000).phase_index == 0
    assert stimulation_at(prof, SESSION_MS - 1).phase_index == 1


def test_phases_in_sequence_without_repeat() -> None:
    data = valid_dict()
    first = dict(data["phases"][0], duration_s=600, rate_hz=2, phase_width_us=250)
    second = dict(data["phases"][0], duration_s=1200)
    data["phases"] = [first, second]
    prof = profile_from(data)
    assert Timeline(prof).phase_index_at(599_999) == (0, 599_999)
    assert Timeline(prof).phase_index_at(600_000) == (1, 0)
    assert stimulation_at(prof, 600_000).rate_mhz == 100_000


def test_burst_parameters_are_passed_through() -> None:
    stim = stimulation_at(resolve("glute-piriformis"), 1234)
    assert (stim.pattern, stim.burst_rate_mhz, stim.pulses_per_burst) == ("burst", 2_000, 7)


@given(moments)
def test_every_moment_stays_within_the_dose_worst_case(t: int) -> None:
    for name in ("low-back-modulated", "hamstring", "calf", "mixed-frequency", "sciatic-leg"):
        prof = resolve(name)
        stim = stimulation_at(prof, t)
        phase = prof.phases[stim.phase_index]
        assert stim.rate_mhz <= phase.max_rate_mhz
        assert stim.width_us <= phase.max_width_us
        assert 0 <= stim.amplitude_permille <= 1000


@given(moments, moments)
def test_deterministic(t1: int, t2: int) -> None:
    prof = resolve("low-back-modulated")
    assert stimulation_at(prof, t1) == stimulation_at(prof, t1)
    assert Timeline(prof).at(t2) == stimulation_at(prof, t2)


def test_sixty_minutes_sampled_at_20_hz_stay_within_the_modulation() -> None:
    """Every 50 ms tick of an hour of rate modulation. (How fast: the virtual-session
    benchmark, which evaluates the timeline on every tick; no wall-clock bound here.)"""
    data = valid_dict()
    data["duration_min"] = 60
    data["phases"][0].update(
        duration_s=3600, rate_hz=80, modulation={"kind": "rate", "rate_to_hz": 120, "period_s": 12}
    )
    timeline = Timeline(profile_from(data))
    samples = [timeline.at(t) for t in range(0, 3_600_000, 50)]
    assert len(samples) == 72_000
    assert {s.rate_mhz for s in samples} <= set(range(80_000, 120_001))
    assert min(s.rate_mhz for s in samples) == 80_000
