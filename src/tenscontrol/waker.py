"""Interruptible real-time waiting that a signal handler may interrupt.

A socket pair, not a :class:`threading.Event`: ``Event.set`` takes a lock that the code a
signal handler interrupted may hold (a deadlock), where ``send`` on a non-blocking socket
takes none. Used by the driver's writer thread and by anything waiting for the driver.
"""

from __future__ import annotations

import contextlib
import select
import socket


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
