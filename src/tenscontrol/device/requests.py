"""The table of requests in flight: sequence ids, the send queues, retries and expiry.

Pure bookkeeping, no port and no clock of its own (times are passed in, seconds on the
driver's clock), so it is unit-tested without a device. The link owns one and is the only
thing that sends what it hands out.

Thread and signal safety: any thread, or a signal handler that interrupted one of them,
may :meth:`RequestTable.submit` (a STOP from Ctrl-C does). Sequence ids come from an
:func:`itertools.count`, whose ``next`` is one C call: a handler cannot run between reading
and advancing it, so two requests never share an id (with a plain integer under a
re-entrant lock, a handler in the same thread could). Everything else is under one
re-entrant lock, held only for dictionary and deque operations.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from tenscontrol.errors import DeviceTimeout, NakError, TensError
from tenscontrol.protocol import (
    Ack,
    Identity,
    Message,
    MsgType,
    Nak,
    NakCode,
    Stop,
    message_type,
)
from tenscontrol.protocol.constants import NAK_TEXT

#: Sequence ids are 16 bits on the wire.
SEQ_MASK = 0xFFFF


@dataclass(eq=False)
class Pending:
    """One request in flight. ``done`` is set once ``response`` or ``error`` is filled.

    Times (``sent_at``, ``deadline``) are on the driver's clock, seconds; ``timeout_s`` is
    how long one attempt waits for its answer.
    """

    seq: int
    message: Message
    retriable: bool
    timeout_s: float
    wire: bytes = b""
    attempts: int = 0
    sent_at: float = 0.0
    deadline: float = 0.0
    response: Message | None = None
    error: TensError | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def finish(self, *, response: Message | None = None, error: TensError | None = None) -> None:
        """Fill in the outcome and wake whoever waits on it."""
        self.response = response
        self.error = error
        self.done.set()


def answers(request: Message, response: Identity | Ack | Nak) -> bool:
    """True if ``response`` is the kind of answer ``request`` expects (IDENTITY for HELLO,
    otherwise an ACK or NAK naming the request's type)."""
    expected = message_type(request)
    if isinstance(response, Identity):
        return expected is MsgType.HELLO
    return bool(response.request_type == expected)


def nak_error(request: Message, nak: Nak) -> NakError:
    """The error for a request the device refused, with the NAK's reason and field."""
    name = type(request).__name__.upper()
    text = NAK_TEXT.get(nak.code, "refused")
    where = f" (field {nak.field})" if nak.field else ""
    hint = (
        "press the start key again once the pad is back on"
        if nak.code is NakCode.LEAD_OFF
        else None
    )
    return NakError(
        f"device refused {name}{where}: {text}", code=nak.code, field=nak.field, hint=hint
    )


class RequestTable:
    """Queued and in-flight requests, in the order they must go out: priority requests
    (STOP) before ordinary ones, each queue first in, first out."""

    def __init__(self, max_attempts: int = 3) -> None:
        self.max_attempts = max_attempts
        self._ids: Iterator[int] = itertools.count()
        self._lock = threading.RLock()  # re-entrant: submit() may run in a signal handler
        self._outbox: deque[Pending] = deque()
        self._priority: deque[Pending] = deque()
        self._in_flight: dict[int, Pending] = {}

    # --- any thread -----------------------------------------------------------------
    def new(self, message: Message, *, retriable: bool, timeout_s: float) -> Pending:
        """A numbered request that is not queued (the link sends it itself: heartbeats)."""
        return Pending(next(self._ids) & SEQ_MASK, message, retriable, timeout_s)

    def submit(
        self, message: Message, *, retriable: bool, timeout_s: float, priority: bool = False
    ) -> Pending:
        """Number ``message`` and queue it to be sent."""
        pending = self.new(message, retriable=retriable, timeout_s=timeout_s)
        with self._lock:
            (self._priority if priority else self._outbox).append(pending)
        return pending

    @staticmethod
    def refused(message: Message, error: TensError, *, timeout_s: float) -> Pending:
        """A request that is never sent: already finished with ``error``."""
        pending = Pending(-1, message, False, timeout_s)
        pending.finish(error=error)
        return pending

    @property
    def queued(self) -> bool:
        """True while something waits to be sent (read without the lock: a request queued
        meanwhile is seen on the next look)."""
        return bool(self._priority or self._outbox)

    def stop_in_flight(self) -> bool:
        """True if a STOP is queued with priority or waiting for its answer."""
        with self._lock:
            return any(
                isinstance(p.message, Stop) for p in (*self._priority, *self._in_flight.values())
            )

    # --- the sending side -------------------------------------------------------------
    def next_to_send(self) -> Pending | None:
        """Take the next request to send (priority first), or None."""
        with self._lock:
            queue = self._priority or self._outbox
            return queue.popleft() if queue else None

    def sent(self, pending: Pending, now: float) -> None:
        """``pending`` went out at ``now``: count the attempt and wait for its answer."""
        pending.attempts += 1
        pending.sent_at = now
        pending.deadline = now + pending.timeout_s
        with self._lock:
            self._in_flight[pending.seq] = pending

    def earliest_deadline(self, before: float) -> float:
        """The earliest deadline of a request in flight, or ``before`` if that is sooner."""
        with self._lock:
            for pending in self._in_flight.values():
                if pending.deadline < before:
                    before = pending.deadline
        return before

    @property
    def in_flight(self) -> bool:
        """True while a request waits for its answer (read without the lock)."""
        return bool(self._in_flight)

    def expire(self, now: float) -> tuple[list[Pending], list[Pending]]:
        """Requests whose deadline passed at ``now``: (to send again, given up). Those given
        up are removed and finished with a :class:`DeviceTimeout`."""
        resend: list[Pending] = []
        given_up: list[Pending] = []
        with self._lock:
            for pending in [p for p in self._in_flight.values() if now >= p.deadline]:
                if pending.retriable and pending.attempts < self.max_attempts:
                    resend.append(pending)
                    continue
                del self._in_flight[pending.seq]
                given_up.append(pending)
        for pending in given_up:
            pending.finish(
                error=DeviceTimeout(
                    f"no answer to {message_type(pending.message).name} (seq {pending.seq}) "
                    f"after {pending.attempts} attempt(s)"
                )
            )
        return resend, given_up

    # --- the receiving side -------------------------------------------------------------
    def answered(self, seq: int, response: Identity | Ack | Nak) -> Pending | None:
        """The request ``response`` answers, removed from the table, or None if it answers
        none (late, stale, or of the wrong kind). The caller finishes it."""
        with self._lock:
            pending = self._in_flight.get(seq)
            if pending is None or not answers(pending.message, response):
                return None
            del self._in_flight[seq]
            return pending

    # --- failure ----------------------------------------------------------------------
    def fail_all(self, error: TensError, *, keep_stops: bool) -> None:
        """Finish every queued and in-flight request with ``error``, except STOPs when
        ``keep_stops`` (a STOP is still worth sending while the port is there)."""
        with self._lock:
            waiting = [*self._in_flight.values(), *self._outbox, *self._priority]
            self._outbox.clear()
            if not keep_stops:
                self._priority.clear()
            for pending in waiting:
                if keep_stops and isinstance(pending.message, Stop):
                    continue
                self._in_flight.pop(pending.seq, None)
                pending.finish(error=error)
