"""What ``tens start`` prints while a session runs: plain lines, or JSON lines.

Plain: one line per change (phase, output on/off, target, lead, pause, fault) or after 5 s
of session time without one, each beginning with ``SIMULATED`` on a simulated device.
JSON (``--json``): one object per line; ``{"event": "status", ...}`` once per second of
session time, and at least once a second of real time (if the session runs late), plus
``start``, ``adjust``, ``lead``, ``fault``, ``warning``, ``stop`` and a final ``end``;
every object has ``"simulated"``. Under ``--speed X`` the cadence stays in session time
(at ``--speed 60``: a JSON status 60 times and a plain line 12 times a real second), so a
fast-forwarded session prints what the same session would print in real time.

Events arrive in the engine's thread (subscriber); statuses come from a small thread that
looks at :meth:`SessionEngine.snapshot` when the next status is due: it sleeps (real time)
the due session time divided by the speed, at most :data:`POLL_S`, so changes are seen
within 50 ms and a due status is never one poll late. Every line goes through one
:class:`~tenscontrol.cli.start.streams.LineWriter`, so neither thread ever waits for the
terminal or the pipe (a paused or vanished reader cannot hold the engine up), and the
lines keep their order.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from tenscontrol.cli.start.streams import LineWriter
from tenscontrol.cli.text import ma, mmss, mmss_left
from tenscontrol.errors import REMOVE_PADS
from tenscontrol.session import Event, SessionEngine, SessionResult, Snapshot
from tenscontrol.session.events import SessionState

#: Longest sleep of the status thread, real seconds (how late a change may be seen).
POLL_S = 0.05
#: Shortest sleep of the status thread, real seconds (fast-forward: 1 s at --speed 1000).
MIN_WAIT_S = 0.001
#: A JSON status after this much session time, ms ...
JSON_STATUS_MS = 1_000
#: ... or this much real time, seconds, whichever comes first.
JSON_STATUS_REAL_S = 1.0
#: A plain line after this much session time without one, ms.
PLAIN_STATUS_MS = 5_000
_EVENT_KINDS = {
    "start": "start",
    "command": "adjust",
    "refused": "adjust",
    "lead": "lead",
    "fault": "fault",
    "emergency_stop": "fault",
    "device_lost": "device_lost",
    "warning": "warning",
    "stop": "stop",
}


def status_record(snap: Snapshot) -> dict[str, Any]:
    """A snapshot as the JSON ``status`` object (integer uA, seconds as numbers)."""
    return {
        "event": "status",
        "simulated": snap.simulated,
        "state": snap.state,
        "elapsed_s": snap.elapsed_ms / 1_000,
        "remaining_s": snap.remaining_ms / 1_000,
        "phase": snap.phase_index,
        "phase_label": snap.phase_label,
        "output": "STIMULATING" if snap.stimulating else "OUTPUT OFF",
        "channels": [c.record() for c in snap.channels],
        "link_quality": round(snap.link_quality, 3),
        "battery_pct": snap.battery_pct,
    }


def status_line(snap: Snapshot) -> str:
    """A snapshot as one plain line (without the SIMULATED prefix)."""
    phase = "-" if snap.phase_index is None else f"{snap.phase_index + 1} {snap.phase_label}"
    parts = [
        f"{mmss(snap.elapsed_ms)} elapsed, {mmss_left(snap.remaining_ms)} left",
        f"phase {phase}",
        "STIMULATING" if snap.stimulating else "OUTPUT OFF",
    ]
    for c in snap.channels:
        state = " paused" if c.paused else ""
        parts.append(
            f"ch{c.channel} set {ma(c.setpoint_ua)} mA delivered {ma(c.delivered_ua)} mA "
            f"lead {c.lead or '?'}{state}"
        )
    return "  ".join(parts)


def plain_event(event: Event) -> str:
    """One event in words (without time and prefix)."""
    data = event.data
    where = "" if event.channel is None else f" channel {event.channel}"
    if event.kind == "fault":
        return f"FAULT{where}: {data.get('fault')}: output stopped"
    if event.kind == "emergency_stop":
        return f"EMERGENCY STOP: {data.get('error')}"
    if event.kind == "stop":
        if data.get("confirmed"):
            return f"OUTPUT OFF ({why(data)}): 0 mA confirmed by the device"
        # Never claim 0 mA the device did not show: the person must act.
        return (
            f"STOP NOT CONFIRMED ({why(data)}): {data.get('unconfirmed')}; the output may"
            f" still be on: {REMOVE_PADS}"
        )
    if event.kind == "lead":
        return f"lead {data.get('lead')}{where}" + (
            ": output 0 on this channel" if data.get("lead") == "off" else ""
        )
    if event.kind == "warning":
        return f"note: {data.get('text')}"
    details = ", ".join(f"{k} {v}" for k, v in data.items())
    return f"{event.kind}{where}{': ' if details else ''}{details}"


def why(data: Mapping[str, object]) -> str:
    """The reason of a stop or end record in words: ``signal SIGHUP``, ``stream_lost
    (stdout: EPIPE: Broken pipe)``, ``remote``."""
    reason = str(data.get("reason"))
    if data.get("signal"):
        return f"{reason} {data['signal']}"
    if data.get("stream"):
        return f"{reason} ({data['stream']}: {data.get('cause')})"
    if data.get("thread"):
        return f"{reason} (thread {data['thread']}: {data.get('cause')})"
    return reason


def _change_key(snap: Snapshot) -> tuple[object, ...]:
    return (
        snap.state,
        snap.phase_index,
        snap.stimulating,
        tuple((c.target_ua, c.lead, c.paused, c.faults) for c in snap.channels),
    )


class SessionPrinter:
    """Prints one session's progress; :meth:`attach` before ``run``, :meth:`close` after."""

    def __init__(
        self,
        engine: SessionEngine,
        out: LineWriter,
        *,
        as_json: bool,
        simulated: bool,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``speed``: session seconds per real second (``--speed``, 1 in real time);
        ``monotonic``: the real clock, seconds (injected by tests)."""
        self.engine = engine
        self.out = out
        self.as_json = as_json
        self.simulated = simulated
        self.speed = max(1.0, speed)
        self._monotonic = monotonic
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="tens-print", daemon=True)
        self._last_key: tuple[object, ...] | None = None
        self._last_ms: int | None = None
        self._last_real = 0.0
        self._stopped = False

    @property
    def prefix(self) -> str:
        """``SIMULATED  `` on a simulated device, else nothing."""
        return "SIMULATED  " if self.simulated else ""

    def line(self, text: str, *, droppable: bool = False) -> None:
        """One plain line (prefixed) or nothing in JSON mode. Never blocks."""
        if not self.as_json:
            self.out.write(f"{self.prefix}{text}", droppable=droppable)

    def record(self, record: dict[str, Any], *, droppable: bool = False) -> None:
        """One JSON object (with ``simulated``) in JSON mode. Never blocks."""
        if self.as_json:
            line = json.dumps({**record, "simulated": self.simulated}, default=str)
            self.out.write(line, droppable=droppable)

    def attach(self) -> None:
        """Subscribe to the engine's events and start the status thread."""
        self.engine.subscribe(self.on_event)
        self._thread.start()

    def close(self) -> None:
        """Stop the status thread (idempotent)."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)

    def on_event(self, event: Event) -> None:
        """An engine event (engine thread): the ones a person or a script needs."""
        if event.kind == "stop":
            if self.as_json:  # the last state before the stop: at least one status per run
                self.record(status_record(self.engine.snapshot()))
            self._stopped = True  # no status after the stop line
        kind = _EVENT_KINDS.get(event.kind)
        if kind is None:
            return
        data = dict(event.data)
        if self.as_json:
            extra: dict[str, Any] = {}
            if kind == "start":
                extra = {"session_id": self.engine.session_id, "profile": self.engine.profile.name}
            self.record(
                {
                    "event": kind,
                    "t_ms": event.t_ms,
                    "channel": event.channel,
                    "detail": event.kind,
                    **extra,
                    **data,
                }
            )
            return
        self.line(f"{mmss(event.t_ms)} {plain_event(event)}")

    def _poll(self) -> None:
        wait = MIN_WAIT_S  # the first status as soon as the session runs
        while not self._done.wait(wait):
            snap = self.engine.snapshot()
            self.maybe_status(snap)
            wait = self.wait_s(snap)

    def wait_s(self, snap: Snapshot) -> float:
        """Real seconds to sleep before looking again: until the next status is due in
        session time (at this speed) or, for JSON, in real time; within
        [:data:`MIN_WAIT_S`, :data:`POLL_S`]."""
        if self._last_ms is None:
            return MIN_WAIT_S
        period = JSON_STATUS_MS if self.as_json else PLAIN_STATUS_MS
        wait = (self._last_ms + period - snap.elapsed_ms) / 1_000 / self.speed
        if self.as_json:
            wait = min(wait, self._last_real + JSON_STATUS_REAL_S - self._monotonic())
        return min(POLL_S, max(MIN_WAIT_S, wait))

    def maybe_status(self, snap: Snapshot) -> None:
        """Print a status when due (JSON: each second of session time, or of real time if
        that comes first; plain: on a change, or 5 s of session time after the last)."""
        if snap.state != SessionState.RUNNING or self._stopped:
            return
        now = self._monotonic()
        last = self._last_ms
        if self.as_json:
            if (
                last is None
                or snap.elapsed_ms - last >= JSON_STATUS_MS
                or now - self._last_real >= JSON_STATUS_REAL_S
            ):
                self._last_ms, self._last_real = snap.elapsed_ms, now
                self.record(status_record(snap), droppable=True)
            return
        key = _change_key(snap)
        periodic = last is None or snap.elapsed_ms - last >= PLAIN_STATUS_MS
        changed = key != self._last_key
        if changed or periodic:
            self._last_key, self._last_ms, self._last_real = key, snap.elapsed_ms, now
            self.line(status_line(snap), droppable=not changed)

    def end(
        self, result: SessionResult, exit_code: int, extra: Mapping[str, Any] | None = None
    ) -> None:
        """The final line or object; ``extra``: more fields of the JSON ``end`` object (the
        placement reminder, :mod:`~tenscontrol.cli.start.aftercare`)."""
        error = None if result.error is None else str(result.error)
        if self.as_json:
            self.record(
                {
                    **(extra or {}),
                    "event": "end",
                    "reason": result.reason,
                    "session_id": result.session_id,
                    "duration_ms": result.duration_ms,
                    "stop_confirmed": result.stop_confirmed,
                    "max_delivered_ua": {str(k): v for k, v in result.max_delivered_ua.items()},
                    "error": error,
                    "exit_code": exit_code,
                    "log": None if result.log_path is None else str(result.log_path),
                    **result.detail,
                }
            )
            return
        zero = "output 0 confirmed" if result.stop_confirmed else "output 0 NOT confirmed"
        reason = why({"reason": result.reason, **result.detail})
        self.line(
            f"session ended: {reason} after {mmss(result.duration_ms)}; {zero}; "
            f"session {result.session_id}"
        )
        if error is not None:
            self.line(f"reason: {error}")
        if not result.stop_confirmed:
            self.line(f"warning: the output may still be on: {REMOVE_PADS}")
        for warning in result.warnings:
            self.line(f"note: {warning}")
