"""Clocks named in ``sim://`` URLs: ``sim://?clock=NAME`` runs the device on the clock
registered under NAME (e.g. a VirtualClock). Process-global, thread-safe.

Code that has the clock in hand opens the simulator with
:func:`tenscontrol.sim.open_simulator` instead; the names are for URLs only, which is all a
caller of ``open_port`` or ``TensDevice.open`` can pass.
"""

from __future__ import annotations

import threading

from tenscontrol.clock import Clock

_clocks: dict[str, Clock] = {}
_lock = threading.Lock()


def register_clock(name: str, clock: Clock) -> None:
    """Let ``sim://?clock=NAME`` run the simulated device on ``clock``."""
    with _lock:
        _clocks[name] = clock


def unregister_clock(name: str) -> None:
    """Forget a clock given to :func:`register_clock` (no error if unknown)."""
    with _lock:
        _clocks.pop(name, None)


def lookup_clock(name: str) -> Clock | None:
    """The clock registered under ``name``, or None."""
    with _lock:
        return _clocks.get(name)
