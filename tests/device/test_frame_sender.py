"""The send path's record without a port: a request is encoded once (a retry sends the
same bytes), every frame sent is counted and traced, and the record of the gaps and of
the watchdog asked for names what a watchdog trip means."""

from __future__ import annotations

import io

from tenscontrol.device.requests import RequestTable
from tenscontrol.device.sender import FrameSender
from tenscontrol.device.state import LinkStats
from tenscontrol.errors import HostStarved, WatchdogTripped
from tenscontrol.protocol import Heartbeat, Start, encode_message
from tenscontrol.transport.trace import FrameTracer


def test_a_request_is_encoded_once_with_its_sequence_id() -> None:
    pending = RequestTable(3).new(Heartbeat(), retriable=False, timeout_s=0.25)
    wire = FrameSender.wire(pending)
    assert wire == encode_message(Heartbeat(), pending.seq)
    assert FrameSender.wire(pending) is wire  # a retry: the very same bytes


def test_each_frame_sent_is_counted_and_traced() -> None:
    stats = LinkStats()
    sender = FrameSender(0.0, stats)
    out = io.StringIO()
    pending = RequestTable(3).new(Heartbeat(), retriable=False, timeout_s=0.25)
    FrameSender.wire(pending)
    sender.sent(pending, 0.1, counted=True, tracer=FrameTracer(out))
    sender.sent(pending, 0.2, counted=True, tracer=None)
    assert stats.frames_out == 2
    assert len(out.getvalue().splitlines()) == 1
    assert " > " in out.getvalue()


def test_gaps_are_timed_only_while_counted() -> None:
    sender = FrameSender(0.0, LinkStats())
    pending = RequestTable(3).new(Heartbeat(), retriable=False, timeout_s=0.25)
    sender.sent(pending, 0.1, counted=True, tracer=None)
    sender.sent(pending, 5.0, counted=False, tracer=None)  # the link had failed
    assert sender.gaps.longest_s == 0.1
    assert sender.gaps.last_sent == 5.0


def test_a_trip_is_host_starved_only_after_a_gap_of_the_watchdog_started() -> None:
    sender = FrameSender(0.0, LinkStats())
    start = RequestTable(3).new(Start(1, 500), retriable=True, timeout_s=0.25)
    sender.sent(start, 0.1, counted=True, tracer=None)
    assert sender.watchdog_s == 0.5
    tripped = sender.watchdog_error(0.3)
    assert isinstance(tripped, WatchdogTripped)
    assert not isinstance(tripped, HostStarved)
    assert isinstance(sender.watchdog_error(0.7), HostStarved)
