"""The control endpoint of a running session: where it lives, who owns it, and the client.

A running ``tens start`` serves two Unix domain sockets in the runtime folder
(``$TENS_HOME/run`` when ``TENS_HOME`` is set, else ``platformdirs.user_runtime_dir``):

* ``control.sock`` takes ``status``, ``adjust`` and ``stop``; it serves a bounded number of
  clients at once and answers ``{"ok": false, "error": "busy: ..."}`` beyond them;
* ``stop.sock`` takes only ``{"cmd": "stop"}``. It is the path of ``tens stop``
  (:func:`request` picks it for a stop): when its small table is full, the oldest
  connection that has not sent a complete request yet is dropped, so no other client
  (idle, slow, or flooding ``control.sock``) can keep a stop from getting in.

The folder is 0700 and both sockets 0600 (chmod before ``listen``, so the umask does not
matter and nobody can connect in between); the server also checks the peer's uid. The
protocol is JSON, one object per line (UTF-8, at most :data:`MAX_LINE` bytes, nested at
most :data:`MAX_NESTING` levels); never pickle. A connection has
:data:`~tenscontrol.session.control_server.REQUEST_DEADLINE_S` seconds for a whole request.

Requests and answers (every answer has ``"ok"``; errors carry ``"error"``, one line):

* ``{"cmd": "status"}`` -> ``{"ok": true, "status": {...}}`` (integer ms and uA).
* ``{"cmd": "stop"}`` -> answered once the session has ended with output 0 confirmed by the
  device: ``{"ok": true, "reason": ..., "confirmed": true}``; else ``"ok": false``.
* ``{"cmd": "adjust", "channel": N, "step": 1|-1}`` or ``{..., "set_ua": X}`` ->
  ``{"ok": true, "accepted": bool, "target_ua": ..., "why": ...}`` (a refusal by the
  engine's limits is an answer, not an error).

One session at a time: the session holds an exclusive ``flock`` on ``control.lock`` for its
whole life (released by the kernel when the process dies), so a socket file left by a
crashed session is known to be stale and is replaced; a second ``tens start`` is refused
(exit 2). The lock is also how a client tells "no session" (:class:`NoSession`, exit 1)
from "a session that does not answer" (:class:`ControlUnavailable`, exit 3): the client
says there is no session only when it could take the lock itself (:func:`session_running`).
Windows named pipes are not implemented yet: there a session runs without the endpoint
(:attr:`ControlSlot.supported` is False) and the commands say it is unsupported.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import stat
import threading
import time
import warnings
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no flock and no AF_UNIX here; the endpoint is unavailable
    fcntl = None  # type: ignore[assignment]

import platformdirs

from tenscontrol.errors import (
    ControlUnavailable,
    NoSession,
    SessionBusy,
    TensError,
    UserInputError,
)
from tenscontrol.session.paths import open_private, private_dir

#: Largest request or answer line, bytes (newline included).
MAX_LINE = 4_096
#: Deepest nesting of arrays and objects a request may have (requests are flat objects;
#: the bound keeps a hostile line from exhausting the JSON parser's recursion).
MAX_NESTING = 8
#: Longest Unix socket path the kernel accepts (sun_path, minus the terminating NUL).
MAX_SOCKET_PATH = 107
SOCKET_NAME = "control.sock"
STOP_SOCKET_NAME = "stop.sock"
LOCK_NAME = "control.lock"
#: How a "too many clients" answer's error text begins.
BUSY_PREFIX = "busy: "
#: When the endpoint is gone or hung up without an answer while the session still holds
#: the lock, the client waits this long (seconds) for the lock to be released: a session
#: that is ending closes its endpoint shortly before it releases the lock.
ENDING_GRACE_S = 1.0
#: Pause between looks at the lock during that grace, and between connection attempts
#: while the listener's queue is full, seconds.
RETRY_PERIOD_S = 0.02


def control_dir() -> Path:
    """The runtime folder of the control socket (it may not exist yet)."""
    home = os.environ.get("TENS_HOME")
    if home:
        return Path(home) / "run"
    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR: platformdirs warns, falls back
        warnings.simplefilter("ignore")
        return Path(platformdirs.user_runtime_dir("tenscontrol"))


def socket_path(folder: Path | None = None) -> Path:
    """The control socket of the running session."""
    return (folder or control_dir()) / SOCKET_NAME


def stop_socket_path(folder: Path | None = None) -> Path:
    """The stop-only socket of the running session."""
    return (folder or control_dir()) / STOP_SOCKET_NAME


def encode(message: dict[str, Any]) -> bytes:
    """One message as a JSON line (compact, UTF-8)."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def is_busy(answer: dict[str, Any]) -> bool:
    """True for the answer of an endpoint that has no room for one more client."""
    error = answer.get("error")
    return answer.get("ok") is False and isinstance(error, str) and error.startswith(BUSY_PREFIX)


_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")
_QUOTE = ord('"')
_BACKSLASH = ord("\\")


