"""The control server of a running session (the protocol is in :mod:`.control`).

One daemon thread runs a :mod:`selectors` loop over non-blocking sockets: the two listeners
(``control.sock`` and ``stop.sock``), every client connection and a wake-up socketpair.
Nothing in the loop blocks, so no client can hold it up, and it serves many at once:

* A connection has :data:`REQUEST_DEADLINE_S` seconds for a *whole* request, from its
  accept (or its previous answer) to a complete line, however it trickles the bytes; it is
  dropped at the deadline. An answer it does not take is dropped after the same time.
* ``control.sock`` serves at most :data:`MAX_CLIENTS` connections; one more gets a one-line
  ``busy`` answer (a non-blocking send into its empty socket buffer) and is closed.
  A connection is closed after :data:`MAX_REQUESTS_PER_CONNECTION` answers.
* ``stop.sock`` takes only ``stop``, one request per connection, at most
  :data:`MAX_STOP_CLIENTS` at once. When it is full, the oldest connection that has not
  sent a complete request is dropped to make room, so a new stopper always gets in. Each
  round of the loop reads the connections it has before it accepts new ones (at most
  :data:`STOP_ACCEPTS_PER_ROUND` from ``stop.sock``), so a stopper's request that has
  arrived is read before later arrivals can push it out; ``stop.sock`` is accepted from
  first.
* A line nested deeper than :data:`~tenscontrol.session.control.MAX_NESTING` is refused
  before ``json.loads`` (a scanner that knows JSON strings), and a ``RecursionError`` is
  caught anyway. Any other unexpected error is logged (``log.exception``) and answered
  ``internal error``; an error in the loop itself is logged and the loop goes on.

Waiting answers never block the loop. ``stop`` is answered once the engine's ``end`` event
came (after the engine's confirmed STOP), ``adjust`` once the ``command`` or ``refused``
event carrying the request's own origin came. The engine's subscriber callback runs in the
engine's thread and only records the event and writes a byte to the wake-up socketpair;
the loop then writes the answers. Deadlines are the selector's timeout.
``engine.request_stop("remote")`` sends the device's priority STOP from the calling thread
(it can block for about a second), so it runs in a short-lived thread of its own, at most
one at a time. Besides that, the server only uses the engine's thread-safe entry points:
:meth:`~SessionEngine.snapshot` and the command queue (up, down, set_intensity).

Use as a context manager around ``engine.run()``, with the :class:`ControlSlot` held: both
sockets are bound on entry (a stale file replaced; 0600 before ``listen``) and closed and
removed on exit, also when the run raises; requests still waiting are answered then.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from tenscontrol import hard_limits as hl
from tenscontrol.errors import TensError
from tenscontrol.session.control import (
    BUSY_PREFIX,
    MAX_LINE,
    MAX_NESTING,
    ControlSlot,
    encode,
    nested_deeper_than,
)
from tenscontrol.session.engine import SessionEngine
from tenscontrol.session.events import Event, StopReason
from tenscontrol.session.paths import FILE_MODE

log = logging.getLogger(__name__)

#: Most connections ``control.sock`` serves at once; one more gets a busy answer.
MAX_CLIENTS = 16
#: Most connections ``stop.sock`` holds at once; one more makes room (see the module doc).
MAX_STOP_CLIENTS = 8
#: Seconds a connection has for a whole request line, from its accept or its previous
#: answer; also the longest time an answer may wait for the client to take it.
REQUEST_DEADLINE_S = 2.0
#: Answers one ``control.sock`` connection gets before it is closed (a busy client cannot
#: keep a slot for ever either).
MAX_REQUESTS_PER_CONNECTION = 32
#: After its last answer a connection is half-closed, and what the client still sends is
#: read and dropped for at most this many seconds and bytes: closing a Unix socket with
#: unread data would reset it before the client has read the answer.
LINGER_S = 0.5
LINGER_BYTES = 1 << 20
#: Connections accepted from ``control.sock`` per round of the loop (the ones beyond the
#: bound are refused at once, so taking many keeps its listen queue short).
ACCEPTS_PER_ROUND = 64
#: Connections accepted from ``stop.sock`` per round: half its table, so a connection
#: survives at least one more round of reads before it can be evicted.
STOP_ACCEPTS_PER_ROUND = MAX_STOP_CLIENTS // 2
#: Kernel queue of connections not accepted yet, per listener.
LISTEN_BACKLOG = 64
#: Seconds a listener is not accepted from after an accept error other than EAGAIN
#: (EMFILE, ...): it stays readable then and would spin the loop.
ACCEPT_PAUSE_S = 0.1
#: Seconds the loop pauses after an unexpected error of its own (logged), so a repeating
#: bug cannot spin it.
LOOP_ERROR_PAUSE_S = 0.05
#: Longest wait for the server's threads when it closes, seconds.
CLOSE_JOIN_S = 2.0
#: Origin of the engine commands of adjust requests (a counter follows).
ORIGIN_PREFIX = "control-"

#: A client that hung up makes a send fail with EPIPE, never raise SIGPIPE (Python ignores
#: SIGPIPE already; this holds even if something restores its default, where it exists).
_SEND_FLAGS = getattr(socket, "MSG_NOSIGNAL", 0)
Kind = Literal["control", "stop"]
_READING, _WAITING, _WRITING, _LINGERING = "reading", "waiting", "writing", "lingering"
_CLOSED = "closed"


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


@dataclass(frozen=True)
class Pending:
    """A valid request that is answered once the engine has acted on it."""

    cmd: Literal["stop", "adjust"]
    waiter: _Waiter | None = None  # adjust only


@dataclass(eq=False)
class _Listener:
    kind: Kind
    sock: socket.socket
    path: Path
    paused_until: float | None = None  # monotonic s, after an accept error


@dataclass(eq=False)
class _Conn:
    """One client connection, owned by the loop's thread. Times are monotonic seconds."""

    sock: socket.socket
    kind: Kind
    deadline: float
    state: str = _READING
    events: int = 0  # what it is registered for in the selector (0: not registered)
    inbuf: bytearray = field(default_factory=bytearray)
    outbuf: bytearray = field(default_factory=bytearray)
    pending: Pending | None = None
    served: int = 0
    last: bool = False  # close once the answer in outbuf is out
    lingered: int = 0  # bytes dropped while lingering


