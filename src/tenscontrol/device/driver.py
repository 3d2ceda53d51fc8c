"""``TensDevice``: the host side of the protocol as a library a script or the session
engine uses directly. Connect, start channels, stream setpoints, read telemetry, stop.

In threaded mode (real time) two I/O threads run the link and callers never send
heartbeats; in manual mode (virtual time, deterministic tests) there is no thread and every
call pumps the link itself (:mod:`tenscontrol.device.runners`).

Either way, :meth:`TensDevice.wait` is the one way to wait for the device: it returns when
the time is up, when ``until()`` holds after a frame was handled, or when
:meth:`TensDevice.interrupt_wait` is called (any thread, or a signal handler).

The driver leaves the interpreter's GIL switch interval alone: an application that runs
CPU-bound threads beside a threaded device should lower it (see
:data:`RECOMMENDED_SWITCH_INTERVAL_S`); the ``tens`` command does.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from types import TracebackType

from tenscontrol import hard_limits
from tenscontrol.clock import Clock, RealClock
from tenscontrol.device import runners
from tenscontrol.device.link import LinkCore
from tenscontrol.device.requests import nak_error
from tenscontrol.device.runners import ManualRunner, ThreadedRunner
from tenscontrol.device.state import (
    DeviceInfo,
    LinkStats,
    Subscriber,
    TelemetrySample,
    device_info,
)
from tenscontrol.device.stop_check import STOP_ATTEMPTS, STOP_CONFIRM_WAIT_S, StopVerdict
from tenscontrol.errors import (
    DeviceTimeout,
    IncompatibleDevice,
    PortLost,
    ProtocolError,
    StopNotConfirmed,
    TensError,
    UserInputError,
)
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    Heartbeat,
    Hello,
    Identity,
    Message,
    Nak,
    Setpoint,
    Start,
    Stop,
)
from tenscontrol.transport.ports import PORT_ERRORS, Port, open_port
from tenscontrol.transport.trace import FrameTracer

log = logging.getLogger(__name__)

#: Host defaults: watchdog 500 ms, a frame at least every 100 ms (five chances per period).
DEFAULT_WATCHDOG_MS = 500
DEFAULT_HEARTBEAT_S = 0.1
DEFAULT_REQUEST_TIMEOUT_S = 0.25
#: The GIL switch interval (s) an application running CPU-bound threads beside a threaded
#: device should set with :func:`sys.setswitchinterval`. CPython hands the GIL back to a
#: thread waking from I/O only every switch interval (5 ms by default), and the I/O threads
#: wake several times per heartbeat: heartbeats were measured 740 ms apart with two busy
#: threads, enough to trip a 500 ms watchdog; at 1 ms they stay under 200 ms.
RECOMMENDED_SWITCH_INTERVAL_S = 0.001


class TensDevice:
    """A connected TENS device. Use as a context manager: leaving the block for any reason
    stops output, then closes the port.

    ``clock`` defaults to the real clock; pass a :class:`~tenscontrol.clock.VirtualClock`
    with ``threaded=False`` for virtual-time runs against ``sim://?clock=NAME``.
    """

    def __init__(
        self,
        port: Port,
        *,
        clock: Clock | None = None,
        threaded: bool = True,
        watchdog_ms: int = DEFAULT_WATCHDOG_MS,
        heartbeat_period_s: float = DEFAULT_HEARTBEAT_S,
        request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
        tracer: FrameTracer | None = None,
    ) -> None:
        if not hard_limits.MIN_WATCHDOG_MS <= watchdog_ms <= hard_limits.MAX_WATCHDOG_MS:
            raise UserInputError(
                f"watchdog {watchdog_ms} ms is outside {hard_limits.MIN_WATCHDOG_MS}-"
                f"{hard_limits.MAX_WATCHDOG_MS} ms"
            )
        if heartbeat_period_s * 1000 > min(watchdog_ms / 2, hard_limits.MAX_HEARTBEAT_PERIOD_MS):
            raise UserInputError(
                f"heartbeat every {heartbeat_period_s * 1000:.0f} ms is too slow for a "
                f"{watchdog_ms} ms watchdog"
            )
        self.clock: Clock = clock or RealClock()
        self.threaded = threaded
        self.watchdog_ms = watchdog_ms
        self.request_timeout_s = request_timeout_s
        self.info: DeviceInfo | None = None
        self._core = LinkCore(
            port, self.clock, heartbeat_period_s=heartbeat_period_s, tracer=tracer
        )
        self._closed = False
        self._runner: ThreadedRunner | ManualRunner = (
            ThreadedRunner(self._core, self.clock)
            if threaded
            else ManualRunner(self._core, self.clock)
        )

    # --- opening -----------------------------------------------------------------------
    @classmethod
    def open(cls, url: str, *, allow_remote: bool = False, **options: object) -> TensDevice:
        """Open ``url`` (device path, ``sim://...``, ``socket://...``) and connect.

        ``options`` are passed to the constructor. The port is closed again if the
        handshake fails.
        """
        port = open_port(url, allow_remote=allow_remote)
        try:
            device = cls(port, **options)  # type: ignore[arg-type]
        except BaseException:
            port.close()
            raise
        try:
            device.connect()
        except BaseException:
            device.close()  # the I/O thread is joined before the port closes
            raise
        return device

    def connect(self) -> DeviceInfo:
        """Drain stale input, handshake, check the protocol version and limits, and make
        sure output is 0 (STOP) before returning the device's description."""
        try:
            self._core.drain_input(quiet_s=0.05)
            self._core.send_raw(b"\x00")
        except PORT_ERRORS as error:  # unplugged while connecting
            raise PortLost(
                f"the port went away while connecting: {error}", hint="was the device unplugged?"
            ) from None
        self._runner.start()
        try:
            response = self._request(
                Hello(PROTOCOL_MAJOR, PROTOCOL_MAJOR), retriable=True, timeout_s=0.3
            )
        except DeviceTimeout:
            foreign = self._core.foreign_version
            if foreign is None:
                raise
            # It answered, in frames this host cannot read: name that, not silence.
            raise IncompatibleDevice(
                f"the device answers in protocol version {foreign}, outside the range "
                f"{PROTOCOL_MAJOR}-{PROTOCOL_MAJOR} this host offered",
                hint="the device firmware does not follow the HELLO rules; nothing was started",
            ) from None
        if not isinstance(response, Identity):
            raise IncompatibleDevice("the device did not answer HELLO with IDENTITY")
        if response.selected_version == 0:
            raise IncompatibleDevice(
                f"the device speaks protocol {response.device_min_version}-"
                f"{response.device_max_version}, this host speaks {PROTOCOL_MAJOR}",
                hint="update tenscontrol or the device firmware so they share a version",
            )
        if not PROTOCOL_MAJOR <= response.selected_version <= PROTOCOL_MAJOR:
            # A version this host never offered: it cannot know what the frames mean.
            raise IncompatibleDevice(
                f"the device selected protocol {response.selected_version}, outside the range"
                f" {PROTOCOL_MAJOR}-{PROTOCOL_MAJOR} this host offered (the device speaks"
                f" {response.device_min_version}-{response.device_max_version})",
                hint="the device firmware does not follow the HELLO rules; nothing was started",
            )
        info = device_info(response)
        if not response.watchdog_min_ms <= self.watchdog_ms <= response.watchdog_max_ms:
            raise IncompatibleDevice(
                f"the device accepts a watchdog of {response.watchdog_min_ms}-"
                f"{response.watchdog_max_ms} ms, not this host's {self.watchdog_ms} ms",
                hint="choose a watchdog inside the device's range; nothing was started",
            )
        self.info = info
        self._core.established = True
        self._core.heartbeats = True
        self.stop()
        return self.info

    # --- requests ------------------------------------------------------------------------
    def start(self, channels: Iterable[int]) -> Start:
        """Enable ``channels`` (1-based) at 0 uA, clear their latches, arm the watchdog.

        Returns the START as the device applied it.
        """
        mask = 0
        for channel in channels:
            self._check_channel(channel)
            mask |= 1 << (channel - 1)
        if mask == 0:
            raise UserInputError("START needs at least one channel")
        request = Start(mask, self.watchdog_ms)
        # Retrying is safe: START only lowers output, the serial link keeps order, and a
        # lead that came off meanwhile makes the retry fail with LEAD_OFF.
        ack = self._acked(request, retriable=True)
        if ack.applied != request:
            self._mismatch(request, ack)
        self._core.armed = True
        return request

    def set_channel(self, setpoint: Setpoint) -> Setpoint:
        """Send one setpoint (integer units) and return it as the device applied it.

        The device refuses anything outside its limits with a NAK (raised as
        :class:`NakError`); an ACK whose echo differs from the request stops output and
        raises :class:`ProtocolError`.
        """
        self._check_channel(setpoint.channel)
        # SET is absolute, so a retry is idempotent; the link is ordered, so a retried copy
        # always reaches the device before any later SET.
        ack = self._acked(setpoint, retriable=True)
        if ack.applied != setpoint:
            self._mismatch(setpoint, ack)
        return setpoint

    def heartbeat(self) -> None:
        """Send a HEARTBEAT now and wait for its ACK (the link sends them by itself too)."""
        self._acked(Heartbeat(), retriable=True)

    def stop(self, timeout_s: float = 1.0) -> None:
        """All channels to 0, confirmed. Safe from any thread or a signal handler; jumps the
        queue. Returns once the device has acknowledged STOP *and* the first telemetry frame
        after the ACK shows it IDLE with every channel at 0 (:mod:`~tenscontrol.device.
        stop_check`). A frame still showing output, or none within
        :data:`~tenscontrol.device.stop_check.STOP_CONFIRM_WAIT_S`, sends STOP again, up to
        :data:`~tenscontrol.device.stop_check.STOP_ATTEMPTS` in all; then
        :class:`StopNotConfirmed`. No ACK within ``timeout_s`` seconds raises
        :class:`DeviceTimeout` (the device watchdog is then the backstop)."""
        evidence = ""
        self._core.armed = False  # from here an IDLE device is the stop, not a reset
        for _ in range(STOP_ATTEMPTS):
            check = self._core.watch_stop()
            pending = self._core.submit(Stop(), retriable=True, timeout_s=0.1, priority=True)
            self._runner.request_queued()
            self._runner.wait_done(pending, timeout_s)
            if pending.error is not None and pending.response is None:
                raise pending.error
            if isinstance(pending.response, Nak):
                raise nak_error(Stop(), pending.response)
            if pending.response is None:
                raise DeviceTimeout("no answer to STOP")
            self._runner.wait_done(check, STOP_CONFIRM_WAIT_S)
            if check.confirmed:
                return
            if check.verdict is StopVerdict.LINK_LOST:
                break
            evidence = check.evidence or f"no telemetry within {STOP_CONFIRM_WAIT_S:.1f} s"
            log.warning("STOP acknowledged but not confirmed by telemetry: %s", evidence)
        raise StopNotConfirmed(
            f"the stop was not confirmed: the device acknowledged STOP but "
            f"{evidence or 'the port went away before its telemetry showed output 0'}"
        )

    def stop_nowait(self) -> None:
        """Queue a priority STOP and return at once, without its confirmation. Safe from any
        thread and from a signal handler: in threaded mode the writer thread sends it now,
        whatever the caller's own thread is doing; in manual mode the next pump sends it.
        For a stop that must not wait for anything; confirm with :meth:`stop`."""
        self._core.armed = False  # the device going IDLE now is this stop, not a reset
        self._core.submit(Stop(), retriable=True, timeout_s=0.1, priority=True)

    def wait(self, seconds: float, until: Callable[[], bool] | None = None) -> None:
        """Let ``seconds`` pass on the device clock, keeping the link alive, then raise the
        link's failure if it has one.

        ``until``: return as soon as it is true, checked after each batch of frames handled
        (e.g. "a telemetry event is waiting") and after each :meth:`interrupt_wait`, so the
        caller reacts at the frame's instant instead of at the end of the wait. The same in
        both modes; in manual mode the wait pumps the link itself. Without ``until``, a
        threaded wait returns early only when the link fails.
        """
        self._runner.wait(seconds, until)
        self.check()

    def interrupt_wait(self) -> None:
        """Make a :meth:`wait` in progress look at its ``until`` now (any thread, or a
        signal handler). In manual mode the wait runs in the caller's own thread and looks
        after every frame anyway: nothing to do."""
        self._runner.interrupt()

    def check(self) -> None:
        """Raise the link's failure (port lost, reboot, watchdog, fault, noise), if any."""
        if self._core.failure is not None:
            raise self._core.failure

    # --- observing -----------------------------------------------------------------------
    @property
    def telemetry(self) -> TelemetrySample | None:
        """The latest telemetry, without blocking (None before the first)."""
        return self._core.latest

    @property
    def stats(self) -> LinkStats:
        """Link counters: frames, errors, retries, round-trip times."""
        return self._core.stats

    @property
    def failure(self) -> TensError | None:
        """Why the link failed, or None while it is sound."""
        return self._core.failure

    def subscribe(self, callback: Subscriber) -> None:
        """Call ``callback`` for every telemetry frame and for a link failure (in the I/O
        thread in threaded mode: keep it short)."""
        self._core.subscribe(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        """Stop calling ``callback``."""
        self._core.unsubscribe(callback)

    # --- closing -------------------------------------------------------------------------
    def close(self) -> None:
        """Stop output (best effort) and close the port. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.info is not None:
                self.stop()
        except TensError as error:
            log.warning("stop on close failed (the device watchdog is the backstop): %s", error)
        finally:
            stuck = self._runner.stop()
            if stuck:
                # Reported, never hidden. The port stays open: closing it under a thread
                # still inside a read or write would free its descriptor for the next file
                # opened, which that thread would then read or write. The threads are
                # daemons; the port closes when the process ends.
                log.error(
                    "the I/O thread(s) %s did not end within %.0f s; the port is left open",
                    ", ".join(stuck),
                    runners.JOIN_TIMEOUT_S,
                )
            else:
                with contextlib.suppress(*PORT_ERRORS):
                    self._core.port.close()
                self._core.close()
                self._runner.release()

    def __enter__(self) -> TensDevice:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- internals -----------------------------------------------------------------------
    def _check_channel(self, channel: int) -> None:
        count = len(self.info.channels) if self.info else 0
        if not 1 <= channel <= count:
            raise UserInputError(f"channel {channel} does not exist (device has {count})")

    def _acked(self, message: Message, *, retriable: bool) -> Ack:
        response = self._request(message, retriable=retriable, timeout_s=self.request_timeout_s)
        if isinstance(response, Nak):
            raise nak_error(message, response)
        if not isinstance(response, Ack):
            raise ProtocolError(f"unexpected answer {response!r}")
        return response

    def _request(self, message: Message, *, retriable: bool, timeout_s: float) -> Message:
        pending = self._core.submit(message, retriable=retriable, timeout_s=timeout_s)
        self._runner.request_queued()
        attempts = self._core.max_attempts if retriable else 1
        self._runner.wait_done(pending, timeout_s * attempts + 0.5)
        if pending.error is not None:
            raise pending.error
        if pending.response is None:
            raise DeviceTimeout(f"no answer to {type(message).__name__.upper()}")
        return pending.response

    def _mismatch(self, request: Message, ack: Ack) -> None:
        error = ProtocolError(f"the device applied {ack.applied!r} for {request!r}; output stopped")
        self._core.fail(error)
        raise error
