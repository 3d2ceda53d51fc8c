"""The control server of a running session (the protocol is in :mod:`.control`).

Threads: one daemon thread accepts connections (polling a closing flag every 0.2 s), and one
daemon thread serves each connection (at most :data:`MAX_CLIENTS` at once; idle ones are
dropped after ``idle_timeout_s``). They only *ask* the engine, through its thread-safe
entry points: :meth:`~SessionEngine.snapshot`, :meth:`~SessionEngine.request_stop` and the
command queue (up, down, set_intensity). What the engine did with a command comes back as a
``command`` or ``refused`` event (the engine's subscriber callback only sets a
``threading.Event``); ``stop`` waits for the ``end`` event, after the engine's confirmed
STOP. Whatever a client sends (bad JSON, unknown commands, huge lines, a hang-up) gets an
error answer or a closed connection, never a crashed session.

Use as a context manager around ``engine.run()``, with the :class:`ControlSlot` held: the
socket is bound on entry (0600 before ``listen``) and closed and removed on exit, also when
the run raises.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from tenscontrol import hard_limits as hl
from tenscontrol.errors import TensError
from tenscontrol.session.control import MAX_LINE, ControlSlot, encode, read_line
from tenscontrol.session.engine import SessionEngine
from tenscontrol.session.events import Event
from tenscontrol.session.paths import FILE_MODE

log = logging.getLogger(__name__)

#: Most connections served at once; more are answered with an error and closed.
MAX_CLIENTS = 8
_ADJUST_KINDS = {"up", "down", "set"}


def status_of(engine: SessionEngine) -> dict[str, Any]:
    """The engine's latest snapshot as the ``status`` object (integer ms, uA, percent)."""
    snap = engine.snapshot()
    return {
        "session_id": snap.session_id or engine.session_id,
        "profile": engine.profile.name,
        "state": snap.state,
        "reason": snap.reason,
        "phase": snap.phase_index,
        "phase_label": snap.phase_label,
        "elapsed_ms": snap.elapsed_ms,
        "remaining_ms": snap.remaining_ms,
        "duration_ms": engine.duration_ms,
        "stimulating": snap.stimulating,
        "simulated": snap.simulated,
        "link_quality_pct": round(snap.link_quality * 100),
        "battery_pct": snap.battery_pct,
        "channels": [
            {
                "channel": c.channel,
                "setpoint_ua": c.setpoint_ua,
                "delivered_ua": c.delivered_ua,
                "lead": c.lead,
                "target_ua": c.target_ua,
                "ceiling_ua": engine.limits.of(c.channel).ceiling_ua,
                "paused": c.paused,
                "faults": list(c.faults),
            }
            for c in snap.channels
        ],
    }


def same_user(conn: socket.socket) -> bool:
    """True when the peer runs as this user (Linux SO_PEERCRED; elsewhere the 0700 folder
    and the 0600 socket are the only guard, and this returns True)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    try:
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, option, 12))
    except OSError:
        return False
    return bool(uid == os.getuid())


def _error(text: str) -> dict[str, Any]:
    return {"ok": False, "error": text}


@dataclass
class _Waiter:
    """One adjust request waiting for the engine's answer (a command or refused event)."""

    kind: str
    channel: int
    origin: str
    done: threading.Event = field(default_factory=threading.Event)
    event: Event | None = None


