"""Where ``tens start`` writes while output may be on: streams that cannot hold a session up.

A terminal can stop taking output (Ctrl-S, a paused pager, a full pipe) or go away (the
window closed, the reader of a pipe gone, a full disk under a redirect). Neither may block
the engine or kill a thread silently while the session goes on, so:

* :class:`LineWriter` writes lines from a thread of its own through a bounded queue:
  :meth:`LineWriter.write` never blocks (past :data:`MAX_QUEUED` lines waiting, the oldest
  status lines are dropped and counted, never a stop or fault line). Between lines it
  polls the descriptor for a hang-up or an error (POLLHUP, POLLERR: a closed terminal or a
  pipe with no reader), so a loss is seen within :data:`POLL_S` even when nothing is
  printed.
* :class:`GuardedFile` is the same guard for a stream another library writes to from its
  own thread (rich's live view): write errors are caught, reported once, then swallowed.

A loss is reported once, to ``on_lost(stream_name, error_text)`` (``tens start`` stops the
session with reason ``stream_lost``); from then on writes go nowhere and the descriptor is
pointed at ``/dev/null``, so the interpreter's last flush cannot print a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import threading
from collections import deque
from collections.abc import Callable
from typing import TextIO

#: Called once when a stream is lost: (stream name, what happened).
LostCallback = Callable[[str, str], None]

#: Most lines waiting to be written; beyond it the oldest droppable line goes.
MAX_QUEUED = 2_000
#: How often an idle writer checks its descriptor for a hang-up, seconds.
POLL_S = 0.1
_LOST_ERRORS = (OSError, ValueError)  # ValueError: "I/O operation on closed file"


def describe(error: BaseException) -> str:
    """An OS error as ``EPIPE: Broken pipe`` (the errno's name first), else its text."""
    if isinstance(error, OSError) and error.errno is not None:
        name = errno.errorcode.get(error.errno, str(error.errno))
        return f"{name}: {error.strerror or error}"
    return str(error) or type(error).__name__


def _fileno(stream: TextIO) -> int | None:
    try:
        return stream.fileno()
    except (OSError, ValueError, AttributeError):
        return None


def hung_up(fd: int | None) -> str | None:
    """``"hang-up"`` or ``"error"`` when the descriptor reports one now (never blocks)."""
    if fd is None:
        return None
    poller = select.poll()
    try:
        poller.register(fd, 0)  # no events asked: POLLHUP, POLLERR, POLLNVAL still come
        events = poller.poll(0)
    except (OSError, ValueError):
        return "error"
    for _, mask in events:
        if mask & select.POLLNVAL:
            return "closed"
        if mask & select.POLLERR:
            return "error (no reader)"
        if mask & select.POLLHUP:
            return "hang-up"
    return None


class _Loss:
    """Reports the loss of one stream once and silences its descriptor."""

    def __init__(self, name: str, stream: TextIO, on_lost: LostCallback | None) -> None:
        self.name = name
        self.stream = stream
        self.on_lost = on_lost
        self.fd = _fileno(stream)
        self.lost: str | None = None
        self._lock = threading.Lock()

    def report(self, what: str) -> None:
        with self._lock:
            if self.lost is not None:
                return
            self.lost = what
        self._silence()
        callback = self.on_lost
        if callback is not None:
            callback(self.name, what)

    def _silence(self) -> None:
        """Point the descriptor at /dev/null: later writes (the interpreter's final flush,
        a stray print) succeed quietly instead of raising where nobody can see it."""
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, self.fd)
            finally:
                os.close(null)


