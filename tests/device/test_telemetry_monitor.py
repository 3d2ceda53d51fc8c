"""The telemetry monitor and the send-gap record without a port: lost frames counted across
the 16-bit wrap, faults counted only while armed, and a watchdog trip named for its cause."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenscontrol.device.telemetry_monitor import (
    LONG_GAP_S,
    STARVED_LOOKBACK_S,
    FaultVerdict,
    SendGaps,
    TelemetryMonitor,
    fatal_fault_error,
    watchdog_error,
)
from tenscontrol.errors import DeviceFault, HostStarved, WatchdogTripped
from tenscontrol.protocol import DeviceState, Fault, Telemetry

NO_FAULTS = Fault(0)


def telemetry(faults: Fault = NO_FAULTS) -> Telemetry:
    return Telemetry(DeviceState.RUNNING, faults, 3_900, 80, 1_000, 0, ())


@given(st.integers(0, 0xFFFF), st.lists(st.integers(1, 200), min_size=1, max_size=50))
def test_lost_frames_are_the_gaps_in_the_sequence_across_the_wrap(
    first: int, steps: list[int]
) -> None:
    monitor = TelemetryMonitor()
    seq = first
    monitor.observe(seq, telemetry())
    for step in steps:
        seq = (seq + step) & 0xFFFF
        monitor.observe(seq, telemetry())
    assert monitor.lost == sum(step - 1 for step in steps)


def test_a_frame_from_the_past_is_not_a_gap() -> None:
    monitor = TelemetryMonitor()
    monitor.observe(100, telemetry())
    monitor.observe(99, telemetry())  # reordered or repeated: not 65,534 lost frames
    assert monitor.lost == 0


def test_faults_count_only_while_armed() -> None:
    monitor = TelemetryMonitor()
    lost = telemetry(Fault.HOST_LOST)
    assert monitor.observe(1, lost) is FaultVerdict.NONE  # a latch left from before START
    monitor.armed = True
    assert monitor.observe(2, lost) is FaultVerdict.HOST_LOST
    assert monitor.observe(3, telemetry(Fault.LOW_BATTERY)) is FaultVerdict.FATAL
    assert monitor.observe(4, telemetry(Fault.LEAD_OFF)) is FaultVerdict.NONE


def test_the_fatal_fault_error_names_every_fatal_fault() -> None:
    error = fatal_fault_error(telemetry(Fault.OVER_CURRENT | Fault.INTERNAL | Fault.LEAD_OFF))
    assert isinstance(error, DeviceFault)
    assert error.faults == ("OVER_CURRENT", "INTERNAL")


def test_send_gaps_keep_the_longest_and_the_recent_long_ones() -> None:
    gaps = SendGaps(now=0.0)
    gaps.sent(0.1, counted=True)
    gaps.sent(0.8, counted=True)  # a 0.7 s gap, longer than LONG_GAP_S: kept
    gaps.sent(0.9, counted=True)
    assert gaps.longest_s == pytest.approx(0.7)
    assert gaps.recent(1.0) == pytest.approx(0.7)
    later = 0.8 + STARVED_LOOKBACK_S + 0.01
    assert gaps.recent(later) == pytest.approx(later - 0.9)  # the old gap fell out
    gaps.sent(later + 5, counted=False)  # sent while the link had failed: not counted
    assert gaps.longest_s == pytest.approx(0.7)
    assert gaps.recent(later + 5) == pytest.approx(0.0)


def test_short_gaps_count_for_the_longest_but_are_not_kept() -> None:
    gaps = SendGaps(now=0.0)
    gaps.sent(LONG_GAP_S / 2, counted=True)
    assert gaps.longest_s == pytest.approx(LONG_GAP_S / 2)
    assert gaps.recent(LONG_GAP_S / 2) == pytest.approx(0.0)


def test_a_watchdog_trip_is_host_starvation_only_after_a_gap_of_a_watchdog_period() -> None:
    starved = watchdog_error(0.6, 0.5)
    assert isinstance(starved, HostStarved)
    assert starved.gap_ms == 600
    assert "did not run the controller for 600 ms" in str(starved)
    assert type(watchdog_error(0.49, 0.5)) is WatchdogTripped
    assert type(watchdog_error(5.0, None)) is WatchdogTripped  # no START sent: no claim
