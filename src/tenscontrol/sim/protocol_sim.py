"""A serial port whose far end is a simulated device inside the host process: pyserial's
URL handler for ``sim://``, and :func:`open_simulator`, the direct way in.

pyserial imports this module as ``tenscontrol.sim.protocol_sim`` once
``tenscontrol.transport.register_simulator()`` has added ``tenscontrol.sim`` to
``serial.protocol_handler_packages``, and uses :class:`Serial`.

URL: ``sim://?seed=1&corrupt_rate=0.001&lead_off=1@20&clock=NAME&log=/tmp/sim.jsonl``; the
options are those of :mod:`tenscontrol.sim.faults`, plus ``clock=NAME`` naming a clock given
to ``tenscontrol.sim.register_clock`` (the real clock by default). Code that has the clock
in hand calls :func:`open_simulator` and names nothing.

Time: the device runs lazily. Every call (read, write, in_waiting, ...) first runs the device
and the link up to the clock's ``monotonic()``. On a virtual clock a read never waits in
real time: while the bytes asked for are not there and the read deadline (clock time) has
not come, it moves the clock with ``sleep_until`` to the earlier of the next device event and
the deadline, and looks again. On the real clock a read waits on a condition variable until
the next device event, a write from another thread, or its deadline.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from serial import PortNotOpenError, SerialBase, SerialException

from tenscontrol.clock import Clock, RealClock
from tenscontrol.errors import UserInputError
from tenscontrol.sim.clocks import lookup_clock
from tenscontrol.sim.device import SimulatedDevice
from tenscontrol.sim.faults import SimOptions, parse_query
from tenscontrol.sim.model import DeviceModel

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

#: Message of the exception raised once ``unplug_at`` has passed, as pyserial says it.
UNPLUGGED = (
    "device reports readiness to read but returned no data "
    "(device disconnected or multiple access on port?)"
)


def parse_url(url: str) -> SimOptions:
    """Options of a ``sim://`` URL. Raises :class:`UserInputError` on a bad URL or value."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "sim":
        raise UserInputError(f"not a sim:// URL: {url!r}")
    if parts.netloc or parts.path not in ("", "/"):
        raise UserInputError(
            f"sim:// URL {url!r}: options go in the query, e.g. sim://?seed=1&lead_off=1@5"
        )
    return parse_query(parts.query, url=True)