class ControlServer:
    """Serves ``engine`` on the slot's socket while the session runs (see module doc).

    ``stop_deadline_s``: longest wait for the session's end after a stop request.
    ``adjust_deadline_s``: longest wait for the engine to take up an adjust command.
    """

    def __init__(
        self,
        engine: SessionEngine,
        slot: ControlSlot,
        *,
        stop_deadline_s: float = 10.0,
        adjust_deadline_s: float = 2.0,
        idle_timeout_s: float = 30.0,
    ) -> None:
        self.engine = engine
        self.slot = slot
        self.stop_deadline_s = stop_deadline_s
        self.adjust_deadline_s = adjust_deadline_s
        self.idle_timeout_s = idle_timeout_s
        self._lock = threading.Lock()
        self._adjust_lock = threading.Lock()
        self._waiter: _Waiter | None = None
        self._request_ids = itertools.count(1)
        self._stop_data: dict[str, object] | None = None
        self._ended = threading.Event()
        self._closing = threading.Event()
        self._clients: dict[socket.socket, threading.Thread] = {}
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        engine.subscribe(self._on_event)

    # --- life ----------------------------------------------------------------------------
    def start(self) -> None:
        """Bind the socket (a stale one is replaced), 0600 before listening; serve.

        Raises :class:`TensError` when the socket cannot be made (nothing was sent yet)."""
        if not self.slot.supported:
            log.warning("no control endpoint on this system: tens status/stop/adjust unavailable")
            return
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.slot.remove_stale_socket()
            listener.bind(os.fspath(self.slot.path))
            self.slot.path.chmod(FILE_MODE)  # before listen: nobody can connect yet
            listener.listen(MAX_CLIENTS)
            listener.settimeout(0.2)
        except BaseException as error:
            listener.close()
            self.slot.path.unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise TensError(f"control socket {self.slot.path}: {error}") from None
            raise
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept_loop, name="tens-control",
                                          daemon=True)  # fmt: skip
        self._acceptor.start()

    def close(self) -> None:
        """Stop serving: waiting requests are answered, the socket file removed. Idempotent."""
        if self._closing.is_set():
            return
        self._closing.set()
        self._ended.set()
        with self._lock:
            waiter = self._waiter
        if waiter is not None:
            waiter.done.set()
        if self._acceptor is not None:
            self._acceptor.join(timeout=2.0)
        if self._listener is not None:
            self._listener.close()
            self.slot.path.unlink(missing_ok=True)
        with self._lock:
            clients = dict(self._clients)
        for conn in clients:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RD)  # a blocked read ends; answers still go out
        deadline = time.monotonic() + 2.0
        for thread in clients.values():
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        for conn in clients:
            conn.close()

    def __enter__(self) -> ControlServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- the engine's events (engine thread: keep short) ---------------------------------
    def _on_event(self, event: Event) -> None:
        if event.kind == "stop":
            with self._lock:
                self._stop_data = dict(event.data)
        elif event.kind == "end":
            self._ended.set()
        elif event.kind in ("command", "refused") and event.channel is not None:
            with self._lock:
                waiter = self._waiter
            if (waiter is not None and waiter.event is None
                    and event.data.get("origin") == waiter.origin):  # fmt: skip
                waiter.event = event
                waiter.done.set()

    # --- connections ---------------------------------------------------------------------
    def _accept_loop(self) -> None:
        listener = self._listener
        while listener is not None and not self._closing.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(self.idle_timeout_s)
            if not same_user(conn):
                log.warning("control connection from another user refused")
                conn.close()
                continue
            with self._lock:
                full = len(self._clients) >= MAX_CLIENTS
                if not full:
                    thread = threading.Thread(target=self._serve, args=(conn,),
                                              name="tens-control-client", daemon=True)  # fmt: skip
                    self._clients[conn] = thread
            if full:
                self._send(conn, _error("too many connections; try again"))
                conn.close()
            else:
                thread.start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = bytearray()
        try:
            while True:
                try:
                    line = read_line(conn, buffer)
                except ValueError:
                    self._send(conn, _error(f"request longer than {MAX_LINE} bytes"))
                    self._drain(conn)
                    return
                except OSError:  # idle timeout, reset, shut down by close()
                    return
                if line is None:
                    return
                if not self._send(conn, self.answer(line)):
                    return
        finally:
            with self._lock:
                self._clients.pop(conn, None)
            conn.close()

    @staticmethod
    def _drain(conn: socket.socket, limit: int = 1 << 20) -> None:
        """Read and drop what the client still sends (at most ``limit`` bytes, 1 s), so that
        closing does not reset the connection before the error answer is read."""
        try:
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(1.0)
            while limit > 0 and (chunk := conn.recv(65_536)):
                limit -= len(chunk)
        except OSError:
            pass

    @staticmethod
    def _send(conn: socket.socket, answer: dict[str, Any]) -> bool:
        try:
            conn.sendall(encode(answer))
        except OSError:
            return False
        return True

    # --- requests ------------------------------------------------------------------------
    def answer(self, line: bytes) -> dict[str, Any]:
        """The answer to one request line (never raises)."""
        try:
            request = json.loads(line)
        except ValueError:
            return _error("not a JSON object")
        if not isinstance(request, dict) or not isinstance(request.get("cmd"), str):
            return _error('a request is a JSON object with a "cmd" string')
        cmd = request["cmd"]
        try:
            if cmd == "status":
                return {"ok": True, "status": status_of(self.engine)}
            if cmd == "stop":
                return self._stop()
            if cmd == "adjust":
                return self._adjust(request)
        except Exception as error:  # a bug here must not reach the session
            log.exception("control request %r failed", cmd)
            return _error(f"internal error: {type(error).__name__}")
        return _error(f"unknown command {cmd[:40]!r} (status, stop, adjust)")

    def _stop(self) -> dict[str, Any]:
        self.engine.request_stop("remote")
        if not self._ended.wait(self.stop_deadline_s):
            return _error(f"the session did not end within {self.stop_deadline_s:g} s")
        with self._lock:
            data = dict(self._stop_data or {})
        reason = data.get("reason")
        if data.get("confirmed") is not True:
            return {**_error("output 0 was not confirmed by the device"), "reason": reason}
        return {"ok": True, "reason": reason, "confirmed": True,
                "session_id": self.engine.session_id}  # fmt: skip

    def _adjust(self, request: dict[str, Any]) -> dict[str, Any]:
        channel, step, set_ua = request.get("channel"), request.get("step"), request.get("set_ua")
        if type(channel) is not int or channel not in self.engine.channels:
            return _error(f"channel must be one of {list(self.engine.channels)}")
        if (step is None) == (set_ua is None):
            return _error('adjust needs exactly one of "step" (1 or -1) and "set_ua"')
        if step is not None and (type(step) is not int or step not in (1, -1)):
            return _error('"step" must be 1 or -1')
        if set_ua is not None and (
            type(set_ua) is not int or not 0 <= set_ua <= hl.MAX_AMPLITUDE_UA
        ):
            return _error(f'"set_ua" must be a whole number of uA, 0 to {hl.MAX_AMPLITUDE_UA}')
        state = self.engine.snapshot().state
        if state != "running" or self._ended.is_set() or self._stop_data is not None:
            return _error(f"the session is not running ({state})")
        kind = "set" if set_ua is not None else ("up" if step == 1 else "down")
        with self._adjust_lock:  # one adjust in flight; its answer carries its origin
            waiter = _Waiter(kind, channel, f"control-{next(self._request_ids)}")
            with self._lock:
                self._waiter = waiter
            try:
                if kind == "up":
                    self.engine.up(channel, origin=waiter.origin)
                elif kind == "down":
                    self.engine.down(channel, origin=waiter.origin)
                else:
                    self.engine.set_intensity(channel, int(set_ua or 0), origin=waiter.origin)
                waiter.done.wait(self.adjust_deadline_s)
            finally:
                with self._lock:
                    self._waiter = None
        event = waiter.event
        if event is None:
            return _error("the session did not take the command up (is it ending?)")
        why = event.data.get("why")
        return {"ok": True, "accepted": event.kind == "command", "channel": channel,
                "command": kind, "target_ua": event.data.get("target_ua"),
                "why": why if isinstance(why, str) else None}  # fmt: skip
