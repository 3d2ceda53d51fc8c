"""Which device ``tens start`` uses, and how it is opened (real time, or fast-forward).

* ``--port URL|PATH`` (or ``TENS_PORT``): that port. Without it, discovery must find exactly
  one TENS device: none is a device problem (exit 3), several need a choice (exit 2).
* ``--simulate``: the built-in simulator (``sim://``), with the options of
  ``TENS_SIM_OPTIONS`` (a ``sim://`` query such as ``overdeliver=1@3:50``, for demos and
  tests of the safety stops).
* ``--simulate --speed X``: the simulator and the driver run in manual mode (no I/O thread)
  on a :class:`SpeedClock`, in the caller's thread, like the virtual-time tests.

:class:`SpeedClock` is virtual time paced against the real clock: ``monotonic()`` moves only
through ``sleep_until`` (as a :class:`~tenscontrol.clock.VirtualClock` does), and
``sleep_until`` then sleeps in real time until the real clock has caught up with
``virtual elapsed / X``. Time therefore never runs more than X times faster than real time,
and when the CPU cannot keep up it simply runs slower: the device, the driver's heartbeat
and the engine share one clock that never jumps ahead of the work, so the simulated
watchdog never trips because the host was merely slow. ``wall()`` is the start's Unix time
plus the virtual time elapsed (session logs then show the simulated duration).
"""

from __future__ import annotations

import itertools
import os
import sys

from tenscontrol import sim
from tenscontrol.clock import SpeedClock
from tenscontrol.device import RECOMMENDED_SWITCH_INTERVAL_S, TensDevice
from tenscontrol.errors import PortError, UserInputError
from tenscontrol.transport import FrameTracer, open_port
from tenscontrol.transport.discovery import list_serial_ports

SIM_OPTIONS_ENV = "TENS_SIM_OPTIONS"
_names = itertools.count()


def sim_query() -> str:
    """The ``sim://`` query from ``TENS_SIM_OPTIONS`` ("" when unset); ``clock`` is refused."""
    raw = os.environ.get(SIM_OPTIONS_ENV, "").strip().lstrip("?")
    if any(part.split("=", 1)[0] == "clock" for part in raw.split("&") if part):
        raise UserInputError(f"{SIM_OPTIONS_ENV}: the clock option is set by tens start")
    return raw


def choose_port(port: str | None) -> str:
    """The port to use: the one named, or the single TENS device discovery finds."""
    if port is not None:
        if not port.strip():
            raise UserInputError("--port is empty", hint="name a device path or a URL")
        return port
    found = [c for c in list_serial_ports() if c.matches]
    if not found:
        raise PortError(
            "no TENS device found",
            hint="plug it in, name it with --port, or try it out with `tens start --simulate`",
        )
    if len(found) > 1:
        names = ", ".join(c.device for c in found)
        raise UserInputError(
            f"{len(found)} TENS devices found ({names}): name one with --port",
            hint=f"for example: tens start --port {found[0].device} ...",
        )
    return found[0].device


class OpenedDevice:
    """A connected device and whatever must be released with it (a registered clock)."""

    def __init__(self, device: TensDevice, url: str, clock_name: str | None = None) -> None:
        self.device = device
        self.url = url
        self._clock_name = clock_name

    @property
    def simulated(self) -> bool:
        """True when the device's IDENTITY says it is the simulator."""
        return self.device.info is not None and self.device.info.is_simulator

    def close(self) -> None:
        """Stop output and close the port (idempotent), then forget the clock."""
        try:
            self.device.close()
        finally:
            if self._clock_name is not None:
                sim.unregister_clock(self._clock_name)


def open_device(
    port: str | None, *, simulate: bool, speed: float | None, tracer: FrameTracer | None
) -> OpenedDevice:
    """Open and connect the device ``tens start`` runs on (output 0 once connected)."""
    # The live view, the printer threads and the engine share the GIL with the driver's
    # I/O threads: hand it over often enough that a heartbeat is never held up (see
    # RECOMMENDED_SWITCH_INTERVAL_S). Process-wide, and only ever lowered.
    sys.setswitchinterval(min(sys.getswitchinterval(), RECOMMENDED_SWITCH_INTERVAL_S))
    if not simulate:
        url = choose_port(port)
        return OpenedDevice(TensDevice.open(url, tracer=tracer), url)
    query = sim_query()
    if speed is None:
        url = f"sim://?{query}" if query else "sim://"
        return OpenedDevice(TensDevice.open(url, tracer=tracer), url)
    clock = SpeedClock(speed)
    name = f"tens-start-{os.getpid()}-{next(_names)}"
    sim.register_clock(name, clock)
    url = f"sim://?clock={name}" + (f"&{query}" if query else "")
    try:
        port_ = open_port(url)
        try:
            device = TensDevice(port_, clock=clock, threaded=False, tracer=tracer)
        except BaseException:
            port_.close()
            raise
    except BaseException:
        sim.unregister_clock(name)
        raise
    opened = OpenedDevice(device, url, name)
    try:
        device.connect()
    except BaseException:
        opened.close()
        raise
    return opened
