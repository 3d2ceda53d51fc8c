"""The control endpoint of a running session: where it lives, who owns it, and the client.

A running ``tens start`` serves a Unix domain socket, ``control.sock``, in the runtime folder
(``$TENS_HOME/run`` when ``TENS_HOME`` is set, else ``platformdirs.user_runtime_dir``). The
folder is 0700 and the socket 0600 (chmod before ``listen``, so the umask does not matter
and nobody can connect in between). ``tens status``, ``tens stop`` and ``tens adjust`` talk
to it with JSON, one object per line (UTF-8, at most :data:`MAX_LINE` bytes); never pickle.

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
(exit 2). Windows named pipes are not implemented yet: there a session runs without the
endpoint (:attr:`ControlSlot.supported` is False) and the commands say it is unsupported.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import warnings
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no flock and no AF_UNIX here; the endpoint is unavailable
    fcntl = None  # type: ignore[assignment]

import platformdirs

from tenscontrol.errors import TensError, UserInputError
from tenscontrol.session.paths import open_private, private_dir

#: Largest request or answer line, bytes (newline included).
MAX_LINE = 4_096
#: Longest Unix socket path the kernel accepts (sun_path, minus the terminating NUL).
MAX_SOCKET_PATH = 107
SOCKET_NAME = "control.sock"
LOCK_NAME = "control.lock"


class NoSession(TensError):
    """No session is running (no control socket, or nobody listening). Exit 1."""


class SessionBusy(UserInputError):
    """Another session already runs on this computer (it owns the control endpoint)."""


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


def encode(message: dict[str, Any]) -> bytes:
    """One message as a JSON line (compact, UTF-8)."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


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
        if len(os.fsencode(socket_path(folder))) > MAX_SOCKET_PATH:
            raise UserInputError(
                f"control socket path too long for the system: {socket_path(folder)}",
                hint="set TENS_HOME to a shorter folder",
            )
        private_dir(folder)
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            raise UserInputError(f"{folder} is not a private folder of this user")
        fd = open_private(folder / LOCK_NAME)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
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

    def remove_stale_socket(self) -> bool:
        """Remove a socket file left by a crashed session; True when one was removed.

        Only valid while the slot is held (then nobody can be listening on it)."""
        try:
            mode = self.path.lstat().st_mode
        except FileNotFoundError:
            return False
        if not stat.S_ISSOCK(mode):
            raise UserInputError(f"{self.path} exists and is not a socket: remove it")
        self.path.unlink()
        return True

    def release(self) -> None:
        """Give the slot up (the lock file stays; it is empty)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock


def supported() -> bool:
    """True where the control endpoint is implemented (Unix domain sockets and flock)."""
    return fcntl is not None and hasattr(socket, "AF_UNIX")


def request(message: dict[str, Any], *, timeout_s: float = 5.0) -> dict[str, Any]:
    """Send ``message`` to the running session and return its answer.

    Raises :class:`NoSession` when no session is running, :class:`TensError` when the
    session does not answer within ``timeout_s`` seconds or answers nonsense."""
    if not supported():
        raise TensError("the control endpoint is not supported on this system yet")
    path = socket_path()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout_s)
    try:
        try:
            sock.connect(os.fspath(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise NoSession("no session is running (start one with `tens start`)") from None
        except OSError as error:
            if error.errno in (errno.ENOENT, errno.ECONNREFUSED, errno.ENOTSOCK):
                raise NoSession("no session is running") from None
            raise TensError(f"control socket {path}: {error.strerror or error}") from None
        try:
            sock.sendall(encode(message))
            line = read_line(sock, bytearray())
        except TimeoutError:
            raise TensError(f"the session did not answer within {timeout_s:g} s") from None
        except (OSError, ValueError) as error:
            raise TensError(f"the session's answer could not be read: {error}") from None
    finally:
        sock.close()
    if line is None:
        raise NoSession("the session ended before it answered")
    try:
        answer = json.loads(line)
    except ValueError:
        raise TensError("the session's answer is not JSON") from None
    if not isinstance(answer, dict) or "ok" not in answer:
        raise TensError("the session's answer has no ok field")
    return answer
