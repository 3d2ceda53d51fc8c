"""The 95 % interval of a mean change: Student's t computed exactly, the interval's
properties, the minimum number of sessions, and a coverage check on simulated data."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenscontrol.records.intervals import MIN_SESSIONS, mean_interval, t_quantile, t_two_sided

#: 97.5 % points of Student's t from printed tables (3 decimals), by degrees of freedom.
TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 10: 2.228, 20: 2.086, 30: 2.042}
NORMAL_975 = 1.959964
changes = st.lists(st.integers(-10, 10), min_size=MIN_SESSIONS, max_size=80)


@pytest.mark.parametrize(("df", "expected"), sorted(TABLE.items()))
def test_quantiles_match_the_printed_tables(df: int, expected: float) -> None:
    assert round(t_quantile(df), 3) == expected


def test_one_and_two_degrees_of_freedom_have_closed_forms() -> None:
    for t in (0.1, 1.0, 3.0, 20.0):
        assert t_two_sided(t, 1) == pytest.approx(2 * math.atan(t) / math.pi, abs=1e-12)
        assert t_two_sided(t, 2) == pytest.approx(t / math.sqrt(2 + t * t), abs=1e-12)


@given(st.integers(1, 400))
def test_the_quantile_inverts_the_distribution(df: int) -> None:
    assert t_two_sided(t_quantile(df), df) == pytest.approx(0.95, abs=1e-9)


@given(st.integers(1, 400))
def test_quantiles_fall_with_more_sessions_towards_the_normal(df: int) -> None:
    assert t_quantile(df) > t_quantile(df + 1) > NORMAL_975


def test_the_minimum_is_the_first_count_where_t_is_below_3() -> None:
    assert t_quantile(MIN_SESSIONS - 1) < 3 <= t_quantile(MIN_SESSIONS - 2)


@given(st.lists(st.integers(-10, 10), max_size=MIN_SESSIONS - 1))
def test_too_few_sessions_have_no_interval(values: list[int]) -> None:
    assert mean_interval(values) is None


@given(changes)
def test_the_interval_holds_the_mean(values: list[int]) -> None:
    found = mean_interval(values)
    assert found is not None
    assert found.n == len(values)
    assert found.low <= found.mean <= found.high
    assert found.mean == pytest.approx(sum(values) / len(values))
    assert found.high - found.mean == pytest.approx(found.mean - found.low)


@given(changes, st.integers(-5, 5))
def test_shifting_every_change_shifts_the_interval(values: list[int], shift: int) -> None:
    plain = mean_interval(values)
    moved = mean_interval([v + shift for v in values])
    assert plain is not None
    assert moved is not None
    assert moved.low == pytest.approx(plain.low + shift, abs=1e-9)
    assert moved.high == pytest.approx(plain.high + shift, abs=1e-9)


@given(st.integers(-10, 10), st.integers(MIN_SESSIONS, 50))
def test_identical_changes_have_no_spread(value: int, n: int) -> None:
    found = mean_interval([value] * n)
    assert found is not None
    assert found.low == found.high == found.mean == value


def test_about_95_of_100_intervals_hold_the_true_mean() -> None:
    """The interval means what it says: on data with a known mean (normal, 8 sessions),
    it holds that mean about 95 % of the time."""
    rng = random.Random(16)
    trials = 4_000
    held = 0
    for _ in range(trials):
        found = mean_interval([rng.gauss(-2.0, 1.5) for _ in range(8)])
        assert found is not None
        held += found.low <= -2.0 <= found.high
    assert 0.94 <= held / trials <= 0.96
