"""Where the control endpoint lives and who owns it: the runtime folder, its two socket
files, and the one-session-at-a-time lock.

The runtime folder is ``$TENS_HOME/run`` when ``TENS_HOME`` is set, else
``platformdirs.user_runtime_dir``, unless that one is not a private folder of this user
(another local user may pre-create ``/tmp/runtime-<uid>``): then ``run`` in the data folder,
which is ours. It is 0700 and the sockets in it 0600. The session holds
an exclusive ``flock`` on ``control.lock`` for its whole life (released by the kernel when
the process dies), so a socket file left by a crashed session is known to be stale, and a
client can tell "no session" from "a session that does not answer" (:func:`session_running`).
"""

from __future__ import annotations

import os
import socket
import stat
import time
import warnings
from enum import StrEnum
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock and no AF_UNIX here; the endpoint is unavailable
    fcntl = None  # type: ignore[assignment]

import platformdirs

from tenscontrol.errors import SessionBusy, UserInputError
from tenscontrol.files import FileRefused, check_private_folder, open_lock, private_dir
from tenscontrol.records.paths import data_dir

#: Longest Unix socket path the kernel accepts (sun_path, minus the terminating NUL).
MAX_SOCKET_PATH = 107
LOCK_NAME = "control.lock"
#: A client's look at the lock (:func:`session_running`) holds a shared lock for a few
#: microseconds: a session starting at that instant tries again this often, this many times.
CLAIM_ATTEMPTS = 5
CLAIM_RETRY_S = 0.01


class Endpoint(StrEnum):
    """The two sockets of a session; the value is the socket file's name."""

    #: ``status``, ``adjust`` and ``stop``, for a bounded number of clients at once.
    CONTROL = "control.sock"
    #: ``stop`` only, with a small table of its own that no other client can fill.
    STOP = "stop.sock"


SOCKET_NAME = Endpoint.CONTROL.value
STOP_SOCKET_NAME = Endpoint.STOP.value


def control_dir() -> Path:
    """The runtime folder of the control socket (it may not exist yet).

    Every ``tens`` process of this user computes the same folder from the same files, so
    ``tens status`` finds the session ``tens start`` serves, fallback or not."""
    home = os.environ.get("TENS_HOME")
    if home:
        return Path(home) / "run"
    try:
        with warnings.catch_warnings():  # no XDG_RUNTIME_DIR: platformdirs warns, falls back
            warnings.simplefilter("ignore")
            folder = Path(platformdirs.user_runtime_dir("tenscontrol"))
        if os.path.lexists(folder):
            check_private_folder(folder)
            if folder.is_symlink():
                raise FileRefused(folder, "is a symbolic link")
        return folder
    except (OSError, FileRefused):  # PermissionError: platformdirs' own fallback is hostile
        return data_dir() / "run"


def socket_path(folder: Path | None = None) -> Path:
    """The control socket of the running session."""
    return (folder or control_dir()) / SOCKET_NAME


def stop_socket_path(folder: Path | None = None) -> Path:
    """The stop-only socket of the running session."""
    return (folder or control_dir()) / STOP_SOCKET_NAME


def supported() -> bool:
    """True where the control endpoint is implemented (Unix domain sockets and flock)."""
    return fcntl is not None and hasattr(socket, "AF_UNIX")


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
        hint = "set TENS_HOME (or XDG_RUNTIME_DIR) to a folder of your own"
        try:
            return cls._claim(folder)
        except FileRefused as refused:
            where = "" if refused.path == folder else f" ({refused})"
            why = refused.why if refused.path == folder else "not usable"
            raise UserInputError(f"control folder {folder}: {why}{where}", hint=hint) from None
        except OSError as error:
            raise UserInputError(
                f"control folder {folder}: {error.strerror or error}", hint=hint
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
        fd = open_lock(folder / LOCK_NAME)
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