class ControlServer:
    """Serves ``engine`` on the slot's two sockets while the session runs (see module doc).

    ``stop_deadline_s``: longest wait for the session's end after a stop request, seconds.
    ``adjust_deadline_s``: longest wait for the engine to take up an adjust command, s.
    ``request_deadline_s``: time a connection has for a whole request line, seconds.
    """

    def __init__(
        self,
        engine: SessionEngine,
        slot: ControlSlot,
        *,
        stop_deadline_s: float = 10.0,
        adjust_deadline_s: float = 2.0,
        request_deadline_s: float = REQUEST_DEADLINE_S,
    ) -> None:
        self.engine = engine
        self.slot = slot
        self.stop_deadline_s = stop_deadline_s
        self.adjust_deadline_s = adjust_deadline_s
        self.request_deadline_s = request_deadline_s
        self._lock = threading.Lock()  # _waiters and _stop_data (engine thread vs others)
        self._waiters: dict[str, _Waiter] = {}
        self._request_ids = itertools.count(1)
        self._stop_data: dict[str, object] | None = None
        self._ended = threading.Event()
        self._closing = threading.Event()
        self._stopper: threading.Thread | None = None
        self._selector: selectors.BaseSelector | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._listeners: list[_Listener] = []
        self._conns: dict[_Conn, None] = {}  # insertion order: oldest first
        self._thread: threading.Thread | None = None
        engine.subscribe(self._on_event)

    # --- life ----------------------------------------------------------------------------
    def start(self) -> None:
        """Bind both sockets (stale ones replaced), 0600 before listening; serve.

        Raises :class:`TensError` when a socket cannot be made (nothing was sent yet)."""
        if not self.slot.supported:
            log.warning("no control endpoint on this system: tens status/stop/adjust unavailable")
            return
        try:
            self._listeners.append(
                _Listener("control", self._listen(self.slot.path), self.slot.path)
            )
            self._listeners.append(
                _Listener("stop", self._listen(self.slot.stop_path), self.slot.stop_path)
            )
            self._selector = selectors.DefaultSelector()
            self._wake_r, self._wake_w = socket.socketpair()
            for sock in (self._wake_r, self._wake_w):
                sock.setblocking(False)
            self._selector.register(self._wake_r, selectors.EVENT_READ, None)
            for listener in self._listeners:
                self._selector.register(listener.sock, selectors.EVENT_READ, listener)
            self._thread = threading.Thread(target=self._loop, name="tens-control", daemon=True)
            self._thread.start()
        except BaseException as error:
            self._release()
            self._close_wake()
            if isinstance(error, OSError | RuntimeError):
                raise TensError(f"control endpoint in {self.slot.folder}: {error}") from None
            raise

    def _listen(self, path: Path) -> socket.socket:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.slot.remove_stale_socket(path)
            listener.bind(os.fspath(path))
            path.chmod(FILE_MODE)  # before listen: nobody can connect yet
            listener.listen(LISTEN_BACKLOG)
            listener.setblocking(False)
        except BaseException as error:
            listener.close()
            path.unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise TensError(f"control socket {path}: {error}") from None
            raise
        return listener

    def close(self) -> None:
        """Stop serving: waiting requests are answered, the socket files removed. Idempotent."""
        if self._closing.is_set():
            return
        self._closing.set()
        self._ended.set()  # answer callers of answer() that wait for the end
        with self._lock:
            waiters = list(self._waiters.values())
        for waiter in waiters:
            waiter.done.set()
        thread = self._thread
        if thread is not None:
            self._wake()
            thread.join(timeout=CLOSE_JOIN_S)
            if thread.is_alive():
                log.error("control server did not stop within %g s", CLOSE_JOIN_S)
        if thread is None or not thread.is_alive():
            self._release()
        else:  # never leave the files: a stale pair would be replaced, but tidy up
            for listener in self._listeners:
                listener.path.unlink(missing_ok=True)
        self._close_wake()
        stopper = self._stopper
        if stopper is not None:  # its STOP goes out before the device is closed
            stopper.join(timeout=CLOSE_JOIN_S)

    def _release(self) -> None:
        """Close every socket and remove the files (the loop's thread is not running)."""
        for conn in list(self._conns):
            self._drop(conn)
        for listener in self._listeners:
            listener.sock.close()
            listener.path.unlink(missing_ok=True)
        self._listeners = []
        if self._selector is not None:
            self._selector.close()
            self._selector = None

    def _close_wake(self) -> None:
        """Close the wake-up pair (after the loop ended: the engine's callback may still
        call :meth:`_wake`, which then does nothing)."""
        sockets, self._wake_r, self._wake_w = (self._wake_r, self._wake_w), None, None
        for sock in sockets:
            if sock is not None:
                sock.close()

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
            self._wake()
        elif event.kind in ("command", "refused") and event.channel is not None:
            origin = event.data.get("origin")
            if not isinstance(origin, str) or not origin.startswith(ORIGIN_PREFIX):
                return
            with self._lock:
                waiter = self._waiters.get(origin)
            if waiter is not None and waiter.event is None:
                waiter.event = event
                waiter.done.set()
                self._wake()

    def _wake(self) -> None:
        """Make the loop look at the waiting requests. Any thread; never blocks."""
        sock = self._wake_w
        if sock is not None:
            with contextlib.suppress(OSError):  # buffer full (already woken) or closed
                sock.send(b"\x00")

    # --- the loop ------------------------------------------------------------------------
    def _loop(self) -> None:
        try:
            while not self._closing.is_set():
                try:
                    self._round()
                except Exception:  # the loop is the stop path: it must go on
                    log.exception("control server: unexpected error (serving goes on)")
                    self._closing.wait(LOOP_ERROR_PAUSE_S)
        finally:
            self._shutdown()

    def _round(self) -> None:
        selector = self._selector
        if selector is None:
            return
        ready = selector.select(self._timeout())
        conns: list[tuple[_Conn, int]] = []
        listeners: list[_Listener] = []
        for key, mask in ready:
            if key.data is None:
                self._drain_wake()
            elif isinstance(key.data, _Listener):
                listeners.append(key.data)
            else:
                conns.append((key.data, mask))
        for conn, mask in conns:  # what has arrived is read before anyone new comes in
            if conn in self._conns:
                self._guarded(conn, self._on_ready, mask)
        self._answer_waiters()
        for listener in sorted(listeners, key=lambda item: item.kind != "stop"):
            self._accept(listener)
        self._expire()
        self._resume_listeners()

    def _timeout(self) -> float | None:
        """Seconds until the next deadline (None: nothing to wait for but sockets)."""
        times = [conn.deadline for conn in self._conns]
        times += [lst.paused_until for lst in self._listeners if lst.paused_until is not None]
        return max(0.0, min(times) - time.monotonic()) if times else None

    def _drain_wake(self) -> None:
        if self._wake_r is not None:
            with contextlib.suppress(OSError):
                while self._wake_r.recv(4_096):
                    pass

    def _guarded(self, conn: _Conn, action: Callable[..., None], *args: Any) -> None:
        """Run ``action(conn, *args)``; a bug drops this one connection, logged."""
        try:
            action(conn, *args)
        except Exception:
            log.exception("control connection failed")
            self._drop(conn)

    def _on_ready(self, conn: _Conn, mask: int) -> None:
        if conn.state == _WRITING and mask & selectors.EVENT_WRITE:
            self._flush(conn)
            self._serve_buffered(conn)
        elif conn.state == _READING and mask & selectors.EVENT_READ:
            self._read(conn)
        elif conn.state == _LINGERING and mask & selectors.EVENT_READ:
            self._linger_read(conn)

    # --- connections ---------------------------------------------------------------------
    def _accept(self, listener: _Listener) -> None:
        per_round = STOP_ACCEPTS_PER_ROUND if listener.kind == "stop" else ACCEPTS_PER_ROUND
        for _ in range(per_round):
            try:
                sock, _address = listener.sock.accept()
            except BlockingIOError:
                return
            except OSError as error:
                log.warning("control: accepting on %s failed: %s", listener.path.name, error)
                self._pause(listener)
                return
            try:
                self._admit(listener.kind, sock)
            except Exception:
                log.exception("control: admitting a connection failed")
                sock.close()

    def _admit(self, kind: Kind, sock: socket.socket) -> None:
        sock.setblocking(False)
        if not same_user(sock):
            log.warning("control connection from another user refused")
            sock.close()
            return
        table = [conn for conn in self._conns if conn.kind == kind]
        if kind == "control" and len(table) >= MAX_CLIENTS:
            log.debug("control.sock busy: %d clients", len(table))
            self._refuse(
                sock, _error(f"{BUSY_PREFIX}{MAX_CLIENTS} clients are connected; try again")
            )
            return
        if kind == "stop" and len(table) >= MAX_STOP_CLIENTS:
            victim = self._evictable(table)
            if victim is None:  # every one has asked for the stop already: it is under way
                self._refuse(
                    sock,
                    _error(
                        f"{BUSY_PREFIX}{len(table)} stop requests are waiting for the session's end"
                    ),
                )
                return
            log.debug("stop.sock full: dropping its oldest connection without a request")
            self._say_and_drop(
                victim, _error(f"{BUSY_PREFIX}dropped to make room for another stop request")
            )
        conn = _Conn(sock, kind, time.monotonic() + self.request_deadline_s)
        self._conns[conn] = None
        self._interest(conn, selectors.EVENT_READ)

    @staticmethod
    def _evictable(table: list[_Conn]) -> _Conn | None:
        """The stop connection to drop for a newcomer: one already answered (lingering),
        else the oldest without a complete request; never one whose stop is under way."""
        for state in (_LINGERING, _READING):
            for conn in table:  # oldest first
                if conn.state == state:
                    return conn
        return None

    def _refuse(self, sock: socket.socket, answer: dict[str, Any]) -> None:
        """One line into a fresh socket's empty buffer (never blocks), then close."""
        with contextlib.suppress(OSError):
            sock.send(encode(answer), _SEND_FLAGS)
        sock.close()

    def _say_and_drop(self, conn: _Conn, answer: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):
            conn.sock.send(encode(answer), _SEND_FLAGS)
        self._drop(conn)

    def _drop(self, conn: _Conn) -> None:
        if conn.events and self._selector is not None:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(conn.sock)
        conn.events = 0
        conn.state = _CLOSED
        conn.sock.close()
        self._conns.pop(conn, None)
        if conn.pending is not None and conn.pending.waiter is not None:
            self._forget(conn.pending.waiter)

    def _interest(self, conn: _Conn, events: int) -> None:
        """Register ``conn`` for ``events`` only (0: not at all)."""
        selector = self._selector
        if selector is None or events == conn.events:
            return
        if conn.events == 0:
            selector.register(conn.sock, events, conn)
        elif events == 0:
            selector.unregister(conn.sock)
        else:
            selector.modify(conn.sock, events, conn)
        conn.events = events

    def _pause(self, listener: _Listener) -> None:
        if self._selector is not None and listener.paused_until is None:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(listener.sock)
        listener.paused_until = time.monotonic() + ACCEPT_PAUSE_S

    def _resume_listeners(self) -> None:
        now = time.monotonic()
        for listener in self._listeners:
            if listener.paused_until is not None and now >= listener.paused_until:
                listener.paused_until = None
                if self._selector is not None:
                    self._selector.register(listener.sock, selectors.EVENT_READ, listener)

    def _read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(MAX_LINE)
        except BlockingIOError:
            return
        except OSError:
            self._drop(conn)
            return
        if not data:  # hung up before a complete request
            self._drop(conn)
            return
        conn.inbuf += data
        self._serve_buffered(conn)

    def _serve_buffered(self, conn: _Conn) -> None:
        """Answer the complete lines in ``conn``'s buffer, one at a time, while it reads."""
        while conn.state == _READING:
            end = conn.inbuf.find(b"\n", 0, MAX_LINE)  # a line of MAX_LINE bytes at most
            if end < 0:
                if len(conn.inbuf) >= MAX_LINE:
                    conn.inbuf.clear()
                    self._reply(conn, _error(f"request longer than {MAX_LINE} bytes"), last=True)
                return
            line = bytes(conn.inbuf[:end])
            del conn.inbuf[: end + 1]
            outcome = self.evaluate(line, conn.kind)
            if isinstance(outcome, Pending):
                self._wait(conn, outcome)
            else:
                self._reply(conn, outcome)

    def _wait(self, conn: _Conn, pending: Pending) -> None:
        conn.state, conn.pending = _WAITING, pending
        wait_s = self.stop_deadline_s if pending.cmd == "stop" else self.adjust_deadline_s
        conn.deadline = time.monotonic() + wait_s
        self._interest(conn, 0)  # nothing more is read until it is answered
        if pending.cmd == "stop":
            self._begin_stop()

    def _answer_waiters(self) -> None:
        for conn in list(self._conns):
            if conn.state == _WAITING and conn.pending is not None:
                answer = self._ready_answer(conn.pending)
                if answer is not None:
                    self._guarded(conn, self._reply_and_go_on, answer)

    def _reply_and_go_on(self, conn: _Conn, answer: dict[str, Any]) -> None:
        self._reply(conn, answer)
        self._serve_buffered(conn)

    def _reply(self, conn: _Conn, answer: dict[str, Any], *, last: bool = False) -> None:
        conn.pending = None
        conn.served += 1
        conn.outbuf += encode(answer)
        conn.last = last or conn.kind == "stop" or conn.served >= MAX_REQUESTS_PER_CONNECTION
        conn.state = _WRITING
        conn.deadline = time.monotonic() + self.request_deadline_s
        self._flush(conn)

    def _flush(self, conn: _Conn) -> None:
        try:
            sent = conn.sock.send(conn.outbuf, _SEND_FLAGS)
        except BlockingIOError:
            sent = 0
        except OSError:  # the client went away
            self._drop(conn)
            return
        del conn.outbuf[:sent]
        if conn.outbuf:
            self._interest(conn, selectors.EVENT_WRITE)
        elif conn.last:
            self._linger(conn)
        else:  # the next request has a whole deadline of its own
            conn.state = _READING
            conn.deadline = time.monotonic() + self.request_deadline_s
            self._interest(conn, selectors.EVENT_READ)

    def _linger(self, conn: _Conn) -> None:
        try:
            conn.sock.shutdown(socket.SHUT_WR)  # the client reads the answer, then the end
        except OSError:
            self._drop(conn)
            return
        conn.inbuf.clear()
        conn.state = _LINGERING
        conn.deadline = time.monotonic() + LINGER_S
        self._interest(conn, selectors.EVENT_READ)

    def _linger_read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(65_536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        conn.lingered += len(data)
        if not data or conn.lingered > LINGER_BYTES:
            self._drop(conn)

    def _expire(self) -> None:
        now = time.monotonic()
        for conn in list(self._conns):
            if conn in self._conns and now >= conn.deadline:
                self._guarded(conn, self._expired)

    def _expired(self, conn: _Conn) -> None:
        if conn.state == _READING:
            log.debug("control: no complete request within %g s", self.request_deadline_s)
            self._say_and_drop(
                conn, _error(f"timeout: no complete request within {self.request_deadline_s:g} s")
            )
        elif conn.state == _WAITING and conn.pending is not None:
            self._reply_and_go_on(conn, self._timeout_answer(conn.pending))
        else:  # an answer not taken in time, or the end not read in time
            self._drop(conn)

    def _shutdown(self) -> None:
        """The loop's last act: answer what waits (best effort), close everything."""
        for conn in list(self._conns):
            try:
                if conn.state == _WAITING and conn.pending is not None:
                    answer = self._ready_answer(conn.pending) or self._timeout_answer(conn.pending)
                    self._say_and_drop(conn, answer)
                elif conn.state == _WRITING:
                    with contextlib.suppress(OSError):  # what fits goes out
                        conn.sock.send(conn.outbuf, _SEND_FLAGS)
                    self._drop(conn)
            except Exception:
                log.exception("control: answering at close failed")
        self._release()

    # --- the stop ------------------------------------------------------------------------
    def _begin_stop(self) -> None:
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

    # --- requests ------------------------------------------------------------------------
    def evaluate(self, line: bytes, kind: Kind = "control") -> dict[str, Any] | Pending:
        """The answer to one request line received on the ``kind`` socket, or
        :class:`Pending` for a valid stop or adjust (the adjust command is already queued).
        Never raises, never blocks."""
        try:
            return self._evaluate(line, kind)
        except Exception as error:  # a bug here must not reach the session
            log.exception("control request failed")
            return _error(f"internal error: {type(error).__name__}")

    def _evaluate(self, line: bytes, kind: Kind) -> dict[str, Any] | Pending:
        if nested_deeper_than(line, MAX_NESTING):
            return _error(f"request nested deeper than {MAX_NESTING} levels")
        try:
            request = json.loads(line.decode("utf-8"))
        except RecursionError:  # the scanner's bound makes this unreachable; caught anyway
            return _error("request nested too deeply")
        except ValueError:  # UnicodeDecodeError included
            return _error("not a JSON object")
        if not isinstance(request, dict) or not isinstance(request.get("cmd"), str):
            return _error('a request is a JSON object with a "cmd" string')
        cmd = request["cmd"]
        if kind == "stop" and cmd != "stop":
            return _error(f'{self.slot.stop_path.name} takes only {{"cmd": "stop"}}')
        if cmd == "status":
            return {"ok": True, "status": status_of(self.engine)}
        if cmd == "stop":
            return Pending("stop")
        if cmd == "adjust":
            return self._adjust(request)
        return _error(f"unknown command {cmd[:40]!r} (status, stop, adjust)")

    def answer(self, line: bytes) -> dict[str, Any]:
        """The answer to one request line, as ``control.sock`` would give it (never
        raises). For a stop or an adjust this blocks the calling thread until the engine
        has acted (at most the deadlines): for in-process callers, never the loop."""
        outcome = self.evaluate(line)
        if not isinstance(outcome, Pending):
            return outcome
        try:
            if outcome.cmd == "stop":
                if not self._ended.is_set():
                    self._request_stop()
                self._ended.wait(self.stop_deadline_s)
            elif outcome.waiter is not None:
                outcome.waiter.done.wait(self.adjust_deadline_s)
            return self._ready_answer(outcome) or self._timeout_answer(outcome)
        except Exception as error:
            log.exception("control request failed")
            return _error(f"internal error: {type(error).__name__}")

    def _ready_answer(self, pending: Pending) -> dict[str, Any] | None:
        """The answer of a waiting request once the engine has acted; None until then."""
        if pending.cmd == "stop":
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
            "command": waiter.kind,
            "target_ua": event.data.get("target_ua"),
            "why": why if isinstance(why, str) else None,
        }

    def _timeout_answer(self, pending: Pending) -> dict[str, Any]:
        if pending.cmd == "stop":
            return _error(f"the session did not end within {self.stop_deadline_s:g} s")
        if pending.waiter is not None:
            self._forget(pending.waiter)
        return _error("the session did not take the command up (is it ending?)")

    def _stop_answer(self) -> dict[str, Any]:
        with self._lock:
            data = dict(self._stop_data or {})
        reason = data.get("reason")
        if data.get("confirmed") is not True:
            return {**_error("output 0 was not confirmed by the device"), "reason": reason}
        return {
            "ok": True,
            "reason": reason,
            "confirmed": True,
            "session_id": self.engine.session_id,
        }

    def _forget(self, waiter: _Waiter) -> None:
        with self._lock:
            self._waiters.pop(waiter.origin, None)

    def _adjust(self, request: dict[str, Any]) -> dict[str, Any] | Pending:
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
        with self._lock:
            stopping = self._stop_data is not None
        if state != "running" or self._ended.is_set() or stopping or self._closing.is_set():
            return _error(f"the session is not running ({state})")
        kind = "set" if set_ua is not None else ("up" if step == 1 else "down")
        # each request has an origin of its own: its answer is its own event, whatever else
        # is queued (keys of the live view, other requests)
        waiter = _Waiter(kind, channel, f"{ORIGIN_PREFIX}{next(self._request_ids)}")
        with self._lock:
            self._waiters[waiter.origin] = waiter
        try:
            if kind == "up":
                self.engine.up(channel, origin=waiter.origin)
            elif kind == "down":
                self.engine.down(channel, origin=waiter.origin)
            else:
                self.engine.set_intensity(channel, int(set_ua or 0), origin=waiter.origin)
        except BaseException:
            self._forget(waiter)
            raise
        return Pending("adjust", waiter)
