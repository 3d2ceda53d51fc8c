"""What the control endpoint does with a request: request -> engine action -> answer.

No sockets here: :meth:`RequestHandler.evaluate` takes one request line and gives its answer
at once (``status``, and every refusal), or a :class:`Pending` for a valid ``stop`` or
``adjust``, which is answered once the engine has acted: ``stop`` once the engine's ``end``
event came (after its confirmed STOP), ``adjust`` once the ``command`` or ``refused`` event
carrying the request's own origin came. :meth:`RequestHandler.ready_answer` says whether that
answer is there; the server asks it when ``on_ready`` tells it something arrived.

The engine's subscriber callback runs in the engine's thread and only records the event and
calls ``on_ready`` (which must not block). ``engine.request_stop("remote")`` sends the
device's priority STOP from the calling thread (it can block for about a second), so
:meth:`RequestHandler.begin_stop` runs it in a short-lived thread of its own, at most one at
a time. Besides that, only the engine's thread-safe entry points are used:
:meth:`~SessionEngine.snapshot` and the command queue (up, down, set_intensity).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tenscontrol.control.requests import (
    Adjustment,
    Change,
    RequestError,
    RequestKind,
    parse_request,
)
from tenscontrol.control.slot import Endpoint
from tenscontrol.control.status import status_of
from tenscontrol.control.wire import Answer, error_answer
from tenscontrol.session.events import Event, SessionState, StopReason

if TYPE_CHECKING:
    from tenscontrol.session.engine import SessionEngine

log = logging.getLogger(__name__)

#: Origin of the engine commands of adjust requests (a counter follows).
ORIGIN_PREFIX = "control-"
#: Longest wait for the session's end after a stop request, seconds.
STOP_DEADLINE_S = 10.0
#: Longest wait for the engine to take up an adjust command, seconds.
ADJUST_DEADLINE_S = 2.0


@dataclass
class _Waiter:
    """One adjust request waiting for the engine's answer (a command or refused event)."""

    change: Change
    channel: int
    origin: str
    done: threading.Event = field(default_factory=threading.Event)
    event: Event | None = None


@dataclass(frozen=True)
class Pending:
    """A valid stop or adjust, answered once the engine has acted on it."""

    kind: RequestKind
    waiter: _Waiter | None = None  # adjust only


