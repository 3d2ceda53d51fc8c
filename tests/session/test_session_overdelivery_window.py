"""The over-delivery check's reference at the edge of its window (issue 17): a SET exactly
COMMAND_HISTORY_MS old still bounds the reference, one a millisecond older hands over to the
SET after it, and the reference each frame was judged against is what a display shows."""

from __future__ import annotations

from tenscontrol.session.overdelivery import COMMAND_HISTORY_MS, OverDeliveryMonitor


def test_a_set_exactly_one_window_old_is_still_in_the_window() -> None:
    mon = OverDeliveryMonitor((1,))
    mon.commanded(1, 0, 30_000)
    mon.commanded(1, 1, 10_000)  # lowered 1 ms later
    # at 1001 ms the 10 mA SET is exactly one window old: it is still inside the window,
    # so the 30 mA before it counts as the one in force when the window began
    assert mon.reference_ua(1, COMMAND_HISTORY_MS + 1) == 30_000
    # one millisecond later the 10 mA SET is older than the window too: it is the one in
    # force for the whole window
    assert mon.reference_ua(1, COMMAND_HISTORY_MS + 2) == 10_000


def test_the_reference_a_frame_was_judged_against_is_kept_for_display() -> None:
    mon = OverDeliveryMonitor((1, 2))
    assert mon.judged_ua == {1: None, 2: None}
    mon.commanded(1, 0, 20_000)
    mon.observe(1, 10, 25_000, 20_000)  # the device claims more than was sent
    assert mon.judged_ua == {1: 20_000, 2: None}
    mon.observe(1, 60, 15_000, 15_000)  # a frame from while the ramp was still rising
    assert mon.judged_ua[1] == 15_000


def test_before_anything_is_sent_the_reference_is_0_and_any_current_is_an_excess() -> None:
    mon = OverDeliveryMonitor((1,))
    assert mon.reference_ua(1, 0) == 0
    trips = [mon.observe(1, t, 0, 1) for t in (0, 50, 100)]
    assert trips[:2] == [None, None]
    assert trips[2] is not None
    assert (trips[2].channel, trips[2].delivered_ua, trips[2].reference_ua) == (1, 1, 0)


def test_frames_with_and_without_device_time_are_judged_on_host_time() -> None:
    mon = OverDeliveryMonitor((2,))
    mon.commanded(2, 0, 10_000)
    assert mon.observe(2, 10, 10_000, 20_000, device_ms=5) is None  # excess seen
    assert mon.observe(2, 60, 10_000, 20_000) is None  # no device time on this one
    trip = mon.observe(2, 110, 10_000, 20_000)
    assert trip is not None
    assert (trip.channel, trip.lasted_ms) == (2, 100)
    late = OverDeliveryMonitor((1,))
    late.commanded(1, 0, 10_000)
    assert late.observe(1, 10, 10_000, 20_000) is None  # first seen without device time
    assert late.observe(1, 60, 10_000, 20_000, device_ms=500) is None
