"""Frequency classes of profiles, runs of days of one class, and the advice that follows
(docs/care.md: tolerance, Liebano et al. 2011, DeSantana et al. 2008)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.care_logs import profile_as_run
from tenscontrol.records.tolerance import (
    SOURCES,
    STREAK_DAYS,
    FrequencyClass,
    Streak,
    Use,
    advise,
    current_streak,
    phase_class,
    profile_class,
    use_of,
)

HIGH, LOW, MIXED = FrequencyClass.HIGH, FrequencyClass.LOW, FrequencyClass.MIXED
TODAY = date(2030, 6, 10)


def _phase(rate_hz: float, **extra: Any) -> dict[str, Any]:
    return {"rate_mhz": round(rate_hz * 1_000), "pattern": "continuous", **extra}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("low-back", HIGH),
        ("low-back-modulated", HIGH),  # a sweep of 80-120 Hz stays high
        ("calf", HIGH),
        ("hamstring", HIGH),
        ("acupuncture-like", LOW),
        ("sciatic-leg", LOW),  # burst: 2 trains a second
        ("glute-piriformis", LOW),
        ("mixed-frequency", MIXED),  # a 2 Hz phase and a 100 Hz phase
    ],
)
def test_every_builtin_profile_has_its_class(name: str, expected: FrequencyClass) -> None:
    assert profile_class(profile_as_run(name)) is expected


def test_phase_edges_are_inclusive() -> None:
    assert phase_class(_phase(50)) is HIGH
    assert phase_class(_phase(49.999)) is MIXED
    assert phase_class(_phase(10)) is LOW
    assert phase_class(_phase(10.001)) is MIXED
    assert phase_class(_phase(30)) is MIXED  # neither: "mixed otherwise"


def test_a_rate_sweep_across_both_is_mixed() -> None:
    sweep = _phase(2, modulation={"kind": "rate", "rate_to_mhz": 125_000})
    assert phase_class(sweep) is MIXED
    assert phase_class(_phase(80, modulation={"kind": "width", "rate_to_mhz": None})) is HIGH


def test_a_burst_counts_by_its_trains_per_second() -> None:
    burst = _phase(100, pattern="burst", burst_rate_mhz=2_000)
    assert phase_class(burst) is LOW


def test_a_profile_without_readable_phases_has_no_class() -> None:
    assert profile_class({}) is None
    assert profile_class({"phases": [{"pattern": "continuous"}]}) is None


def _uses(*days_and_classes: tuple[int, FrequencyClass]) -> list[Use]:
    """Uses on ``TODAY - days_ago``."""
    return [Use(TODAY - timedelta(days=ago), kind) for ago, kind in days_and_classes]


def test_four_days_in_a_row_ending_yesterday_are_a_streak() -> None:
    streak = current_streak(_uses((1, HIGH), (2, HIGH), (3, HIGH), (4, HIGH), (6, HIGH)), TODAY)
    assert streak == Streak(HIGH, TODAY - timedelta(days=4), TODAY - timedelta(days=1))
    assert streak.days == 4


def test_today_counts_and_a_day_off_breaks_it() -> None:
    streak = current_streak(_uses((0, LOW), (1, LOW), (3, LOW), (4, LOW)), TODAY)
    assert streak is not None
    assert streak.days == 2
    assert current_streak(_uses((2, HIGH), (3, HIGH), (4, HIGH), (5, HIGH)), TODAY) is None


def test_a_day_with_two_classes_is_mixed_and_breaks_a_run() -> None:
    uses = _uses((1, HIGH), (2, HIGH), (2, LOW), (3, HIGH), (4, HIGH))
    streak = current_streak(uses, TODAY)
    assert streak is not None
    assert (streak.frequency_class, streak.days) == (HIGH, 1)
    mixed = current_streak(_uses((1, HIGH), (1, LOW), (2, MIXED)), TODAY)
    assert mixed is not None
    assert (mixed.frequency_class, mixed.days) == (MIXED, 2)


def test_days_are_local_calendar_days() -> None:
    late = datetime(2030, 6, 9, 23, 30).timestamp()
    early = datetime(2030, 6, 10, 0, 30).timestamp()
    profile = profile_as_run("low-back")
    late_use, early_use = use_of(late, profile), use_of(early, profile)
    assert late_use is not None
    assert early_use is not None
    assert (late_use.day, early_use.day) == (date(2030, 6, 9), TODAY)


@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from(list(FrequencyClass)))))
def test_a_streak_is_days_in_a_row_all_of_its_class(
    found: list[tuple[int, FrequencyClass]],
) -> None:
    uses = _uses(*found)
    streak = current_streak(uses, TODAY)
    if streak is None:
        assert not {u.day for u in uses} & {TODAY, TODAY - timedelta(days=1)}
        return
    assert streak.last in (TODAY, TODAY - timedelta(days=1))
    for k in range(streak.days):
        day_classes = {u.frequency_class for u in uses if u.day == streak.first + timedelta(k)}
        expected = day_classes.pop() if len(day_classes) == 1 else MIXED
        assert expected is streak.frequency_class
    before = {u.frequency_class for u in uses if u.day == streak.first - timedelta(days=1)}
    assert not before or (before.pop() if len(before) == 1 else MIXED) is not streak.frequency_class


AVAILABLE = [
    ("low-back", HIGH),
    ("acupuncture-like", LOW),
    ("mixed-frequency", MIXED),
    ("sciatic-leg", LOW),
]


def test_below_four_days_there_is_nothing_to_say() -> None:
    short = Streak(HIGH, TODAY - timedelta(days=STREAK_DAYS - 2), TODAY)
    assert short.days == STREAK_DAYS - 1
    assert advise(short, "low-back", HIGH, AVAILABLE) is None
    assert advise(None, "low-back", HIGH, AVAILABLE) is None


def test_the_advice_names_the_run_the_sources_and_other_classes_mixed_first() -> None:
    streak = Streak(HIGH, TODAY - timedelta(days=4), TODAY - timedelta(days=1))
    advice = advise(streak, "low-back", HIGH, AVAILABLE)
    assert advice is not None
    text = " ".join(advice.lines)
    assert "high frequency on 4 days in a row" in text
    for source in SOURCES:
        assert source in text
    assert [n for n, _ in advice.suggestions] == [
        "mixed-frequency",
        "acupuncture-like",
        "sciatic-leg",
    ]
    assert "low-back, is high frequency too" in text
    assert advice.lines[-1] == "Advice only: this session runs as planned."
    data = advice.as_json()
    assert data["class"] == "high"
    assert data["days"] == 4
    assert data["advice_only"] is True
    assert data["sources"] == list(SOURCES)


def test_a_mixed_run_suggests_alternating_by_day() -> None:
    streak = Streak(MIXED, TODAY - timedelta(days=5), TODAY)
    advice = advise(streak, "mixed-frequency", MIXED, AVAILABLE)
    assert advice is not None
    assert "Alternating low and high frequency by day" in " ".join(advice.lines)
    assert {c for _, c in advice.suggestions} == {LOW, HIGH}


def test_a_planned_change_of_class_is_acknowledged() -> None:
    streak = Streak(HIGH, TODAY - timedelta(days=4), TODAY - timedelta(days=1))
    advice = advise(streak, "acupuncture-like", LOW, AVAILABLE)
    assert advice is not None
    assert "acupuncture-like, is low frequency." in " ".join(advice.lines)
