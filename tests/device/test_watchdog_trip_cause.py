"""A watchdog trip named for its cause, at the edges: the send-gap window's exact bounds,
old long gaps leaving it, a gap of exactly one watchdog period, and the words a person reads
for each cause (docs/safety.md hazard 12: host starvation told apart from a lossy link)."""

from __future__ import annotations

import pytest

from tenscontrol.device.telemetry_monitor import (
    STARVED_LOOKBACK_S,
    SendGaps,
    watchdog_error,
)
from tenscontrol.errors import HostStarved, WatchdogTripped


def test_a_long_gap_that_ended_exactly_one_lookback_ago_still_counts() -> None:
    gaps = SendGaps(now=0.0)
    gaps.sent(1.0, counted=True)  # a 1 s gap, ended at 1.0
    gaps.sent(2.9, counted=False)  # sent while the link had failed: not a gap of its own
    assert gaps.recent(1.0 + STARVED_LOOKBACK_S) == pytest.approx(1.0)
    assert gaps.recent(1.0 + STARVED_LOOKBACK_S + 0.25) == pytest.approx(0.25 + 0.1)


def test_long_gaps_older_than_the_lookback_stop_counting_as_new_ones_come() -> None:
    gaps = SendGaps(now=0.0)
    gaps.sent(1.0, counted=True)  # gap 1.0, ended at 1.0
    gaps.sent(3.0, counted=True)  # gap 2.0, ended at 3.0
    gaps.sent(3.5, counted=True)  # gap 0.5; the first, ended 2.5 s ago, is let go
    assert gaps.recent(3.5) == pytest.approx(2.0)
    assert gaps.recent(5.25) == pytest.approx(1.75)  # the 2 s gap ended 2.25 s ago
    assert gaps.longest_s == pytest.approx(2.0)


def test_a_gap_of_exactly_one_watchdog_period_is_host_starvation() -> None:
    assert isinstance(watchdog_error(0.5, 0.5), HostStarved)
    assert type(watchdog_error(0.499, 0.5)) is WatchdogTripped


def test_the_words_for_each_cause() -> None:
    starved = watchdog_error(0.6, 0.5)
    assert str(starved) == (
        "the device's watchdog expired: this computer did not run the controller for 600 ms"
        " (watchdog 500 ms); output is 0"
    )
    assert starved.hint == "the computer was overloaded or suspended; close other programs"
    lossy = watchdog_error(0.2, 0.5)
    assert str(lossy) == (
        "the device's watchdog expired: it stopped hearing this host (longest gap between"
        " frames sent 200 ms); output is 0"
    )
    assert lossy.hint == "the computer may be overloaded, or the link unreliable"


def test_a_gap_of_exactly_the_long_gap_length_is_not_kept() -> None:
    gaps = SendGaps(now=0.0)
    gaps.sent(0.25, counted=True)  # exactly LONG_GAP_S: short enough to forget
    gaps.sent(0.3, counted=True)
    assert gaps.recent(0.3) == pytest.approx(0.0)
    assert gaps.longest_s == pytest.approx(0.25)


def test_a_long_gap_late_in_a_session_counts_as_soon_as_it_ends() -> None:
    gaps = SendGaps(now=100.0)
    gaps.sent(100.1, counted=True)
    gaps.sent(100.6, counted=True)  # a 0.5 s gap, 100 s after the start
    assert gaps.recent(100.6) == pytest.approx(0.5)


def test_a_gap_that_ended_exactly_one_lookback_before_a_new_one_is_kept() -> None:
    gaps = SendGaps(now=0.0)
    gaps.sent(1.0, counted=True)  # gap 1.0, ended at 1.0
    gaps.sent(2.7, counted=False)
    gaps.sent(3.0, counted=True)  # gap 0.3: kept; the 1.0 gap ended exactly 2 s ago
    assert gaps.recent(3.0) == pytest.approx(1.0)


def test_the_watchdog_period_is_named_in_whole_ms() -> None:
    starved = watchdog_error(2.5, 2.0)
    assert "for 2500 ms (watchdog 2000 ms); output is 0" in str(starved)
