"""Helpers shared by the driver tests: a simulated device on a virtual clock (the fixtures
built on them are in ``conftest.py``)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from helpers import messages
from tenscontrol import sim
from tenscontrol.clock import VirtualClock
from tenscontrol.device import TensDevice
from tenscontrol.protocol import Setpoint
from tenscontrol.transport import open_port

_names = itertools.count()


def setpoint(channel: int = 1, amplitude_ua: int = 10_000) -> Setpoint:
    """A conventional-TENS setpoint (80 Hz, 180 us, continuous) at ``amplitude_ua``."""
    return messages.setpoint(channel, amplitude_ua)


@contextmanager
def virtual_device(options: str = "", **kwargs: object) -> Iterator[TensDevice]:
    """A connected TensDevice in manual mode, on ``sim://?<options>`` and a virtual clock."""
    clock = VirtualClock()
    name = f"test-{next(_names)}"
    sim.register_clock(name, clock)
    query = f"clock={name}" + (f"&{options}" if options else "")
    port = open_port(f"sim://?{query}")
    device = TensDevice(port, clock=clock, threaded=False, **kwargs)  # type: ignore[arg-type]
    try:
        device.connect()
        yield device
    finally:
        device.close()
        sim.unregister_clock(name)


class OpenVirtualDevice(Protocol):
    """The ``open_virtual_device`` fixture: opens a device as :func:`virtual_device` does,
    with ``sim://`` ``options`` and :class:`TensDevice` keywords; closed after the test."""

    def __call__(self, options: str = "", **kwargs: object) -> TensDevice: ...
