"""The client connections of the control server: the table of them, and each one's life.

Owned by the server loop's thread; nothing here blocks. A connection reads a request line,
waits for its answer (:class:`~.handler.Pending`), writes it, and reads the next one; after
its last answer it lingers (half-closed) and is dropped. Its deadline is the selector's
timeout:

* a whole request has :data:`REQUEST_DEADLINE_S` seconds, from the accept (or the previous
  answer) to a complete line, however the bytes trickle in; an answer it does not take is
  dropped after the same time;
* a ``control.sock`` connection is closed after :data:`MAX_REQUESTS_PER_CONNECTION`
  answers; a ``stop.sock`` one after its first.

Who gets in (the peer check, :data:`MAX_CLIENTS` on ``control.sock``, the
:data:`MAX_STOP_CLIENTS` of ``stop.sock`` and which one makes room) is :mod:`.admission`;
the record of one connection is :mod:`.connection`.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

# The `X as X` names stay importable from here, where the server and the tests take them.
from tenscontrol.control.admission import MAX_CLIENTS as MAX_CLIENTS
from tenscontrol.control.admission import MAX_STOP_CLIENTS as MAX_STOP_CLIENTS
from tenscontrol.control.admission import admission
from tenscontrol.control.admission import refuse as refuse
from tenscontrol.control.admission import same_user as same_user
from tenscontrol.control.connection import SEND_FLAGS as SEND_FLAGS
from tenscontrol.control.connection import Connection as Connection
from tenscontrol.control.connection import ConnState as ConnState
from tenscontrol.control.handler import Pending, RequestHandler
from tenscontrol.control.requests import RequestKind
from tenscontrol.control.slot import Endpoint
from tenscontrol.control.wire import MAX_LINE, Answer, encode, error_answer

log = logging.getLogger(__name__)

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


class Connections:
    """Every client connection of one server, registered in its ``selector`` (the key's
    data is the :class:`Connection`), answered by ``handler``. Oldest first."""

    def __init__(
        self,
        selector: selectors.BaseSelector,
        handler: RequestHandler,
        *,
        request_deadline_s: float = REQUEST_DEADLINE_S,
    ) -> None:
        self._selector = selector
        self._handler = handler
        self.request_deadline_s = request_deadline_s
        self._conns: dict[Connection, None] = {}  # insertion order: oldest first

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._conns))

    def __contains__(self, conn: object) -> bool:
        return conn in self._conns

    def deadlines(self) -> list[float]:
        """Every connection's deadline, monotonic seconds."""
        return [conn.deadline for conn in self._conns]

    # --- who gets in ---------------------------------------------------------------------
    def admit(self, endpoint: Endpoint, sock: socket.socket) -> None:
        """Take a connection just accepted on ``endpoint``, or refuse it (see
        :mod:`.admission`)."""
        sock.setblocking(False)
        if not same_user(sock):
            log.warning("control connection from another user refused")
            sock.close()
            return
        table = [conn for conn in self._conns if conn.endpoint is endpoint]
        decided = admission(endpoint, table)
        if decided.refused is not None:
            if endpoint is Endpoint.CONTROL:
                log.debug("control.sock busy: %d clients", len(table))
            refuse(sock, decided.refused)
            return
        if decided.evicted is not None:
            log.debug("stop.sock full: dropping its oldest connection without a request")
            self._say_and_drop(*decided.evicted)
        conn = Connection(sock, endpoint, time.monotonic() + self.request_deadline_s)
        self._conns[conn] = None
        self._interest(conn, selectors.EVENT_READ)

    # --- what the loop calls -------------------------------------------------------------
    def on_ready(self, conn: Connection, mask: int) -> None:
        """``conn``'s socket is ready for ``mask`` (selector events)."""
        self._guarded(conn, self._on_ready, mask)

    def answer_waiters(self) -> None:
        """Write the answers the handler has ready."""
        for conn in list(self._conns):
            if conn.state is ConnState.WAITING and conn.pending is not None:
                answer = self._handler.ready_answer(conn.pending)
                if answer is not None:
                    self._guarded(conn, self._reply_and_go_on, answer)

    def expire(self) -> None:
        """Deal with every connection whose deadline has passed."""
        now = time.monotonic()
        for conn in list(self._conns):
            if conn in self._conns and now >= conn.deadline:
                self._guarded(conn, self._expired)

    def shutdown(self) -> None:
        """Answer what waits (best effort), and close every connection."""
        for conn in list(self._conns):
            try:
                if conn.state is ConnState.WAITING and conn.pending is not None:
                    pending = conn.pending
                    answer = self._handler.ready_answer(pending)
                    self._say_and_drop(conn, answer or self._handler.timeout_answer(pending))
                elif conn.state is ConnState.WRITING:
                    with contextlib.suppress(OSError):  # what fits goes out
                        conn.sock.send(conn.outbuf, SEND_FLAGS)
                    self._drop(conn)
            except Exception:
                log.exception("control: answering at close failed")
        self.drop_all()

    def drop_all(self) -> None:
        """Close every connection at once."""
        for conn in list(self._conns):
            self._drop(conn)

    # --- one connection ------------------------------------------------------------------
    def _guarded(self, conn: Connection, action: Callable[..., None], *args: Any) -> None:
        """Run ``action(conn, *args)``; a bug drops this one connection, logged."""
        try:
            action(conn, *args)
        except Exception:
            log.exception("control connection failed")
            self._drop(conn)

    def _on_ready(self, conn: Connection, mask: int) -> None:
        if conn.state is ConnState.WRITING and mask & selectors.EVENT_WRITE:
            self._flush(conn)
            self._serve_buffered(conn)
        elif conn.state is ConnState.READING and mask & selectors.EVENT_READ:
            self._read(conn)
        elif conn.state is ConnState.LINGERING and mask & selectors.EVENT_READ:
            self._linger_read(conn)

    def _read(self, conn: Connection) -> None:
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

    def _serve_buffered(self, conn: Connection) -> None:
        """Answer the complete lines in ``conn``'s buffer, one at a time, while it reads."""
        while conn.state is ConnState.READING:
            end = conn.inbuf.find(b"\n", 0, MAX_LINE)  # a line of MAX_LINE bytes at most
            if end < 0:
                if len(conn.inbuf) >= MAX_LINE:
                    conn.inbuf.clear()
                    too_long = error_answer(f"request longer than {MAX_LINE} bytes")
                    self._reply(conn, too_long, last=True)
                return
            line = bytes(conn.inbuf[:end])
            del conn.inbuf[: end + 1]
            outcome = self._handler.evaluate(line, conn.endpoint)
            if isinstance(outcome, Pending):
                self._wait(conn, outcome)
            else:
                self._reply(conn, outcome)

    def _wait(self, conn: Connection, pending: Pending) -> None:
        conn.state, conn.pending = ConnState.WAITING, pending
        conn.deadline = time.monotonic() + self._handler.wait_s(pending)
        self._interest(conn, 0)  # nothing more is read until it is answered
        if pending.kind is RequestKind.STOP:
            self._handler.begin_stop()

    def _reply_and_go_on(self, conn: Connection, answer: Answer) -> None:
        self._reply(conn, answer)
        self._serve_buffered(conn)

    def _reply(self, conn: Connection, answer: Answer, *, last: bool = False) -> None:
        conn.pending = None
        conn.served += 1
        conn.outbuf += encode(answer)
        conn.last = (
            last or conn.endpoint is Endpoint.STOP or conn.served >= MAX_REQUESTS_PER_CONNECTION
        )
        conn.state = ConnState.WRITING
        conn.deadline = time.monotonic() + self.request_deadline_s
        self._flush(conn)

    def _flush(self, conn: Connection) -> None:
        try:
            sent = conn.sock.send(conn.outbuf, SEND_FLAGS)
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
            conn.state = ConnState.READING
            conn.deadline = time.monotonic() + self.request_deadline_s
            self._interest(conn, selectors.EVENT_READ)

    def _linger(self, conn: Connection) -> None:
        try:
            conn.sock.shutdown(socket.SHUT_WR)  # the client reads the answer, then the end
        except OSError:
            self._drop(conn)
            return
        conn.inbuf.clear()
        conn.state = ConnState.LINGERING
        conn.deadline = time.monotonic() + LINGER_S
        self._interest(conn, selectors.EVENT_READ)

    def _linger_read(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(65_536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        conn.lingered += len(data)
        if not data or conn.lingered > LINGER_BYTES:
            self._drop(conn)

    def _expired(self, conn: Connection) -> None:
        if conn.state is ConnState.READING:
            log.debug("control: no complete request within %g s", self.request_deadline_s)
            timeout = f"timeout: no complete request within {self.request_deadline_s:g} s"
            self._say_and_drop(conn, error_answer(timeout))
        elif conn.state is ConnState.WAITING and conn.pending is not None:
            self._reply_and_go_on(conn, self._handler.timeout_answer(conn.pending))
        else:  # an answer not taken in time, or the end not read in time
            self._drop(conn)

    def _say_and_drop(self, conn: Connection, answer: Answer) -> None:
        with contextlib.suppress(OSError):
            conn.sock.send(encode(answer), SEND_FLAGS)
        self._drop(conn)

    def _drop(self, conn: Connection) -> None:
        if conn.events:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(conn.sock)
        conn.events = 0
        conn.state = ConnState.CLOSED
        conn.sock.close()
        self._conns.pop(conn, None)
        if conn.pending is not None:
            self._handler.forget(conn.pending)

    def _interest(self, conn: Connection, events: int) -> None:
        """Register ``conn`` for ``events`` only (0: not at all)."""
        if events == conn.events:
            return
        if conn.events == 0:
            self._selector.register(conn.sock, events, conn)
        elif events == 0:
            self._selector.unregister(conn.sock)
        else:
            self._selector.modify(conn.sock, events, conn)
        conn.events = events
