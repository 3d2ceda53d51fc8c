"""The streams of ``tens start``: a write never blocks, a lost stream is reported once
(with what happened), a hang-up is seen without a write, and after a loss nothing raises."""

from __future__ import annotations

import fcntl
import io
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TextIO

from tenscontrol.cli.start.streams import GuardedFile, LineWriter

F_SETPIPE_SZ = 1031


class Losses:
    """Collects on_lost calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.event = threading.Event()

    def __call__(self, name: str, what: str) -> None:
        self.calls.append((name, what))
        self.event.set()


@contextmanager
def pipe() -> Iterator[tuple[int, TextIO]]:
    """A small pipe: (read fd, write end as a text stream)."""
    read_fd, write_fd = os.pipe()
    fcntl.fcntl(write_fd, F_SETPIPE_SZ, 4096)
    stream = os.fdopen(write_fd, "w", buffering=1)
    try:
        yield read_fd, stream
    finally:
        with suppress(OSError):
            os.close(read_fd)  # first: a writer still blocked in write() gets EPIPE
        with suppress(OSError, ValueError):
            stream.close()


def test_lines_arrive_in_order() -> None:
    with pipe() as (read_fd, stream):
        writer = LineWriter(stream, "stdout")
        for n in range(5):
            writer.write(f"line {n}")
        assert writer.close()
        assert os.read(read_fd, 4096) == b"".join(f"line {n}\n".encode() for n in range(5))


def test_a_reader_going_away_is_reported_once_without_a_write() -> None:
    losses = Losses()
    with pipe() as (read_fd, stream):
        writer = LineWriter(stream, "stdout", losses)
        os.close(read_fd)
        assert losses.event.wait(2.0), "no loss seen by polling"
        writer.write("after the loss")  # goes nowhere, raises nothing
        writer.close()
    assert len(losses.calls) == 1
    assert losses.calls[0][0] == "stdout"


def test_a_write_error_is_a_loss() -> None:
    losses = Losses()

    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    writer = LineWriter(Broken(), "stderr", losses)
    writer.write("x")
    assert losses.event.wait(2.0)
    assert losses.calls == [("stderr", "EPIPE: Broken pipe")]
    writer.close()


def test_a_stuck_stream_never_blocks_the_caller_and_drops_status_lines_first() -> None:
    with pipe() as (_read_fd, stream):
        writer = LineWriter(stream, "stdout", max_queued=10)
        for n in range(2_000):  # the pipe holds 4 KiB: the writer thread blocks early
            writer.write(f"status {n:04d} " + "." * 1_000, droppable=True)
        writer.write("STOP line")
        assert writer.dropped > 0
        assert writer.flush(0.2) is False  # stuck: reported, not waited for forever


def test_guarded_file_swallows_errors_after_reporting_them() -> None:
    losses = Losses()

    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(5, "Input/output error")

    guarded = GuardedFile(Gone(), "stdout", losses)
    assert guarded.write("frame") == len("frame")
    assert guarded.write("frame") == len("frame")
    assert losses.calls == [("stdout", "EIO: Input/output error")]
    assert guarded.isatty() is False
