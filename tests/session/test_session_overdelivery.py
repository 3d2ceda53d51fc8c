"""The host's commanded-versus-delivered check, pure: no false trips on ordinary traffic
(frames measured before a lowering SET), a trip within 100-150 ms of a real excess, and no
hiding behind a device that misreports its own setpoint."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from tenscontrol import hard_limits as hl
from tenscontrol.session.overdelivery import COMMAND_HISTORY_MS, OverDeliveryMonitor

FRAME_MS = 50


def test_a_frame_from_before_a_lowering_set_does_not_trip() -> None:
    mon = OverDeliveryMonitor((1,))
    mon.commanded(1, 0, 40_000)
    mon.commanded(1, 1_000, 2_000)  # lowered; three late frames still show the old level
    for t in (1_010, 1_060, 1_110, 1_160):
        assert mon.observe(1, t, 40_000, 40_000) is None
    # compared with the new SET alone, the same frames would have tripped
    naive = OverDeliveryMonitor((1,))
    naive.commanded(1, 0, 2_000)
    trips = [naive.observe(1, t, 2_000, 40_000) for t in (1_010, 1_060, 1_110, 1_160)]
    assert any(trips)


def test_a_lasting_excess_trips_on_the_third_frame() -> None:
    mon = OverDeliveryMonitor((1,))
    mon.commanded(1, 0, 10_000)
    over = 10_000 + hl.over_delivery_margin_ua(10_000) + 1
    assert mon.observe(1, 5_000, 10_000, over) is None
    assert mon.observe(1, 5_050, 10_000, over) is None
    trip = mon.observe(1, 5_100, 10_000, over)
    assert trip is not None
    assert trip.lasted_ms == hl.OVER_DELIVERY_HOST_MS
    assert (trip.delivered_ua, trip.reference_ua) == (over, 10_000)


def test_a_single_glitch_resets() -> None:
    mon = OverDeliveryMonitor((1,))
    mon.commanded(1, 0, 10_000)
    over = 13_000
    assert mon.observe(1, 100, 10_000, over) is None
    assert mon.observe(1, 150, 10_000, over) is None
    assert mon.observe(1, 200, 10_000, 10_000) is None  # back in range
    assert mon.observe(1, 250, 10_000, over) is None
    assert mon.observe(1, 300, 10_000, over) is None
    assert mon.observe(1, 350, 10_000, over) is not None


def test_a_device_claiming_a_higher_setpoint_is_still_caught() -> None:
    mon = OverDeliveryMonitor((1,))
    mon.commanded(1, 0, 5_000)
    for t in range(2_000, 2_200, FRAME_MS):
        trip = mon.observe(1, t, 30_000, 30_000)  # claims 30 mA was asked
    assert trip is not None
    assert trip.reference_ua == 5_000


def test_zero_commanded_allows_nothing() -> None:
    mon = OverDeliveryMonitor((1,))
    mon.commanded(1, 0, 0)
    results = [mon.observe(1, t, 0, 1) for t in range(2_000, 2_200, FRAME_MS)]
    assert results[-1] is not None


@settings(max_examples=300, deadline=None)
@given(
    levels=st.lists(st.integers(0, 60_000), min_size=1, max_size=30),
    latency=st.integers(0, COMMAND_HISTORY_MS - 100),
)
def test_an_honest_device_never_trips(levels: list[int], latency: int) -> None:
    """SETs every 100 ms; the device applies each ``latency`` ms later, drops at once, rises
    at its slew; frames every 50 ms show the setpoint in force and delivered <= it."""
    mon = OverDeliveryMonitor((1,))
    applied: list[tuple[int, int]] = []
    for i, level in enumerate(levels):
        mon.commanded(1, i * 100, level)
        applied.append((i * 100 + latency, level))
    delivered = 0
    for t in range(0, len(levels) * 100 + latency + 500, FRAME_MS):
        current = [lv for at, lv in applied if at <= t]
        in_force = current[-1] if current else 0
        delivered = min(in_force, delivered + hl.MAX_SLEW_UA_PER_S * FRAME_MS // 1_000)
        assert mon.observe(1, t, in_force, delivered) is None


@given(
    level=st.integers(1_000, 50_000),
    percent=st.integers(25, 200),
    onset=st.integers(0, 49),
)
def test_a_real_excess_trips_within_150_ms_of_its_onset(
    level: int, percent: int, onset: int
) -> None:
    mon = OverDeliveryMonitor((1,))
    mon.commanded(1, 0, level)
    start = 10_000 + onset
    excess = level * (100 + percent) // 100
    tripped_at = None
    for t in range(10_000, 11_000, FRAME_MS):
        delivered = excess if t >= start else level
        if mon.observe(1, t, level, delivered) is not None:
            tripped_at = t
            break
    assert tripped_at is not None
    assert tripped_at - start + FRAME_MS >= hl.OVER_DELIVERY_HOST_MS
    assert tripped_at - start <= 150


def test_a_late_host_reading_buffered_frames_trips_on_device_time() -> None:
    """Three over frames 50 ms apart on the device, read by a host that ran late, all
    within 2 ms of host time: the third trips (the device's clock says 100 ms)."""
    mon = OverDeliveryMonitor((1,))
    mon.commanded(1, 0, 10_000)
    over = 10_000 + hl.over_delivery_margin_ua(10_000) + 1
    assert mon.observe(1, 5_000, 10_000, over, 70_000) is None
    assert mon.observe(1, 5_001, 10_000, over, 70_050) is None
    trip = mon.observe(1, 5_002, 10_000, over, 70_100)
    assert trip is not None
    assert trip.lasted_ms == 100


def test_a_device_whose_clock_stalls_still_trips_on_host_time() -> None:
    mon = OverDeliveryMonitor((1,))
    mon.commanded(1, 0, 10_000)
    over = 10_000 + hl.over_delivery_margin_ua(10_000) + 1
    assert mon.observe(1, 5_000, 10_000, over, 70_000) is None
    assert mon.observe(1, 5_050, 10_000, over, 70_000) is None
    assert mon.observe(1, 5_100, 10_000, over, 70_000) is not None


def test_device_time_across_the_uptime_wrap() -> None:
    mon = OverDeliveryMonitor((1,))
    mon.commanded(1, 0, 10_000)
    over = 10_000 + hl.over_delivery_margin_ua(10_000) + 1
    assert mon.observe(1, 5_000, 10_000, over, (1 << 32) - 50) is None
    assert mon.observe(1, 5_001, 10_000, over, 0) is None
    trip = mon.observe(1, 5_002, 10_000, over, 50)
    assert trip is not None
    assert trip.lasted_ms == 100