def nested_deeper_than(line: bytes, limit: int = MAX_NESTING) -> bool:
    """True when the JSON text ``line`` (UTF-8) nests arrays and objects deeper than
    ``limit`` levels. Brackets inside strings do not count. Checked before ``json.loads``,
    whose recursion a deep line would exhaust; on invalid JSON the result is only a bound
    (the parser rejects such a line anyway). In UTF-8 a byte below 0x80 is always that
    ASCII character, so scanning bytes is exact."""
    if line.count(b"[") + line.count(b"{") <= limit:  # fast path: cannot be deeper
        return False
    depth = 0
    in_string = escaped = False
    for byte in line:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSERS:
            depth -= 1
    return False


def read_line(sock: socket.socket, buffer: bytearray) -> bytes | None:
    """The next line from ``sock`` (without the newline), None at end of stream.

    Raises ValueError when a line exceeds :data:`MAX_LINE` bytes (the stream cannot be
    resynchronised then: close it)."""
    while True:
        end = buffer.find(b"\n")
        if end >= 0:
            line = bytes(buffer[:end])
            del buffer[: end + 1]
            return line
        if len(buffer) >= MAX_LINE:
            raise ValueError(f"line longer than {MAX_LINE} bytes")
        chunk = sock.recv(MAX_LINE)
        if not chunk:
            return None
        buffer.extend(chunk)


class ControlSlot:
    """The one-session-at-a-time claim: an exclusive lock held for the session's life.

    :meth:`claim` before the device is opened (a second session never touches a port);
    :meth:`release` when the session is over (idempotent).
    """

    def __init__(self, folder: Path, lock_fd: int | None) -> None:
        self.folder = folder
        self.path = socket_path(folder)
        self.stop_path = stop_socket_path(folder)
        self._lock_fd = lock_fd
        #: False where the endpoint is not implemented (Windows): nothing is served.
        self.supported = lock_fd is not None

    @classmethod
    def claim(cls, folder: Path | None = None) -> ControlSlot:
        """Take the slot; :class:`SessionBusy` when a live session holds it, and
        :class:`UserInputError` when the runtime folder is not usable."""
        folder = folder or control_dir()
        if not supported():
            return cls(folder, None)
        try:
            return cls._claim(folder)
        except OSError as error:
            raise UserInputError(
                f"control folder {folder}: {error.strerror or error}",
                hint="set TENS_HOME (or XDG_RUNTIME_DIR) to a folder of your own",
            ) from None

    @classmethod
    def _claim(cls, folder: Path) -> ControlSlot:
        longest = max(socket_path(folder), stop_socket_path(folder), key=os.fsencode)
        if len(os.fsencode(longest)) > MAX_SOCKET_PATH:
            raise UserInputError(
                f"control socket path too long for the system: {longest}",
                hint="set TENS_HOME to a shorter folder",
            )
        private_dir(folder)
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            raise UserInputError(f"{folder} is not a private folder of this user")
        fd = open_private(folder / LOCK_NAME)
        try:
            _lock_exclusive(fd)
        except BlockingIOError:
            os.close(fd)
            raise SessionBusy(
                "another session is already running on this computer",
                hint="see it with `tens status`, end it with `tens stop`",
            ) from None
        except BaseException:
            os.close(fd)
            raise
        return cls(folder, fd)

    def remove_stale_socket(self, path: Path | None = None) -> bool:
        """Remove a socket file left by a crashed session (``path``: one of this slot's two,
        the control socket by default); True when one was removed.

        Only valid while the slot is held (then nobody can be listening on it)."""
        path = path or self.path
        if path not in (self.path, self.stop_path):
            raise ValueError(f"{path} is not a socket of this slot")
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            return False
        if not stat.S_ISSOCK(mode):
            raise UserInputError(f"{path} exists and is not a socket: remove it")
        path.unlink()
        return True

    def release(self) -> None:
        """Give the slot up (the lock file stays; it is empty)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock


def supported() -> bool:
    """True where the control endpoint is implemented (Unix domain sockets and flock)."""
    return fcntl is not None and hasattr(socket, "AF_UNIX")


#: A client's look at the lock (:func:`session_running`) holds a shared lock for a few
#: microseconds: a session starting at that instant tries again this often, this many times.
CLAIM_ATTEMPTS = 5
CLAIM_RETRY_S = 0.01


def _lock_exclusive(fd: int) -> None:
    """The session's exclusive lock on ``fd``; BlockingIOError when another session has it
    (a client's momentary shared lock is waited out)."""
    for attempt in range(CLAIM_ATTEMPTS):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if attempt == CLAIM_ATTEMPTS - 1:
                raise
            time.sleep(CLAIM_RETRY_S)
        else:
            return


def session_running(folder: Path | None = None) -> bool:
    """True when a session holds the slot's lock (a running ``tens start``).

    A non-blocking shared ``flock`` on a descriptor of its own: it fails while a session
    holds its exclusive lock (also one of this very process). Nothing is created. When the
    lock file exists but cannot be checked, this says True: never claim that no session
    runs without knowing it."""
    if fcntl is None:
        return False
    path = (folder or control_dir()) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except (FileNotFoundError, NotADirectoryError):
        return False  # never claimed here: no session
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:  # EWOULDBLOCK: the session's exclusive lock; anything else: unknown
        return True
    finally:
        os.close(fd)  # also drops the shared lock at once, so a starting session gets it
    return False


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
    :func:`is_busy`, included). A stop goes to ``stop.sock``, anything else to
    ``control.sock``.

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
