"""Refusals: what a path is, in words, and the one error every refusal is."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from tenscontrol.errors import UserInputError

FILE_MODE = 0o600
DIR_MODE = 0o700

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class FileRefused(UserInputError):
    """A path the product will not read or write; ``path`` and ``why`` name it."""

    def __init__(self, path: Path | str, why: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path}: {why}", hint=hint)
        self.path = Path(path)
        self.why = why


def kind_name(mode: int) -> str:
    """What a file of ``mode`` (``st_mode``) is, in words."""
    kinds = (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    for test, name in kinds:
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def refuse_kind(path: Path, mode: int) -> FileRefused:
    hint = "use - for standard output" if stat.S_ISLNK(mode) or stat.S_ISCHR(mode) else None
    return FileRefused(path, f"is {kind_name(mode)}, not a regular file", hint=hint)


def os_refusal(path: Path, error: OSError) -> FileRefused:
    if error.errno == errno.ELOOP:
        return FileRefused(path, "is a symbolic link, not a regular file")
    if error.errno == errno.ENXIO:  # write-only open of a FIFO nobody reads
        return FileRefused(path, "is a named pipe (FIFO), not a regular file")
    return FileRefused(path, error.strerror or str(error))


def regular_fd(path: Path, fd: int) -> os.stat_result:
    """``fstat`` of ``fd``; closes it and refuses when it is not a regular file."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise refuse_kind(path, info.st_mode)
    return info


def blocking(fd: int) -> int:
    os.set_blocking(fd, True)  # O_NONBLOCK was only for the open
    return fd
