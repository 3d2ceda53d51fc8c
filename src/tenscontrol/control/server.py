"""The control server of a running session: its sockets and the thread that serves them.

One daemon thread runs a :mod:`selectors` loop over non-blocking sockets: the two listeners
(``control.sock`` and ``stop.sock``), every client connection
(:class:`~.connections.Connections`: the client limits and deadlines) and a wake-up
socketpair. Nothing in the loop blocks, so no client can hold it up. Each round reads the
connections it has before it accepts new ones (at most :data:`STOP_ACCEPTS_PER_ROUND` from
``stop.sock``, which is accepted from first), so a stopper's request that has arrived is
read before later arrivals can push it out. An unexpected error in the loop is logged and
the loop goes on: it is a stop path.

What a request does is the :class:`~.handler.RequestHandler`'s; it wakes the loop (a byte
on the socketpair) when an answer that waits for the engine is ready. Deadlines are the
selector's timeout.

Use as a context manager around ``engine.run()``, with the :class:`~.slot.ControlSlot`
held: both sockets are bound on entry (a stale file replaced; 0600 before ``listen``) and
closed and removed on exit, also when the run raises; requests still waiting are answered.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from tenscontrol.control.connections import (
    MAX_STOP_CLIENTS,
    REQUEST_DEADLINE_S,
    Connection,
    Connections,
)
from tenscontrol.control.handler import ADJUST_DEADLINE_S, STOP_DEADLINE_S, RequestHandler
from tenscontrol.control.slot import ControlSlot, Endpoint
from tenscontrol.control.wire import Answer
from tenscontrol.errors import TensError
from tenscontrol.files import FILE_MODE

if TYPE_CHECKING:
    from tenscontrol.session.engine import SessionEngine

log = logging.getLogger(__name__)

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


@dataclass(eq=False)
class _Listener:
    endpoint: Endpoint
    sock: socket.socket
    path: Path
    paused_until: float | None = None  # monotonic s, after an accept error


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
        stop_deadline_s: float = STOP_DEADLINE_S,
        adjust_deadline_s: float = ADJUST_DEADLINE_S,
        request_deadline_s: float = REQUEST_DEADLINE_S,
    ) -> None:
        self.engine = engine
        self.slot = slot
        self.request_deadline_s = request_deadline_s
        self.handler = RequestHandler(
            engine,
            stop_deadline_s=stop_deadline_s,
            adjust_deadline_s=adjust_deadline_s,
            on_ready=self._wake,
        )
        self._closing = threading.Event()
        self._selector: selectors.BaseSelector | None = None
        self._connections: Connections | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._listeners: list[_Listener] = []
        self._thread: threading.Thread | None = None

    def answer(self, line: bytes) -> Answer:
        """The answer to one request line, as ``control.sock`` would give it, for
        in-process callers (see :meth:`RequestHandler.answer`: it may block)."""
        return self.handler.answer(line)

    # --- life ----------------------------------------------------------------------------
    def start(self) -> None:
        """Bind both sockets (stale ones replaced), 0600 before listening; serve.

        Raises :class:`TensError` when a socket cannot be made (nothing was sent yet)."""
        if not self.slot.supported:
            log.warning("no control endpoint on this system: tens status/stop/adjust unavailable")
            return
        try:
            for endpoint, path in (
                (Endpoint.CONTROL, self.slot.path),
                (Endpoint.STOP, self.slot.stop_path),
            ):
                self._listeners.append(_Listener(endpoint, self._listen(path), path))
            selector = self._selector = selectors.DefaultSelector()
            self._connections = Connections(
                selector, self.handler, request_deadline_s=self.request_deadline_s
            )
            self._wake_r, self._wake_w = socket.socketpair()
            for sock in (self._wake_r, self._wake_w):
                sock.setblocking(False)
            selector.register(self._wake_r, selectors.EVENT_READ, None)
            for listener in self._listeners:
                selector.register(listener.sock, selectors.EVENT_READ, listener)
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
        self.handler.close()
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
        self.handler.join_stopper(CLOSE_JOIN_S)  # its STOP goes out before the device closes

    def _release(self) -> None:
        """Close every socket and remove the files (the loop's thread is not running)."""
        if self._connections is not None:
            self._connections.drop_all()
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
        finally:  # the loop's last act: answer what waits (best effort), close everything
            try:
                if self._connections is not None:
                    self._connections.shutdown()
            finally:
                self._release()

    def _round(self) -> None:
        selector, connections = self._selector, self._connections
        if selector is None or connections is None:
            return
        ready = selector.select(self._timeout())
        conns: list[tuple[Connection, int]] = []
        listeners: list[_Listener] = []
        for key, mask in ready:
            if key.data is None:
                self._drain_wake()
            elif isinstance(key.data, _Listener):
                listeners.append(key.data)
            else:
                conns.append((key.data, mask))
        for conn, mask in conns:  # what has arrived is read before anyone new comes in
            if conn in connections:
                connections.on_ready(conn, mask)
        connections.answer_waiters()
        for listener in sorted(listeners, key=lambda item: item.endpoint is not Endpoint.STOP):
            self._accept(listener, connections)
        connections.expire()
        self._resume_listeners()

    def _timeout(self) -> float | None:
        """Seconds until the next deadline (None: nothing to wait for but sockets)."""
        times = self._connections.deadlines() if self._connections is not None else []
        times += [lst.paused_until for lst in self._listeners if lst.paused_until is not None]
        return max(0.0, min(times) - time.monotonic()) if times else None

    def _drain_wake(self) -> None:
        if self._wake_r is not None:
            with contextlib.suppress(OSError):
                while self._wake_r.recv(4_096):
                    pass

    def _accept(self, listener: _Listener, connections: Connections) -> None:
        per_round = (
            STOP_ACCEPTS_PER_ROUND if listener.endpoint is Endpoint.STOP else ACCEPTS_PER_ROUND
        )
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
                connections.admit(listener.endpoint, sock)
            except Exception:
                log.exception("control: admitting a connection failed")
                sock.close()

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
