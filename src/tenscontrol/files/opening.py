"""Opening one file: new, appended to, a lock, or read; never through a link for writing,
never blocking on a FIFO."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

from tenscontrol.files.refusals import (
    CLOEXEC,
    FILE_MODE,
    NOFOLLOW,
    NONBLOCK,
    FileRefused,
    blocking,
    os_refusal,
    refuse_kind,
    regular_fd,
)

#: The most bytes :func:`read_regular` reads by default (a profile or settings file is a few
#: kB; a bigger one is a mistake, not something to load into memory).
READ_LIMIT_BYTES = 1 << 20

#: How many leading bytes :func:`open_append` shows to the caller's kind check.
KIND_PROBE_BYTES = 4096


def first_json_object(head: bytes) -> dict[str, object] | None:
    """The first line of ``head`` as a JSON object, or None: for the kind checks of
    :func:`open_append` on JSON-lines files."""
    try:
        line = json.loads(head.split(b"\n", 1)[0])
    except ValueError:
        return None
    return line if isinstance(line, dict) else None


def open_new(path: Path, *, append: bool = False) -> int:
    """Create ``path``, which must not exist, mode 0600; a write-only fd (``O_APPEND`` with
    ``append``).

    ``FileExistsError`` when the name is taken (by anything, a symlink included: with
    ``O_EXCL`` nothing is followed)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | CLOEXEC
    return os.open(path, flags | (os.O_APPEND if append else 0), FILE_MODE)


def open_append(path: Path, *, is_own: Callable[[bytes], bool], what: str) -> int:
    """An fd appending to ``path``: a new 0600 file, or an existing one of the product's own
    kind (``is_own`` recognises its first :data:`KIND_PROBE_BYTES` bytes; ``what`` names
    the kind in the refusal, e.g. "a simulator event log")."""
    flags = os.O_RDWR | os.O_APPEND | NOFOLLOW | NONBLOCK | CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        try:
            return open_new(path)
        except FileExistsError:  # created meanwhile: look at it like any existing file
            return open_append(path, is_own=is_own, what=what)
        except OSError as error:
            raise os_refusal(path, error) from None
    except OSError as error:
        raise os_refusal(path, error) from None
    info = regular_fd(path, fd)
    problem = None
    if info.st_uid != os.geteuid():
        problem = "belongs to another user"
    elif info.st_nlink != 1:
        problem = "has other hard links"
    elif info.st_size and not is_own(os.pread(fd, KIND_PROBE_BYTES, 0)):
        problem = f"is not {what}; refusing to append to it"
    if problem is not None:
        os.close(fd)
        raise FileRefused(path, problem)
    if info.st_mode & 0o077:
        os.close(fd)
        raise FileRefused(path, f"is readable by other users (mode {info.st_mode & 0o777:o})")
    return blocking(fd)


def open_lock(path: Path) -> int:
    """An fd on the lock file ``path`` (created 0600), for ``flock``; never through a link."""
    flags = os.O_RDWR | os.O_CREAT | NOFOLLOW | NONBLOCK | CLOEXEC
    try:
        fd = os.open(path, flags, FILE_MODE)
    except OSError as error:
        raise os_refusal(path, error) from None
    info = regular_fd(path, fd)
    if info.st_uid != os.geteuid():
        os.close(fd)
        raise FileRefused(path, "belongs to another user")
    return blocking(fd)


def check_absent_or_regular(path: Path) -> bool:
    """Refuse ``path`` unless it is missing or a regular file (not a link); True if it exists.

    For files another library opens by name (SQLite): call it in a folder that
    :func:`check_private_folder` passed, so the answer cannot change before the open."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise os_refusal(path, error) from None
    if not stat.S_ISREG(info.st_mode):
        raise refuse_kind(path, info.st_mode)
    return True


def open_regular(path: Path) -> int:
    """A read-only fd on the regular file ``path`` (links to one are fine: reading writes
    nothing). A FIFO, device or folder is refused at once, without blocking (a FIFO would
    otherwise wait forever for a writer). ``FileNotFoundError`` and ``NotADirectoryError``
    (nothing there) pass through."""
    try:
        fd = os.open(path, os.O_RDONLY | NONBLOCK | CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        raise
    except OSError as error:
        raise os_refusal(path, error) from None
    regular_fd(path, fd)
    return blocking(fd)


def read_regular(path: Path, *, limit: int = READ_LIMIT_BYTES) -> bytes:
    """The bytes of the regular file ``path`` (see :func:`open_regular`); a file over
    ``limit`` bytes is refused."""
    fd = open_regular(path)
    try:
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(65_536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise FileRefused(path, f"is larger than {limit} bytes")
    return b"".join(chunks)