class LineWriter:
    """Lines to ``stream`` from a thread of its own (see the module doc). Thread-safe."""

    def __init__(
        self,
        stream: TextIO,
        name: str,
        on_lost: LostCallback | None = None,
        *,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self._loss = _Loss(name, stream, on_lost)
        self._queue: deque[tuple[str, bool]] = deque()
        self._max = max_queued
        self._cond = threading.Condition()
        self._closing = False
        self._busy = False
        #: Lines dropped because the stream did not keep up.
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name=f"tens-{name}", daemon=True)
        self._thread.start()

    @property
    def lost(self) -> str | None:
        """What happened to the stream, or None while it works."""
        return self._loss.lost

    def set_on_lost(self, on_lost: LostCallback | None) -> None:
        """Change who hears of a loss (e.g. once a session runs). A loss that happened
        before is reported to the new listener at once."""
        self._loss.on_lost = on_lost
        if on_lost is not None and self._loss.lost is not None:
            on_lost(self._loss.name, self._loss.lost)

    def write(self, text: str, *, droppable: bool = False) -> None:
        """Queue ``text`` (a newline is added). Never blocks. ``droppable``: a periodic
        status line that may go when the stream falls behind."""
        if self._loss.lost is not None:
            return
        with self._cond:
            if len(self._queue) >= self._max:
                self._drop_one()
            self._queue.append((text, droppable))
            self._cond.notify()

    def _drop_one(self) -> None:
        for index, (_, droppable) in enumerate(self._queue):
            if droppable:
                del self._queue[index]
                self.dropped += 1
                return
        self._queue.popleft()  # nothing droppable: the oldest goes (counted)
        self.dropped += 1

    def flush(self, timeout_s: float = 2.0) -> bool:
        """Wait until every queued line is written (or the stream is lost); False on
        timeout (the stream is stuck: e.g. a terminal paused with Ctrl-S)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: (not self._queue and not self._busy) or self._loss.lost is not None,
                timeout_s,
            )

    def close(self, timeout_s: float = 2.0) -> bool:
        """Write what is queued (at most ``timeout_s``), then end the thread. Idempotent;
        False when lines were left unwritten."""
        done = self.flush(timeout_s)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=0.5)
        return done

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._queue:
                    self._cond.wait(POLL_S)
                if self._closing and not self._queue:
                    return
                if not self._queue:
                    batch: list[str] = []
                else:
                    batch = [text for text, _ in self._queue]
                    self._queue.clear()
                    self._busy = True
            if self._loss.lost is not None:
                self._idle()
                continue
            if batch:
                self._write(batch)
            else:
                what = hung_up(self._loss.fd)
                if what is not None:
                    self._loss.report(what)
            self._idle()

    def _idle(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()

    def _write(self, batch: list[str]) -> None:
        try:
            stream = self._loss.stream
            stream.write("".join(f"{text}\n" for text in batch))
            stream.flush()
        except _LOST_ERRORS as error:
            self._loss.report(describe(error))


class GuardedFile:
    """A text stream whose write errors are reported once and then swallowed (for rich)."""

    def __init__(self, stream: TextIO, name: str, on_lost: LostCallback | None = None) -> None:
        self._loss = _Loss(name, stream, on_lost)
        self._stream = stream

    @property
    def lost(self) -> str | None:
        """What happened to the stream, or None while it works."""
        return self._loss.lost

    def write(self, text: str) -> int:
        """Write ``text``; after a loss, nothing (the length is returned either way)."""
        if self._loss.lost is None:
            try:
                self._stream.write(text)
            except _LOST_ERRORS as error:
                self._loss.report(describe(error))
        return len(text)

    def flush(self) -> None:
        """Flush; a failure is a loss."""
        if self._loss.lost is None:
            try:
                self._stream.flush()
            except _LOST_ERRORS as error:
                self._loss.report(describe(error))

    def check(self) -> None:
        """Report a hang-up of the descriptor, if there is one now."""
        if self._loss.lost is None:
            what = hung_up(self._loss.fd)
            if what is not None:
                self._loss.report(what)

    def isatty(self) -> bool:
        """Whether the stream is a terminal (False once lost)."""
        if self._loss.lost is not None:
            return False
        try:
            return self._stream.isatty()
        except _LOST_ERRORS:
            return False

    def fileno(self) -> int:
        """The descriptor (rich asks for it to find the terminal's size)."""
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        """The stream's encoding."""
        return getattr(self._stream, "encoding", None) or "utf-8"
