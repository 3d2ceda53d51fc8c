"""Injected clocks: the real one, a virtual one that tests and fast-forward runs drive, and
a paced one (virtual time at most N times faster than real time, for ``--speed``).

Everything that schedules (the simulator, the driver's heartbeat, the session engine) takes
a :class:`Clock` instead of calling :mod:`time` directly, so a 60-minute session can run in
virtual time in well under a second.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from tenscontrol.errors import UserInputError


class Clock(Protocol):
    """Monotonic seconds for scheduling, Unix seconds for logs, and a way to wait."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; only differences mean anything."""
        ...

    def wall(self) -> float:
        """Unix time in seconds, for timestamps in logs."""
        ...

    def sleep_until(self, deadline: float) -> None:
        """Return once ``monotonic()`` >= ``deadline`` (at once if it already is)."""
        ...


class RealClock:
    """The machine's clocks: :func:`time.monotonic`, :func:`time.time`, :func:`time.sleep`."""

    def monotonic(self) -> float:
        """Seconds from :func:`time.monotonic`."""
        return time.monotonic()

    def wall(self) -> float:
        """Unix seconds from :func:`time.time`."""
        return time.time()

    def sleep_until(self, deadline: float) -> None:
        """Sleep in real time until ``deadline`` (monotonic seconds)."""
        remaining = deadline - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)


class VirtualClock:
    """A clock that moves only when told to. Thread-safe.

    ``sleep_until`` jumps the clock forward instead of waiting, so code that sleeps runs
    as fast as the CPU allows. ``wall()`` is ``start_wall`` plus the virtual time elapsed,
    so logs are identical between runs with the same ``start_wall``.
    """

    def __init__(self, start: float = 0.0, start_wall: float = 1_800_000_000.0) -> None:
        self._now = start
        self._start = start
        self._start_wall = start_wall
        self._lock = threading.Lock()

    # Reads take no lock: ``_now`` is only ever replaced whole (one attribute store of an
    # immutable float, atomic in Python), so a reader sees the old or the new time, never a
    # torn one. The lock serialises the read-modify-write of ``advance``/``sleep_until``.
    def monotonic(self) -> float:
        """Virtual seconds."""
        return self._now

    def wall(self) -> float:
        """Virtual Unix seconds."""
        return self._start_wall + (self._now - self._start)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (>= 0)."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds} s)")
        with self._lock:
            self._now += seconds

    def sleep_until(self, deadline: float) -> None:
        """Jump forward to ``deadline`` if it lies ahead; never waits."""
        with self._lock:
            if deadline > self._now:
                self._now = deadline


class SpeedClock:
    """Virtual time that runs at most ``speed`` times faster than real time. Thread-safe."""

    def __init__(self, speed: float) -> None:
        if not speed >= 1:  # also refuses NaN
            raise UserInputError(f"speed {speed!r}: must be at least 1")
        self.speed = speed
        self._real_start = time.monotonic()
        self._wall_start = time.time()
        self._now = 0.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        """Virtual seconds since the clock was made."""
        with self._lock:
            return self._now

    def wall(self) -> float:
        """Unix seconds: the start's wall time plus the virtual time elapsed."""
        with self._lock:
            return self._wall_start + self._now

    def sleep_until(self, deadline: float) -> None:
        """Move to ``deadline`` (if ahead), then sleep until real time has caught up."""
        with self._lock:
            self._now = max(self._now, deadline)
            real_due = self._real_start + self._now / self.speed
        remaining = real_due - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