class Serial(SerialBase):
    """A serial port whose far end is a simulated TENS device (``TC-SIM-2``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._device: SimulatedDevice | None = None
        self._clock: Clock = RealClock()
        self._rx = bytearray()
        # ``with self._lock`` holds the condition's own lock without the pure-Python
        # Condition.__enter__/__exit__ wrappers (the port is entered several times per frame).
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._cancelled = False
        # Clock time the device was last run up to with nothing sent since (None: run it on
        # the next call). Running it again at the same instant changes nothing, so the port
        # skips that; the host looks at the port several times per instant.
        self._pumped_at: float | None = None
        self._virtual = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    # --- attributes for tests ----------------------------------------------------------
    @property
    def model(self) -> DeviceModel:
        """The simulated device's model (only while open)."""
        if self._device is None:
            raise PortNotOpenError()
        return self._device.model

    @property
    def clock(self) -> Clock:
        """The clock the simulated device runs on."""
        return self._clock

    @property
    def device(self) -> SimulatedDevice:
        """The simulated device with its link (only while open)."""
        if self._device is None:
            raise PortNotOpenError()
        return self._device

    # --- SerialBase --------------------------------------------------------------------
    def open(self) -> None:
        """Power on a fresh simulated device with the URL's options."""
        if self.is_open:
            raise SerialException("Port is already open.")
        if self.port is None:
            raise SerialException("Port must be configured before it can be used.")
        options = parse_url(self.port)
        clock: Clock = RealClock()
        if options.clock is not None:
            found = lookup_clock(options.clock)
            if found is None:
                raise UserInputError(
                    f"sim:// URL names clock {options.clock!r}, which is not registered",
                    hint="call tenscontrol.sim.register_clock(name, clock) first",
                )
            clock = found
        self.power_on(options, clock)

    def power_on(self, options: SimOptions, clock: Clock) -> None:
        """Power on a fresh simulated device with ``options``, running on ``clock``."""
        if self.is_open:
            raise SerialException("Port is already open.")
        self._clock = clock
        self._virtual = not isinstance(clock, RealClock)
        self._device = SimulatedDevice(options, clock)
        self._pumped_at = None
        self._rx.clear()
        self.is_open = True

    def from_url(self, url: str) -> None:
        """Check a ``sim://`` URL (the options are applied at :meth:`open`)."""
        parse_url(url)

    def close(self) -> None:
        """Close the port; the simulated device powers off. Idempotent."""
        with self._lock:
            if self._device is not None:
                self._device.close()
            self._device = None
            self._pumped_at = None
            self.is_open = False
            self._cond.notify_all()

    def _reconfigure_port(self) -> None:
        """Line settings mean nothing to the simulated device."""

    def _update_dtr_state(self) -> None:
        """DTR is ignored by the device (spec, section 1)."""

    def _update_rts_state(self) -> None:
        """RTS is ignored by the device (spec, section 1)."""

    def _update_break_state(self) -> None:
        """Break is ignored."""

    @property
    def in_waiting(self) -> int:
        """Bytes the device has sent that are ready to read."""
        with self._lock:
            if self._clock.monotonic() != self._pumped_at:  # else nothing can have changed
                self._pump()
            return len(self._rx)

    def read(self, size: int = 1, /) -> bytes:
        """Read up to ``size`` bytes, waiting at most ``timeout`` seconds of clock time."""
        with self._lock:
            device = self._pump()
            rx, clock = self._rx, self._clock
            if len(rx) < size:
                timeout = self.timeout
                deadline = None if timeout is None else clock.monotonic() + timeout
                while len(rx) < size:
                    if self._cancelled:
                        break
                    now = clock.monotonic()
                    if deadline is not None and now >= deadline:
                        break
                    wake = device.next_time()
                    if deadline is not None and deadline < wake:
                        wake = deadline
                    if self._virtual:
                        clock.sleep_until(wake)
                    else:
                        self._cond.wait(min(max(wake - now, 0.0), 1.0))
                    device = self._pump()
            self._cancelled = False
            if size >= len(rx):
                data = bytes(rx)
                rx.clear()
            else:
                data = bytes(rx[:size])
                del rx[:size]
            return data

    def cancel_read(self) -> None:
        """End a blocking :meth:`read` now (or the next one), as pyserial's POSIX port does."""
        with self._lock:
            self._cancelled = True
            self._cond.notify_all()

    def write(self, b: ReadableBuffer, /) -> int:
        """Send bytes to the device; they arrive after the link's latency."""
        data = bytes(b)
        with self._lock:
            device = self._pump()
            now = self._clock.monotonic()
            self._pumped_at = None
            self._rx += device.host_write(data, now)
            self._check_plugged(device)
            self._pumped_at = now  # host_write ran the device up to ``now``
            self._cond.notify_all()
        return len(data)

    def flush(self) -> None:
        """Writes are never buffered here."""
        with self._lock:
            self._pump()

    def reset_input_buffer(self) -> None:
        """Discard what the device sent and the host has not read."""
        with self._lock:
            self._pump()
            self._rx.clear()

    def reset_output_buffer(self) -> None:
        """Nothing is ever waiting to be written."""
        with self._lock:
            self._pump()

    # --- helpers -------------------------------------------------------------------------
    def _pump(self) -> SimulatedDevice:
        """Run the device up to now; collect what reached the host. Caller holds the lock."""
        device = self._device
        if device is None or not self.is_open:
            raise PortNotOpenError()
        now = self._clock.monotonic()
        if now != self._pumped_at:
            self._pumped_at = None
            self._rx += device.pump(now)
            self._check_plugged(device)
            self._pumped_at = now  # only once plugged: an unplugged port raises every call
        return device

    def _check_plugged(self, device: SimulatedDevice) -> None:
        if device.model.unplugged:
            self._rx.clear()
            raise SerialException(UNPLUGGED)


def open_simulator(
    options: SimOptions | None = None,
    *,
    clock: Clock | None = None,
    timeout_s: float | None = 0.02,
) -> Serial:
    """An open port to a freshly powered-on simulated device running on ``clock``.

    ``options`` as :func:`~tenscontrol.sim.faults.parse_query` builds them (the defaults if
    None; their ``clock`` name is ignored), ``clock`` the real one if None, ``timeout_s``
    the read timeout in seconds of ``clock`` (that of ``open_port`` by default).
    """
    port = Serial(timeout=timeout_s)
    port.power_on(
        options if options is not None else SimOptions(),
        clock if clock is not None else RealClock(),
    )
    return port
