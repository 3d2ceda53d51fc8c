"""The client of the control endpoint: what ``tens status``, ``tens stop`` and ``tens adjust``
use to ask the running session (one request per connection).

Light on purpose: ``tens stop`` imports this and neither the engine nor pydantic, so it
starts in about 0.1 s. It says "no session" (:class:`NoSession`, exit 1) only when no
session holds the lock; a session that holds it but does not answer is
:class:`ControlUnavailable` (exit 3): its output may be on.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from tenscontrol.control.slot import (
    control_dir,
    session_running,
    socket_path,
    stop_socket_path,
    supported,
)
from tenscontrol.control.wire import encode, read_line
from tenscontrol.errors import ControlUnavailable, NoSession, TensError

#: When the endpoint is gone or hung up without an answer while the session still holds
#: the lock, the client waits this long (seconds) for the lock to be released: a session
#: that is ending closes its endpoint shortly before it releases the lock.
ENDING_GRACE_S = 1.0
#: Pause between looks at the lock during that grace, and between connection attempts
#: while the listener's queue is full, seconds.
RETRY_PERIOD_S = 0.02


def _still_running(folder: Path, grace_s: float) -> bool:
    """:func:`session_running`, waiting up to ``grace_s`` seconds for a session that is
    ending to release the lock (no event to wait on in another process: it is polled)."""
    deadline = time.monotonic() + grace_s
    pause = threading.Event()
    while session_running(folder):
        if time.monotonic() >= deadline:
            return True
        pause.wait(RETRY_PERIOD_S)
    return False


class _NotServed(Exception):
    """Nobody serves the socket: no file, or nobody listening."""


class _Unanswered(Exception):
    """Connected, but the connection ended without a complete answer line."""


class _NoRoom(Exception):
    """The listener's queue stayed full until the deadline."""


class _ConnectFailed(Exception):
    """Connecting failed otherwise (permissions, a path that is not a socket folder)."""


def _connect(path: Path, deadline: float) -> socket.socket:
    """A socket connected to ``path``, retried while the listener's queue is full (a
    non-blocking ``connect`` says EAGAIN then) until ``deadline`` (monotonic seconds)."""
    pause = threading.Event()
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        try:
            sock.connect(os.fspath(path))
        except BlockingIOError:
            sock.close()
            if time.monotonic() + RETRY_PERIOD_S >= deadline:
                raise _NoRoom() from None
            pause.wait(RETRY_PERIOD_S)
            continue
        except TimeoutError:
            sock.close()
            raise _NoRoom() from None
        except OSError as error:
            sock.close()
            if error.errno in (errno.ENOENT, errno.ECONNREFUSED, errno.ENOTSOCK):
                raise _NotServed() from None
            raise _ConnectFailed(f"control socket {path}: {error.strerror or error}") from None
        return sock


def _exchange(path: Path, payload: bytes, timeout_s: float) -> bytes:
    """Send ``payload`` on a new connection to ``path``; the answer line."""
    deadline = time.monotonic() + timeout_s
    sock = _connect(path, deadline)
    try:
        # refused before it read the request: its one-line answer (busy) may still be there
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(payload)
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        try:
            line = read_line(sock, bytearray())
        except (BrokenPipeError, ConnectionResetError) as error:
            raise _Unanswered(str(error)) from None
    finally:
        sock.close()
    if line is None:
        raise _Unanswered("it closed the connection without an answer")
    return line


def request(message: dict[str, Any], *, timeout_s: float = 5.0) -> dict[str, Any]:
    """Send ``message`` to the running session and return its answer (a busy answer, see
    :func:`~tenscontrol.control.wire.is_busy`, included). A stop goes to ``stop.sock``,
    anything else to ``control.sock``.

    Raises :class:`NoSession` only when no session holds the lock, and
    :class:`ControlUnavailable` when one does but its endpoint does not answer within
    ``timeout_s`` seconds (or hung up, or is not up yet or any more); :class:`TensError`
    when the answer is nonsense."""
    if not supported():
        raise TensError("the control endpoint is not supported on this system yet")
    folder = control_dir()
    path = stop_socket_path(folder) if message.get("cmd") == "stop" else socket_path(folder)
    silent = "a session is running but its control endpoint did not answer"
    try:
        line = _exchange(path, encode(message), timeout_s)
    except _NotServed:
        if _still_running(folder, ENDING_GRACE_S):  # starting, ending, or its server died
            raise ControlUnavailable(f"{silent}: nothing listens on {path.name}") from None
        raise NoSession("no session is running (start one with `tens start`)") from None
    except _Unanswered as error:
        if _still_running(folder, ENDING_GRACE_S):
            raise ControlUnavailable(f"{silent}: {error}") from None
        raise NoSession("the session ended before it answered") from None
    except _ConnectFailed as error:
        if session_running(folder):
            raise ControlUnavailable(f"{silent}: {error}") from None
        raise TensError(str(error)) from None
    except (_NoRoom, TimeoutError):
        if session_running(folder):
            raise ControlUnavailable(f"{silent} within {timeout_s:g} s") from None
        raise NoSession("the session ended before it answered") from None
    except (OSError, ValueError) as error:
        if session_running(folder):
            raise ControlUnavailable(f"{silent}: {error}") from None
        raise TensError(f"the session's answer could not be read: {error}") from None
    try:
        answer = json.loads(line)
    except (ValueError, RecursionError):
        raise TensError("the session's answer is not JSON") from None
    if not isinstance(answer, dict) or "ok" not in answer:
        raise TensError("the session's answer has no ok field")
    return answer
