"""Waking the engine from any thread or a signal handler, and SIGINT/SIGTERM as stop paths.

:class:`Waker` is a socket pair: :meth:`Waker.wake` is one non-blocking ``send`` (safe in a
signal handler, unlike ``threading.Event.set``, whose lock the interrupted thread may hold),
and :meth:`Waker.wait` is a ``select`` with a timeout that returns at once when woken.
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Protocol


class Waker:
    """Interruptible real-time waiting. Close it when done (idempotent)."""

    def __init__(self) -> None:
        self._recv, self._send = socket.socketpair()
        self._recv.setblocking(False)
        self._send.setblocking(False)
        self._closed = False

    def wake(self) -> None:
        """Make the current or next :meth:`wait` return at once. Any thread, signal-safe."""
        with contextlib.suppress(OSError):  # buffer full (already woken) or closed
            self._send.send(b"\x00")

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` real seconds; True if woken (the wake-ups are consumed)."""
        if self._closed:
            return False
        ready, _, _ = select.select([self._recv], [], [], max(0.0, timeout_s))
        if not ready:
            return False
        with contextlib.suppress(OSError):
            while self._recv.recv(4096):
                pass
        return True

    def close(self) -> None:
        """Release the sockets."""
        if not self._closed:
            self._closed = True
            self._recv.close()
            self._send.close()


class Stoppable(Protocol):
    """Anything with a thread- and signal-safe ``request_stop``."""

    def request_stop(self, reason: str = "user") -> None:
        """Ask for an immediate stop."""
        ...


Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


@contextlib.contextmanager
def stop_on_signals(
    engine: Stoppable, signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)
) -> Iterator[None]:
    """While inside the block, SIGINT and SIGTERM call ``engine.request_stop("signal")``
    instead of their usual action; the previous handlers come back on leaving.

    Must be entered from the main thread (Python delivers signals there only).
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("stop_on_signals must be used from the main thread")

    def handler(signum: int, frame: FrameType | None) -> None:
        engine.request_stop("signal")

    previous: dict[int, Handler] = {}
    try:
        for signum in signals:
            previous[signum] = signal.signal(signum, handler)
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old if old is not None else signal.SIG_DFL)
