"""The session's clock work: setpoint ticks at absolute due times, and waiting between them.

Ticks fall at ``t0 + n x period`` (no drift). A late tick skips to the next due time and
is counted (:attr:`TickLoop.skipped`), never made up in a burst. Between due times the
engine waits interruptibly and handles whatever arrives (a command, a stop, a telemetry
frame) at once, not at the next tick.

The wait is the device's own, the same for every driver: ``device.wait(until=has_work)``
returns at the first frame after which there is work, or when a command or a stop calls
``device.interrupt_wait()`` (a threaded driver's reader thread handles the frames; a
manually pumped one pumps the link in the engine's own thread while it waits).
"""

from __future__ import annotations

from collections.abc import Callable

from tenscontrol.clock import Clock
from tenscontrol.device import TensDevice
from tenscontrol.session.events import StopReason

#: Handles what arrived; returns the stop asked for, if any (the engine's thread).
Process = Callable[[], StopReason | None]
#: Computes and sends the setpoints of session time ``t_ms``.
Tick = Callable[[int], None]


class TickLoop:
    """Setpoint ticks every ``period_ms`` from :meth:`start` until ``duration_ms``."""

    def __init__(
        self, device: TensDevice, clock: Clock, *, period_ms: int, duration_ms: int
    ) -> None:
        self.clock = clock
        self.period_ms = period_ms
        self.duration_ms = duration_ms
        self.device = device
        #: Clock time of session time 0 (the first due time), seconds; 0.0 before start.
        self.t0 = 0.0
        #: Ticks skipped because the engine was late (never made up in a burst).
        self.skipped = 0

    def start(self) -> float:
        """Session time 0 is now; returns it (clock seconds)."""
        self.t0 = self.clock.monotonic()
        return self.t0

    def now_ms(self) -> int:
        """Session time now, ms (negative never after :meth:`start`)."""
        return round((self.clock.monotonic() - self.t0) * 1_000)

    def due_s(self, tick: int) -> float:
        """Clock time at which tick number ``tick`` is due, seconds."""
        return self.t0 + tick * self.period_ms / 1_000

    def run(self, process: Process, tick: Tick, has_work: Callable[[], bool]) -> StopReason:
        """Tick until the session's end (COMPLETED) or a stop (its reason); ``process``
        runs whenever something may have arrived, ``has_work`` says whether something has.
        Exceptions from either callable end the loop."""
        n = 0
        while True:
            self._wait_until(self.due_s(n), process, has_work)
            stop = process()
            if stop is not None:
                return stop
            t_ms = n * self.period_ms
            if t_ms >= self.duration_ms:
                return StopReason.COMPLETED
            tick(t_ms)
            n += 1
            elapsed = self.clock.monotonic() - self.t0
            if elapsed > n * self.period_ms / 1_000:  # late: skip to the next due, no burst
                behind = int(elapsed * 1_000) // self.period_ms + 1
                self.skipped += behind - n
                n = behind

    def _wait_until(self, due: float, process: Process, has_work: Callable[[], bool]) -> None:
        while True:
            stop = process()
            remaining = due - self.clock.monotonic()
            if stop is not None or remaining <= 0:
                return
            self.device.wait(remaining, until=has_work)
