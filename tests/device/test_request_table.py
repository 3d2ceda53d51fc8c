"""The request table without a port: sequence ids, send order, answers, retries, expiry and
failure, on times passed in by hand."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator

import pytest

from tenscontrol.device.requests import SEQ_MASK, RequestTable
from tenscontrol.errors import DeviceTimeout, PortLost, TensError
from tenscontrol.protocol import (
    Ack,
    Heartbeat,
    Identity,
    MsgType,
    Nak,
    NakCode,
    Start,
    Stop,
)


def ack(kind: MsgType) -> Ack:
    return Ack(kind, None)


def test_priority_requests_go_first_and_each_queue_keeps_its_order() -> None:
    table = RequestTable()
    first = table.submit(Heartbeat(), retriable=True, timeout_s=0.25)
    second = table.submit(Start(1, 500), retriable=True, timeout_s=0.25)
    stop = table.submit(Stop(), retriable=True, timeout_s=0.1, priority=True)
    assert table.queued
    assert [table.next_to_send() for _ in range(3)] == [stop, first, second]
    assert table.next_to_send() is None
    assert not table.queued


def test_an_answer_finds_its_request_only_by_seq_and_kind() -> None:
    table = RequestTable()
    start = table.submit(Start(1, 500), retriable=True, timeout_s=0.25)
    table.sent(table.next_to_send() or start, now=1.0)
    assert table.answered(start.seq, ack(MsgType.SET)) is None  # wrong kind: stale
    assert table.answered(start.seq + 1, ack(MsgType.START)) is None  # no such request
    assert table.answered(start.seq, ack(MsgType.START)) is start
    assert table.answered(start.seq, ack(MsgType.START)) is None  # answered once
    assert not table.in_flight


def test_a_nak_answers_and_identity_answers_only_hello() -> None:
    table = RequestTable()
    stop = table.submit(Stop(), retriable=True, timeout_s=0.1)
    table.sent(stop, now=0.0)
    identity = Identity.__new__(Identity)  # the type is all that matters here
    assert table.answered(stop.seq, identity) is None
    assert table.answered(stop.seq, Nak(MsgType.STOP, NakCode.BAD_STATE, 0)) is stop


def test_retriable_requests_are_resent_until_their_attempts_run_out() -> None:
    table = RequestTable(max_attempts=3)
    request = table.submit(Start(1, 500), retriable=True, timeout_s=0.25)
    table.sent(table.next_to_send() or request, now=0.0)
    assert table.earliest_deadline(10.0) == pytest.approx(0.25)
    assert table.expire(now=0.2) == ([], [])
    for attempt in (1, 2):
        resend, given_up = table.expire(now=0.25 * attempt)
        assert (resend, given_up) == ([request], [])
        table.sent(request, now=0.25 * attempt)
    resend, given_up = table.expire(now=0.75)
    assert (resend, given_up) == ([], [request])
    assert request.done.is_set()
    assert isinstance(request.error, DeviceTimeout)
    assert "after 3 attempt(s)" in str(request.error)


def test_a_request_that_is_not_retriable_times_out_after_one_attempt() -> None:
    table = RequestTable()
    beat = table.new(Heartbeat(), retriable=False, timeout_s=0.25)
    table.sent(beat, now=0.0)
    assert table.expire(now=0.25) == ([], [beat])


def test_failure_finishes_everything_but_keeps_stops_while_the_port_is_there() -> None:
    table = RequestTable()
    start = table.submit(Start(1, 500), retriable=True, timeout_s=0.25)
    table.sent(table.next_to_send() or start, now=0.0)
    queued = table.submit(Heartbeat(), retriable=True, timeout_s=0.25)
    stop = table.submit(Stop(), retriable=True, timeout_s=0.1, priority=True)
    error: TensError = DeviceTimeout("gone quiet")
    table.fail_all(error, keep_stops=True)
    assert start.error is error
    assert queued.error is error
    assert not stop.done.is_set()
    assert table.stop_in_flight()
    assert table.queued  # the STOP still goes out

    table.fail_all(PortLost("unplugged"), keep_stops=False)
    assert isinstance(stop.error, PortLost)
    assert not table.stop_in_flight()


def test_sequence_ids_count_up_and_wrap_at_16_bits() -> None:
    table = RequestTable()
    count = 2 * (SEQ_MASK + 1) + 7
    ids = [table.new(Heartbeat(), retriable=False, timeout_s=0.1).seq for _ in range(count)]
    assert ids == [n & SEQ_MASK for n in range(count)]


@pytest.fixture
def alarm_handler() -> Iterator[list[int]]:
    """Sequence ids a SIGALRM handler allocated (restored afterwards)."""
    seen: list[int] = []
    previous = signal.getsignal(signal.SIGALRM)
    yield seen
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def test_ids_stay_unique_when_a_signal_handler_submits_in_the_middle(
    alarm_handler: list[int],
) -> None:
    """A STOP from a signal handler lands between any two bytecodes of the thread it
    interrupted, sometimes inside an id allocation: ids must still never repeat."""
    table = RequestTable()

    def handler(_signum: int, _frame: object) -> None:
        alarm_handler.append(table.submit(Stop(), retriable=True, timeout_s=0.1).seq)

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)
    ids = [table.new(Heartbeat(), retriable=False, timeout_s=0.1).seq for _ in range(60_000)]
    signal.setitimer(signal.ITIMER_REAL, 0)
    assert alarm_handler, "the timer never fired"
    every = ids + alarm_handler
    assert len(set(every)) == len(every) == 60_000 + len(alarm_handler)


def test_ids_stay_unique_across_threads() -> None:
    table = RequestTable()
    out: list[list[int]] = [[] for _ in range(4)]

    def allocate(into: list[int]) -> None:
        for _ in range(5_000):
            into.append(table.new(Heartbeat(), retriable=False, timeout_s=0.1).seq)

    threads = [threading.Thread(target=allocate, args=(into,)) for into in out]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [seq for ids in out for seq in ids]
    assert len(set(every)) == len(every) == 20_000
