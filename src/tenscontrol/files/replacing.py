"""Whole files replaced by a new private one, and output options (``-`` is stdout)."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from tenscontrol.files.opening import check_absent_or_regular, open_new
from tenscontrol.files.refusals import FileRefused, os_refusal


class Publish(Enum):
    """When a :class:`ReplacedFile` takes the place of its path."""

    #: At once: a stream written as it goes, that must survive a crash (a frame trace).
    AT_OPEN = "open"
    #: When its ``with`` block ends cleanly and the bytes are on disk (exports, PNGs).
    AT_CLOSE = "close"


def is_stdout(path: str | Path) -> bool:
    """True for ``-``: the option writes to standard output."""
    return str(path) == "-"


class ReplacedFile:
    """A new 0600 file that takes the place of ``path`` (see the module docstring).

    ``publish`` says when: :attr:`Publish.AT_CLOSE` renames it over ``path`` only when the
    ``with`` block ends without an exception and every byte is on disk, so a reader never
    sees half a file (exports, PNGs, settings); :attr:`Publish.AT_OPEN` renames it at once,
    for a stream written as it goes (a frame trace that must survive a crash). On an
    exception with ``AT_CLOSE``, the new file is removed and ``path`` is untouched.

    Write through :attr:`fd`, or through :meth:`binary` / :meth:`text` (file objects on the
    same fd, flushed when the block ends; do not close them)."""

    def __init__(self, path: Path, *, publish: Publish = Publish.AT_CLOSE) -> None:
        self.path = Path(path)
        self._publish = publish
        self._temp: Path | None = None
        self._stream: IO[Any] | None = None
        self.fd = -1

    def binary(self) -> IO[bytes]:
        """A binary file object writing to the new file."""
        if self._stream is None:
            self._stream = open(self.fd, "wb", closefd=False)  # noqa: SIM115 (closed in __exit__)
        return self._stream

    def text(self) -> IO[str]:
        """A UTF-8 text file object writing to the new file (no newline translation)."""
        if self._stream is None:
            self._stream = open(  # noqa: SIM115 (closed in __exit__)
                self.fd, "w", encoding="utf-8", newline="", closefd=False
            )
        return self._stream

    def __enter__(self) -> ReplacedFile:
        folder = self.path.parent
        check_absent_or_regular(self.path)
        if not folder.is_dir():
            raise FileRefused(folder, "no such folder")
        for _ in range(100):
            temp = folder / f".{self.path.name}.{secrets.token_hex(4)}.tmp"
            try:
                self.fd = open_new(temp)
            except FileExistsError:
                continue
            except OSError as error:
                raise os_refusal(self.path, error) from None
            self._temp = temp
            break
        else:
            raise FileRefused(self.path, "no free temporary name in its folder")
        if self._publish is Publish.AT_OPEN:
            self._rename()
        return self

    def _rename(self) -> None:
        if self._temp is None:
            return
        try:
            self._temp.rename(self.path)
        except OSError as error:
            self._discard()
            raise os_refusal(self.path, error) from None
        self._temp = None

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        fd, self.fd = self.fd, -1
        try:
            if stream is not None:
                stream.close()  # flushes; closefd=False leaves the fd to us
        finally:
            if fd >= 0:
                os.close(fd)

    def _discard(self) -> None:
        with contextlib.suppress(OSError):  # the content is being thrown away anyway
            self._close()
        if self._temp is not None:
            with contextlib.suppress(FileNotFoundError):
                self._temp.unlink()
            self._temp = None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None and self._publish is Publish.AT_CLOSE:
            self._discard()
            return
        try:
            if self._stream is not None:
                self._stream.flush()
            if self.fd >= 0:
                os.fsync(self.fd)
            self._close()
        except OSError:
            if self._publish is Publish.AT_CLOSE:
                self._discard()
            raise
        finally:
            if self._publish is Publish.AT_OPEN:
                self._close()
        if kind is None:
            self._rename()


@contextlib.contextmanager
def output(
    path: str | Path, *, binary: bool = False, publish: Publish = Publish.AT_CLOSE
) -> Iterator[IO[Any]]:
    """A file object for an output option: standard output for ``-`` (flushed, not closed),
    else a :class:`ReplacedFile` at ``path``."""
    if is_stdout(path):
        stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    with ReplacedFile(Path(path), publish=publish) as replaced:
        yield replaced.binary() if binary else replaced.text()