class RequestHandler:
    """Answers the requests of one session's ``engine`` (see the module doc).

    ``stop_deadline_s``: longest wait for the session's end after a stop request, seconds.
    ``adjust_deadline_s``: longest wait for the engine to take up an adjust command, s.
    ``on_ready``: called (from any thread, never blocking) when a pending answer may be
    ready. Subscribes to the engine's events at once.
    """

    def __init__(
        self,
        engine: SessionEngine,
        *,
        stop_deadline_s: float = STOP_DEADLINE_S,
        adjust_deadline_s: float = ADJUST_DEADLINE_S,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.stop_deadline_s = stop_deadline_s
        self.adjust_deadline_s = adjust_deadline_s
        self._on_ready = on_ready or (lambda: None)
        self._lock = threading.Lock()  # _waiters and _stop_data (engine thread vs others)
        self._waiters: dict[str, _Waiter] = {}
        self._request_ids = itertools.count(1)
        self._stop_data: dict[str, object] | None = None
        self._ended = threading.Event()
        self._closing = threading.Event()
        self._stopper: threading.Thread | None = None
        engine.subscribe(self._on_event)

    # --- requests ------------------------------------------------------------------------
    def evaluate(self, line: bytes, endpoint: Endpoint = Endpoint.CONTROL) -> Answer | Pending:
        """The answer to one request line received on ``endpoint``, or :class:`Pending` for
        a valid stop or adjust (the adjust command is already queued; a stop is begun with
        :meth:`begin_stop`). Never raises, never blocks."""
        try:
            return self._evaluate(line, endpoint)
        except Exception as error:  # a bug here must not reach the session
            log.exception("control request failed")
            return error_answer(f"internal error: {type(error).__name__}")

    def _evaluate(self, line: bytes, endpoint: Endpoint) -> Answer | Pending:
        try:
            request = parse_request(line, channels=self.engine.channels, endpoint=endpoint)
        except RequestError as error:
            return error_answer(str(error))
        if request.kind is RequestKind.STATUS:
            return {"ok": True, "status": status_of(self.engine)}
        if request.kind is RequestKind.STOP:
            return Pending(RequestKind.STOP)
        if request.adjustment is None:  # parse_request gives every adjust one
            raise ValueError("an adjust request without its adjustment")
        return self._adjust(request.adjustment)

    def answer(self, line: bytes) -> Answer:
        """The answer to one request line, as ``control.sock`` would give it (never
        raises). For a stop or an adjust this blocks the calling thread until the engine
        has acted (at most the deadlines): for in-process callers, never a server's loop."""
        outcome = self.evaluate(line)
        if not isinstance(outcome, Pending):
            return outcome
        try:
            if outcome.kind is RequestKind.STOP:
                if not self._ended.is_set():
                    self._request_stop()
                self._ended.wait(self.stop_deadline_s)
            elif outcome.waiter is not None:
                outcome.waiter.done.wait(self.adjust_deadline_s)
            return self.ready_answer(outcome) or self.timeout_answer(outcome)
        except Exception as error:
            log.exception("control request failed")
            return error_answer(f"internal error: {type(error).__name__}")

    def wait_s(self, pending: Pending) -> float:
        """Longest wait for ``pending``'s answer, seconds."""
        return self.stop_deadline_s if pending.kind is RequestKind.STOP else self.adjust_deadline_s

    def ready_answer(self, pending: Pending) -> Answer | None:
        """The answer of a waiting request once the engine has acted; None until then."""
        if pending.kind is RequestKind.STOP:
            return self._stop_answer() if self._ended.is_set() else None
        waiter = pending.waiter
        if waiter is None or waiter.event is None:
            return None
        self._forget(waiter)
        event = waiter.event
        why = event.data.get("why")
        return {
            "ok": True,
            "accepted": event.kind == "command",
            "channel": waiter.channel,
            "command": waiter.change.value,
            "target_ua": event.data.get("target_ua"),
            "why": why if isinstance(why, str) else None,
        }

    def timeout_answer(self, pending: Pending) -> Answer:
        """The answer of a waiting request whose wait is over without the engine's act."""
        if pending.kind is RequestKind.STOP:
            return error_answer(f"the session did not end within {self.stop_deadline_s:g} s")
        self.forget(pending)
        return error_answer("the session did not take the command up (is it ending?)")

    def forget(self, pending: Pending) -> None:
        """No answer is wanted for ``pending`` any more (its client went away)."""
        if pending.waiter is not None:
            self._forget(pending.waiter)

    def _stop_answer(self) -> Answer:
        with self._lock:
            data = dict(self._stop_data or {})
        reason = data.get("reason")
        if data.get("confirmed") is not True:
            why = data.get("unconfirmed") or "no reason given"
            text = f"output 0 was not confirmed by the device: {why}"
            return {**error_answer(text), "reason": reason}
        return {
            "ok": True,
            "reason": reason,
            "confirmed": True,
            "session_id": self.engine.session_id,
        }

    def _forget(self, waiter: _Waiter) -> None:
        with self._lock:
            self._waiters.pop(waiter.origin, None)

    def _adjust(self, adjustment: Adjustment) -> Answer | Pending:
        state = self.engine.snapshot().state
        with self._lock:
            stopping = self._stop_data is not None
        if (
            state != SessionState.RUNNING
            or self._ended.is_set()
            or stopping
            or self._closing.is_set()
        ):
            return error_answer(f"the session is not running ({state})")
        channel = adjustment.channel
        # each request has an origin of its own: its answer is its own event, whatever else
        # is queued (keys of the live view, other requests)
        waiter = _Waiter(adjustment.change, channel, f"{ORIGIN_PREFIX}{next(self._request_ids)}")
        with self._lock:
            self._waiters[waiter.origin] = waiter
        try:
            if adjustment.change is Change.UP:
                self.engine.up(channel, origin=waiter.origin)
            elif adjustment.change is Change.DOWN:
                self.engine.down(channel, origin=waiter.origin)
            else:
                self.engine.set_intensity(channel, adjustment.set_ua or 0, origin=waiter.origin)
        except BaseException:
            self._forget(waiter)
            raise
        return Pending(RequestKind.ADJUST, waiter)

    # --- the stop ------------------------------------------------------------------------
    def begin_stop(self) -> None:
        """``engine.request_stop("remote")`` in a thread of its own (it can block while it
        sends the device's priority STOP); one at a time: one in flight does it for all."""
        if self._ended.is_set():
            return
        stopper = self._stopper
        if stopper is not None and stopper.is_alive():
            return
        thread = threading.Thread(target=self._request_stop, name="tens-control-stop", daemon=True)
        self._stopper = thread
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: stop from here, even if it holds others
            log.error("control: no thread for the stop; stopping from the server's loop")
            self._request_stop()

    def _request_stop(self) -> None:
        try:
            self.engine.request_stop(StopReason.REMOTE)
        except Exception:
            log.exception("control: request_stop failed")

    # --- life ----------------------------------------------------------------------------
    def close(self) -> None:
        """No more adjusts; everything waiting is due now (its answer, or its timeout)."""
        self._closing.set()
        self._ended.set()  # answer callers of answer() that wait for the end
        with self._lock:
            waiters = list(self._waiters.values())
        for waiter in waiters:
            waiter.done.set()

    def join_stopper(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` seconds for a stop in flight (its STOP goes out before
        the device is closed)."""
        stopper = self._stopper
        if stopper is not None:
            stopper.join(timeout=timeout_s)

    # --- the engine's events (engine thread: keep short) ---------------------------------
    def _on_event(self, event: Event) -> None:
        if event.kind == "stop":
            with self._lock:
                self._stop_data = dict(event.data)
        elif event.kind == "end":
            self._ended.set()
            self._on_ready()
        elif event.kind in ("command", "refused") and event.channel is not None:
            origin = event.data.get("origin")
            if not isinstance(origin, str) or not origin.startswith(ORIGIN_PREFIX):
                return
            with self._lock:
                waiter = self._waiters.get(origin)
            if waiter is not None and waiter.event is None:
                waiter.event = event
                waiter.done.set()
                self._on_ready()
