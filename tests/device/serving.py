"""Devices served on a real port for the driver tests on the real clock (the fixture built
on this, ``serve_device``, is in ``conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from enum import StrEnum
from typing import Protocol

from helpers.targets import device_process, target
from tenscontrol.sim.faults import option_flags, parse_options
from tenscontrol.sim.server import PtyServer, SimServer, TcpServer


class Transport(StrEnum):
    """A real port a driver test reaches its device through."""

    #: The device of ``TENS_TEST_TARGET`` (helpers/targets.py) on a pty: the Python
    #: simulator served from this process, or the reference firmware's process, natively
    #: or under QEMU.
    PTY = "pty"
    #: The Python simulator in this process on loopback TCP, whatever the target: the
    #: firmware serves only a pty.
    TCP = "tcp"


@contextmanager
def served_device(transport: Transport, **options: str) -> Iterator[str]:
    """A device on ``transport`` with the simulator's options by name (``reboot_at="0.6"``:
    seconds since the device started; ``log=str(path)``), as ``tens simulate`` takes them.
    Yields the port to open; leaving stops the device, so its event log is complete then.
    On a target that cannot take the options, the test is skipped naming what it lacks."""
    if transport is Transport.PTY and target().program is not None:
        # each option's command-line spelling, which the firmware's program takes too
        args = [part for name, value in options.items() for part in (option_flags(name)[0], value)]
        with device_process(("--pty", *args)) as process:
            yield process.port
        return
    # the simulator itself is served from this process: no process to start (0.15-0.4 s) per test
    kind = PtyServer if transport is Transport.PTY else TcpServer
    server: SimServer = kind(parse_options(options.items()))
    with server:
        yield server.port


class ServeDevice(Protocol):
    """The ``serve_device`` fixture: :func:`served_device`."""

    def __call__(self, transport: Transport, **options: str) -> AbstractContextManager[str]: ...
