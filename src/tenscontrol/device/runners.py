"""The two ways to run a link, behind one interface, so :class:`~tenscontrol.device.TensDevice`
never asks which one it has.

* :class:`ThreadedRunner` (real time): two I/O threads run the link. ``tens-io-in`` reads
  and dispatches frames; ``tens-io-out`` sends queued requests and heartbeats and expires
  deadlines, and never touches the port's input, so a heartbeat never waits behind a read.
  On Linux a ``select`` or ``read`` on a tty with no input yet waits, uninterruptibly, for
  the kernel worker that moves received bytes into the line discipline (``n_tty_poll`` ->
  ``flush_work``), and that worker is an ordinary task any busy process can keep off the
  CPU (measured: an I/O thread stuck there for 10-50 ms at a time with four CPU burners on
  two cores). Callers only wait.
* :class:`ManualRunner` (virtual time, deterministic tests): no thread; whoever waits pumps
  the link in their own thread.

Both offer :meth:`wait_done` (for one request, or a STOP's confirmation), :meth:`wait` (for
time to pass or for ``until()``), :meth:`interrupt` (make a wait look at ``until`` now; any
thread or a signal handler) and :meth:`stop` (end the threads; the names of those that did not end).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Protocol

import serial

from tenscontrol.clock import Clock, RealClock
from tenscontrol.device.link import LinkCore
from tenscontrol.errors import DeviceError
from tenscontrol.waker import Waker

log = logging.getLogger(__name__)

#: Longest wait for each I/O thread to end when stopping, seconds.
JOIN_TIMEOUT_S = 2.0
#: Longest wait of the writer thread when nothing is due, seconds (it re-checks stopping).
WRITER_IDLE_S = 0.05
#: Shortest port wait of a manual pump, seconds: virtual time always moves, even when a
#: deadline is now.
MIN_PUMP_WAIT_S = 0.0005

Until = Callable[[], bool] | None


class Awaited(Protocol):
    """Something finished in the reading thread: a request in flight (``Pending``) or a
    STOP confirmation (``StopCheck``); ``done`` is set when it is over."""

    done: threading.Event


class ManualRunner:
    """No thread: every wait pumps the link (one port read bounded by the next heartbeat,
    deadline or the wait's end) until it is over."""

    def __init__(self, core: LinkCore, clock: Clock) -> None:
        self._core = core
        self._clock = clock

    def start(self) -> None:
        """Nothing to start."""

    def wait_done(self, pending: Awaited, timeout_s: float) -> None:
        """Pump until ``pending`` is done, the port is lost, or ``timeout_s``."""
        deadline = self._clock.monotonic() + timeout_s
        while not pending.done.is_set() and self._clock.monotonic() < deadline:
            if self._core.port_lost:
                return
            self._pump_once(deadline)

    def wait(self, seconds: float, until: Until) -> None:
        """Pump for ``seconds`` of clock time, or until ``until()`` after a pass."""
        deadline = self._clock.monotonic() + seconds
        while self._clock.monotonic() < deadline and not self._core.port_lost:
            self._pump_once(deadline)
            if until is not None and until():
                return

    def interrupt(self) -> None:
        """The wait runs in the caller's own thread and looks after every pass: nothing."""

    def request_queued(self) -> None:
        """The next pass sends it: nothing to wake."""

    def stop(self) -> list[str]:
        """No threads: none left running."""
        return []

    def release(self) -> None:
        """Nothing held."""

    def _pump_once(self, deadline: float) -> None:
        core = self._core
        now = self._clock.monotonic()
        core.port.timeout = max(MIN_PUMP_WAIT_S, min(deadline, core.next_wakeup()) - now)
        core.service()


class ThreadedRunner:
    """A reader and a writer thread; waits are woken by the reader after each batch of
    frames, by a failure, and by :meth:`interrupt`."""

    def __init__(self, core: LinkCore, clock: Clock) -> None:
        self._core = core
        self._clock = clock
        self._stopping = threading.Event()
        self._threads: tuple[threading.Thread, ...] = ()
        self._can_cancel = hasattr(core.port, "cancel_read")
        # A socket pair, not an Event: interrupt() may run in a signal handler.
        self._activity = Waker()
        core.on_activity = self._activity.wake
        # The reader's longest wait: how soon it notices stopping (cancel_read ends a wait
        # at once where the port has it).
        core.port.timeout = 0.05 if self._can_cancel else 0.005

    def start(self) -> None:
        """Start ``tens-io-in`` and ``tens-io-out`` (daemons)."""
        self._core.enable_wakeups()
        self._threads = (
            threading.Thread(target=self._run_reader, name="tens-io-in", daemon=True),
            threading.Thread(target=self._run_writer, name="tens-io-out", daemon=True),
        )
        for thread in self._threads:
            thread.start()

    def wait_done(self, pending: Awaited, timeout_s: float) -> None:
        """Wait (real time) until ``pending`` is done, or ``timeout_s``."""
        pending.done.wait(timeout_s)

    def wait(self, seconds: float, until: Until) -> None:
        """Wait ``seconds``, or until ``until()`` holds when woken, or the link fails."""
        deadline = self._clock.monotonic() + seconds
        if not isinstance(self._clock, RealClock):
            self._clock.sleep_until(deadline)  # a paced or virtual clock keeps its own time
            return
        while not self._core.failed.is_set() and not (until is not None and until()):
            left = deadline - self._clock.monotonic()
            if left <= 0:
                return
            self._activity.wait(left)

    def interrupt(self) -> None:
        """End the current or next :meth:`wait`'s sleep now. Any thread, signal-safe."""
        self._activity.wake()

    def request_queued(self) -> None:
        """Wake the writer for a request just queued (the link does on submit too)."""
        self._core.wake()

    def stop(self) -> list[str]:
        """End both threads, each within :data:`JOIN_TIMEOUT_S`; the names of any that did
        not end (the caller must then leave the port open)."""
        self._stopping.set()
        self._core.wake()
        if self._can_cancel and self._threads:
            with contextlib.suppress(OSError, TypeError, serial.SerialException):
                self._core.port.cancel_read()  # type: ignore[attr-defined]
        me = threading.current_thread()
        for thread in self._threads:
            if thread is not me:
                thread.join(timeout=JOIN_TIMEOUT_S)
        return [t.name for t in self._threads if t.is_alive() and t is not me]

    def release(self) -> None:
        """Release the wake-ups, once :meth:`stop` found no thread left."""
        self._activity.close()

    def _run_reader(self) -> None:
        core = self._core
        try:
            while not self._stopping.is_set() and not core.port_lost:
                core.service_in()
        except Exception as error:  # a bug fails the link loudly, never ends the thread silently
            self._failed("reader", error)

    def _run_writer(self) -> None:
        core = self._core
        try:
            while not self._stopping.is_set() and not core.port_lost:
                core.service_out()
                core.wait_for_work(WRITER_IDLE_S)
            core.service_out()  # a STOP queued while stopping still goes out
        except Exception as error:
            self._failed("writer", error)

    def _failed(self, which: str, error: Exception) -> None:
        log.exception("the I/O %s thread failed", which)
        self._core.fail(
            DeviceError(f"the I/O {which} thread failed: {type(error).__name__}: {error}")
        )
