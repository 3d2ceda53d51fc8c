"""The simulated TENS device: a model of the firmware of firmware_protocol.md.

Reachable three ways: in-process as the pyserial URL ``sim://?seed=1&corrupt_rate=0.001``
(after :func:`register`), and as a separate process with ``tens simulate --pty`` or
``tens simulate --tcp 127.0.0.1:PORT``. Depends only on :mod:`tenscontrol.protocol`, the leaf
modules (clock, hard_limits, errors) and pyserial.
"""

from __future__ import annotations

import threading

import serial

from tenscontrol.clock import Clock

_clocks: dict[str, Clock] = {}
_lock = threading.Lock()
PACKAGE = "tenscontrol.sim"


def register() -> None:
    """Make ``sim://`` URLs work with ``serial.serial_for_url``. Idempotent."""
    with _lock:
        if PACKAGE not in serial.protocol_handler_packages:
            serial.protocol_handler_packages.append(PACKAGE)


def register_clock(name: str, clock: Clock) -> None:
    """Let ``sim://?clock=NAME`` run the simulated device on ``clock`` (e.g. a VirtualClock)."""
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


__all__ = ["lookup_clock", "register", "register_clock", "unregister_clock"]
