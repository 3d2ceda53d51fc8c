"""The owner of the port: sends what the request table hands out, keeps the heartbeat,
reads and dispatches frames, and notices a failed link.

The bookkeeping lives elsewhere, pure: :class:`~tenscontrol.device.requests.RequestTable`
(sequence ids, queues, retries, expiry),
:class:`~tenscontrol.device.receiver.FrameReceiver` (bytes in to messages, dropped frames),
:class:`~tenscontrol.device.sender.FrameSender` (requests to bytes, the record of frames sent),
:class:`~tenscontrol.device.telemetry_monitor.TelemetryMonitor` (lost frames, faults that
end the link), :mod:`~tenscontrol.device.link_health` (noise, silence, missed heartbeats).
Other threads only :meth:`LinkCore.submit` requests and wait on them. Run by one owner
thread calling :meth:`LinkCore.service` (the manual pump), or by a reader thread on
:meth:`LinkCore.service_in` and a writer thread on :meth:`LinkCore.service_out`, which
never touches the port's input (see :mod:`tenscontrol.device.runners` for why).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from tenscontrol.clock import Clock
from tenscontrol.device.link_health import HeartbeatMisses, telemetry_silence_error
from tenscontrol.device.port_read import read_some
from tenscontrol.device.receiver import FrameReceiver
from tenscontrol.device.requests import Pending, RequestTable
from tenscontrol.device.sender import FrameSender
from tenscontrol.device.state import (
    LinkFailed,
    LinkStats,
    Subscriber,
    Subscribers,
    TelemetrySample,
)
from tenscontrol.device.stop_check import StopCheck
from tenscontrol.device.telemetry_monitor import (
    FaultVerdict,
    TelemetryMonitor,
    fatal_fault_error,
)
from tenscontrol.errors import DeviceRebooted, PortLost, TensError
from tenscontrol.protocol import (
    Ack,
    Boot,
    Heartbeat,
    Identity,
    Message,
    Nak,
    Stop,
    Telemetry,
)
from tenscontrol.transport.ports import PORT_ERRORS, Port
from tenscontrol.transport.trace import FrameTracer
from tenscontrol.waker import Waker

log = logging.getLogger(__name__)

#: Shortest read wait when the next heartbeat or deadline is nearer than the port's
#: timeout, seconds: the same floor as the manual pump's, so virtual time always moves.
MIN_READ_WAIT_S = 0.0005
_NEVER = float("inf")


class LinkCore:
    """Owns the port and the heartbeat. Not a thread itself: run by one owner
    thread (:meth:`service`) or by a reader and a writer thread (see the module)."""

    def __init__(
        self,
        port: Port,
        clock: Clock,
        *,
        heartbeat_period_s: float,
        max_attempts: int = 3,
        tracer: FrameTracer | None = None,
    ) -> None:
        self.port = port
        self.clock = clock
        self.heartbeat_period_s = heartbeat_period_s
        self.requests = RequestTable(max_attempts)
        self.monitor = TelemetryMonitor()
        self.stats = LinkStats()
        self.tracer = tracer  # may be set or replaced at any time
        self.failure: TensError | None = None
        self.failed = threading.Event()  # set with ``failure``, so waiters wake at once
        self.latest: TelemetrySample | None = None
        self.established = False  # after the handshake a BOOT means the device reset
        self.heartbeats = False  # send heartbeats while True
        #: Called (in the reading thread) after each batch of frames handled and on a
        #: failure: lets whoever waits for the device look again. Must not block.
        self.on_activity: Callable[[], None] | None = None
        self._lock = threading.RLock()  # re-entrant: fail() may run in a signal handler
        self._subscribers = Subscribers()
        self._sender = FrameSender(clock.monotonic(), self.stats)
        self._receiver = FrameReceiver(clock, self.stats)
        self._misses = HeartbeatMisses()
        self._writer_waker: Waker | None = None
        #: The STOP confirmation being waited for (None when nobody waits): judged by the
        #: first telemetry frame after a STOP's ACK, in the reading thread.
        self._stop_check: StopCheck | None = None
        #: When the last TELEMETRY arrived (driver clock, s): while RUNNING, telemetry that
        #: stops while answers still come fails the link (Host duties: lost telemetry).
        self._telemetry_at = clock.monotonic()

    @property
    def max_attempts(self) -> int:
        """Attempts a retriable request gets before it times out."""
        return self.requests.max_attempts

    @property
    def armed(self) -> bool:
        """True between an acknowledged START and an acknowledged STOP (faults count)."""
        return self.monitor.armed

    @armed.setter
    def armed(self, value: bool) -> None:
        self.monitor.armed = value

    @property
    def foreign_version(self) -> int | None:
        """The version byte of the last frame received in another protocol version."""
        return self._receiver.foreign_version

    @property
    def longest_send_gap_s(self) -> float:
        """Longest gap between two frames sent while the link was sound, seconds."""
        return self._sender.gaps.longest_s

    # --- called from any thread ------------------------------------------------------
    def submit(
        self, message: Message, *, retriable: bool, timeout_s: float, priority: bool = False
    ) -> Pending:
        """Queue a request; the sending thread sends it. STOP is always accepted while
        the port is there."""
        with self._lock:  # so fail() cannot run between the check and the queueing
            failure = self.failure
            gone = isinstance(failure, PortLost)
            if failure is not None and (gone or not isinstance(message, Stop)):
                return RequestTable.refused(message, failure, timeout_s=timeout_s)
            pending = self.requests.submit(
                message, retriable=retriable, timeout_s=timeout_s, priority=priority
            )
        self.wake()
        return pending

    def wake(self) -> None:
        """Wake the writer thread now (any thread, or a signal handler; no-op without
        :meth:`enable_wakeups`)."""
        waker = self._writer_waker
        if waker is not None:
            waker.wake()

    def subscribe(self, callback: Subscriber) -> None:
        """Call ``callback`` (in the reading thread) for every telemetry sample and failure."""
        self._subscribers.add(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        """Stop calling ``callback``."""
        self._subscribers.remove(callback)

    def watch_stop(self) -> StopCheck:
        """Before submitting a STOP: a check that the first telemetry frame after the next
        STOP ACK will judge (it replaces any earlier one). Any thread."""
        check = StopCheck()
        self._stop_check = check
        if self.port_lost:
            check.lost()
        return check

    def enable_wakeups(self) -> None:
        """Before a writer thread starts: let :meth:`submit` wake :meth:`wait_for_work`."""
        if self._writer_waker is None:
            self._writer_waker = Waker()

    def close(self) -> None:
        """Release the writer's wake-up once no thread runs the link any more. Idempotent."""
        waker, self._writer_waker = self._writer_waker, None
        if waker is not None:
            waker.close()

    # --- the owner thread (manual mode) ------------------------------------------------
    def service(self) -> None:
        """Send what is queued, keep the heartbeat, read and dispatch what arrived (one
        port read, bounded by the port's timeout and by the next heartbeat or deadline),
        expire deadlines."""
        if self.port_lost:
            return
        try:
            self._send_queued()
            self._heartbeat_if_due()
            self._read(until_due=True)
        except PORT_ERRORS as error:
            self._port_error(error)
        self._expire()

    # --- reader and writer threads ------------------------------------------------------
    def service_in(self) -> None:
        """Reader thread: one port read (bounded by the port's timeout) and dispatch."""
        if self.port_lost:
            return
        try:
            self._read(until_due=False)
        except PORT_ERRORS as error:
            self._port_error(error)

    def service_out(self) -> None:
        """Writer thread: send what is queued, keep the heartbeat, expire deadlines. Never
        reads the port."""
        if self.port_lost:
            return
        try:
            self._send_queued()
            self._heartbeat_if_due()
        except PORT_ERRORS as error:
            self._port_error(error)
        self._expire()

    def wait_for_work(self, longest_s: float) -> None:
        """Writer thread: wait until a request is submitted, the next heartbeat or deadline
        falls due, or ``longest_s`` seconds pass (real time)."""
        waker = self._writer_waker
        if waker is None:
            raise RuntimeError("enable_wakeups() first")
        wait = min(longest_s, self.next_wakeup() - self.clock.monotonic())
        if wait > 0:
            waker.wait(wait)

    # --- state ------------------------------------------------------------------------
    @property
    def port_lost(self) -> bool:
        """True once the port went away: nothing more can be sent or received."""
        return isinstance(self.failure, PortLost)

    def next_wakeup(self) -> float:
        """Clock time (s) by which the sending side should run again."""
        if self.requests.queued:
            return self.clock.monotonic()
        due = self.heartbeats and self.failure is None
        soon = self._sender.gaps.last_sent + self.heartbeat_period_s if due else _NEVER
        return self.requests.earliest_deadline(soon)

    def send_raw(self, data: bytes) -> None:
        """Write bytes that are not a request (the lone delimiter that flushes a receiver)."""
        self.port.write(data)
        self.port.flush()

    def drain_input(self, quiet_s: float) -> None:
        """Discard stale input: read until nothing arrives for about ``quiet_s`` seconds."""
        self.port.reset_input_buffer()
        deadline = self.clock.monotonic() + quiet_s
        while self.clock.monotonic() < deadline:
            if not self.port.read(max(1, self.port.in_waiting)):
                break
        self._receiver.reset()

    def fail(self, error: TensError) -> None:
        """Record the first fatal failure, fail every pending request, tell subscribers,
        and (unless the port is gone) ask the device for 0 with a priority STOP."""
        port_gone = isinstance(error, PortLost)
        with self._lock:
            if self.failure is not None:
                return
            self.failure = error
            self.failed.set()
            self.requests.fail_all(error, keep_stops=not port_gone)
            subscribers = self._subscribers.current
        log.warning("link failed: %s", error)
        check = self._stop_check
        if port_gone and check is not None:
            check.lost()
        if not port_gone and not self.requests.stop_in_flight():
            self.submit(Stop(), retriable=True, timeout_s=0.1, priority=True)
        Subscribers.notify(subscribers, LinkFailed(self.clock.monotonic(), error))
        self._activity()

    # --- sending ------------------------------------------------------------------------
    def _port_error(self, error: BaseException) -> None:
        self.fail(PortLost(f"the port went away: {error}", hint="was the device unplugged?"))

    def _send_queued(self) -> None:
        requests = self.requests
        if not requests.queued:
            return
        while (pending := requests.next_to_send()) is not None:
            self._transmit(pending)

    def _transmit(self, pending: Pending) -> None:
        wire = self._sender.wire(pending)
        now = self.clock.monotonic()
        self.requests.sent(pending, now)
        self.port.write(wire)
        self._sender.sent(pending, now, counted=self.failure is None, tracer=self.tracer)

    def _heartbeat_if_due(self) -> None:
        if not self.heartbeats or self.failure is not None:
            return
        if self.clock.monotonic() - self._sender.gaps.last_sent < self.heartbeat_period_s:
            return
        # A heartbeat goes out every period even while earlier ones are unanswered: one
        # lost frame must not silence the host for a whole request timeout.
        self._transmit(self.requests.new(Heartbeat(), retriable=False, timeout_s=0.25))

    def _expire(self) -> None:
        if not self.requests.in_flight and not self._misses.failing:
            return  # nothing in flight: nothing can expire (the common case)
        resend, given_up = self.requests.expire(self.clock.monotonic())
        self.stats.timeouts += len(given_up)
        too_many = self._misses.missed(sum(isinstance(p.message, Heartbeat) for p in given_up))
        for pending in resend:
            self.stats.retries += 1
            try:
                self._transmit(pending)
            except PORT_ERRORS as error:
                self._port_error(error)
        if too_many is not None:
            self.fail(too_many)

    # --- receiving ----------------------------------------------------------------------
    def _read(self, *, until_due: bool) -> None:
        # One owner thread bounds its read by the next heartbeat or deadline; a reader
        # thread waits the port's timeout (the writer sends on time regardless).
        wait = None
        if until_due:
            wait = max(self.next_wakeup() - self.clock.monotonic(), MIN_READ_WAIT_S)
        data = read_some(self.port, wait)
        receiver = self._receiver
        if not data:
            silent = receiver.silence()
            if silent is not None and self.established:
                self.fail(silent)
            return
        for received in receiver.feed(data, self.tracer):
            if received is not None:
                self._dispatch(received.seq, received.message)
                continue
            # A frame that could not be used (counted): fail a link that drops too many.
            noisy = receiver.noise()
            if noisy is not None and self.established:
                self.fail(noisy)
        if self.monitor.armed and self.established and self.failure is None:
            quiet = telemetry_silence_error(self.clock.monotonic() - self._telemetry_at)
            if quiet is not None:
                self.fail(quiet)
        self._activity()

    def _dispatch(self, seq: int, message: Message) -> None:
        if isinstance(message, Telemetry):
            self._on_telemetry(seq, message)
        elif isinstance(message, Boot):
            if self.established:
                self.fail(
                    DeviceRebooted(
                        f"the device restarted ({message.reason.name.lower()}); output is 0",
                        hint="check the battery and the cable, then start a new session",
                    )
                )
        elif isinstance(message, Identity | Ack | Nak):
            self._on_response(seq, message)

    def _on_response(self, seq: int, message: Identity | Ack | Nak) -> None:
        pending = self.requests.answered(seq, message)
        if pending is None:
            log.debug("response seq=%d matches no request (late or stale)", seq)
            return
        if isinstance(pending.message, Heartbeat):
            self._misses.answered()
        self.stats.rtt(self.clock.monotonic() - pending.sent_at)
        check = self._stop_check
        if check is not None and isinstance(pending.message, Stop) and isinstance(message, Ack):
            check.acked()  # before finish(): the waiter then waits for the next telemetry
        pending.finish(response=message)

    def _on_telemetry(self, seq: int, telemetry: Telemetry) -> None:
        monitor = self.monitor
        verdict = monitor.observe(seq, telemetry)
        self.stats.telemetry_lost = monitor.lost
        self.stats.device_frame_errors = telemetry.frame_errors
        sample = TelemetrySample(self.clock.monotonic(), seq, telemetry)
        self.latest = sample
        self._telemetry_at = sample.at
        check = self._stop_check
        if check is not None:
            check.observe(telemetry)
        if verdict is FaultVerdict.HOST_LOST:
            self.fail(self._sender.watchdog_error(self.clock.monotonic()))
        elif verdict is FaultVerdict.FATAL:
            self.fail(fatal_fault_error(telemetry))
        elif verdict is FaultVerdict.RESET and self.established:
            self.fail(
                DeviceRebooted(
                    "the device restarted without saying so (its telemetry shows it idle or "
                    "its uptime went back); output is 0",
                    hint="check the battery and the cable, then start a new session",
                )
            )
        Subscribers.notify(self._subscribers.current, sample)

    def _activity(self) -> None:
        callback = self.on_activity
        if callback is not None:
            callback()
