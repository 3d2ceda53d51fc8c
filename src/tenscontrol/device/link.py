"""The protocol engine of the host side: sequence ids, pending requests, retries,
heartbeats, telemetry, and detection of a failed link.

Two ways to run it; other threads only :meth:`LinkCore.submit` requests and wait on them:

* one owner thread calls :meth:`LinkCore.service` (send, heartbeat, one read, expire) in a
  loop; the manual pump of virtual-time runs does this;
* a reader thread loops on :meth:`LinkCore.service_in` (reads and dispatches) and a writer
  thread on :meth:`LinkCore.service_out` and :meth:`LinkCore.wait_for_work` (requests,
  heartbeats, expiries), after :meth:`LinkCore.enable_wakeups`. The writer never touches
  the port's input, so a heartbeat never waits behind a read: on Linux a ``select`` or
  ``read`` on a tty with no input yet waits, uninterruptibly, for the kernel worker that
  moves received bytes into the line discipline (``n_tty_poll`` -> ``flush_work``), and
  that worker is an ordinary task any busy process can keep off the CPU (measured: the I/O
  thread stuck there for 10-50 ms at a time with four CPU burners on two cores).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from collections import deque
from dataclasses import dataclass, field

from tenscontrol.clock import Clock
from tenscontrol.device.state import DeviceEvent, LinkFailed, LinkStats, Subscriber, TelemetrySample
from tenscontrol.errors import (
    DeviceFault,
    DeviceRebooted,
    DeviceTimeout,
    HostStarved,
    LinkTooNoisy,
    PortLost,
    ProtocolError,
    TensError,
    WatchdogTripped,
)
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    Boot,
    Fault,
    Frame,
    FrameDecoder,
    FrameFault,
    Heartbeat,
    Identity,
    Message,
    MsgType,
    Nak,
    Start,
    Stop,
    Telemetry,
    decode_message,
    encode_frame,
    encode_message,
    encode_payload,
    message_type,
)
from tenscontrol.transport.ports import PORT_ERRORS, Port
from tenscontrol.transport.trace import FrameTracer

log = logging.getLogger(__name__)

#: Faults that end a session (lead-off does not: the session handles it per channel).
FATAL_FAULTS = Fault.OVER_DELIVERY | Fault.OVER_CURRENT | Fault.LOW_BATTERY | Fault.INTERNAL
#: Link too noisy: this many dropped frames among the last 200 received.
NOISE_MAX_DROPPED = 50
#: The device pushes telemetry every 50 ms; this long without any frame means it is gone.
SILENCE_LIMIT_S = 1.0
#: Heartbeats that may time out in a row before the link counts as failed: at 100 ms a
#: beat, six span more than the 500 ms watchdog, and on a link losing 5 % of frames six in
#: a row happen about once in 3,000 hours of use, where three happen every half hour.
HEARTBEAT_MISSES = 6
#: Shortest read wait when the next heartbeat or deadline is nearer than the port's
#: timeout, seconds: the same floor as the manual pump's, so virtual time always moves.
MIN_READ_WAIT_S = 0.0005
#: How far back a watchdog trip looks for a gap between this host's own frames, seconds:
#: the telemetry that reports the trip arrives within a few frames of it.
STARVED_LOOKBACK_S = 2.0
#: Gaps between sent frames longer than this (s) are kept for that look back (rare: the
#: heartbeat sends a frame every 100 ms).
_LONG_GAP_S = 0.25
_NEVER = float("inf")
#: The fault bits the telemetry check looks at, as plain ints (no flag arithmetic per frame).
_HOST_LOST = int(Fault.HOST_LOST)
_FATAL = int(FATAL_FAULTS)


@dataclass(eq=False)
class Pending:
    """One request in flight. ``done`` is set once ``response`` or ``error`` is filled."""

    seq: int
    message: Message
    retriable: bool
    timeout_s: float
    wire: bytes = b""
    attempts: int = 0
    sent_at: float = 0.0
    deadline: float = 0.0
    response: Message | None = None
    error: TensError | None = None
    done: threading.Event = field(default_factory=threading.Event)


class LinkCore:
    """Owns the decoder and the table of pending requests. Not a thread itself: run by one
    owner thread (:meth:`service`) or by a reader and a writer thread (see the module)."""

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
        self.max_attempts = max_attempts
        self.tracer = tracer
        self.stats = LinkStats()
        self.failure: TensError | None = None
        self.failed = threading.Event()  # set with ``failure``, so waiters wake at once
        self.latest: TelemetrySample | None = None
        self.established = False  # after the handshake a BOOT means the device reset
        self.armed = False  # between an ACKed START and an ACKed STOP
        self.heartbeats = False  # send heartbeats while True
        self._decoder = FrameDecoder()
        self._lock = threading.RLock()  # re-entrant: stop() may run in a signal handler
        self._seq = 0
        self._outbox: deque[Pending] = deque()
        self._priority: deque[Pending] = deque()
        self._pending: dict[int, Pending] = {}
        # Replaced whole (under the lock) on every change, so the owner thread reads it
        # without the lock for each telemetry frame.
        self._subscribers: tuple[Subscriber, ...] = ()
        self._last_sent = clock.monotonic()
        self._last_frame = clock.monotonic()
        #: The watchdog asked for in the last START sent (s), for telling a host that did
        #: not run (HostStarved) from a link or device problem when the watchdog trips.
        self._watchdog_s: float | None = None
        #: Longest gap between two frames sent while the link was sound, seconds.
        self.longest_send_gap_s = 0.0
        self._long_gaps: deque[tuple[float, float]] = deque()  # (ended at, gap) in seconds
        self._heartbeat_misses = 0
        self._telemetry_seq: int | None = None
        # Wakes a writer thread in wait_for_work(): a pipe, because submit() may run in a
        # signal handler, which must not take a lock the interrupted code may hold.
        self._wake_r: int | None = None
        self._wake_w: int | None = None

    # --- called from any thread ------------------------------------------------------
    def submit(
        self, message: Message, *, retriable: bool, timeout_s: float, priority: bool = False
    ) -> Pending:
        """Queue a request; the owner thread sends it. STOP is always accepted."""
        with self._lock:
            port_gone = isinstance(self.failure, PortLost)
            if self.failure is not None and (port_gone or not isinstance(message, Stop)):
                pending = Pending(-1, message, retriable, timeout_s)
                pending.error = self.failure
                pending.done.set()
                return pending
            pending = self._numbered(message, retriable, timeout_s)
            (self._priority if priority else self._outbox).append(pending)
        self.wake()
        return pending

    def wake(self) -> None:
        """Wake the writer thread now (any thread, or a signal handler; no-op without
        :meth:`enable_wakeups`)."""
        fd = self._wake_w
        if fd is not None:
            with contextlib.suppress(OSError):  # full: a wake-up is pending; closed: done
                os.write(fd, b"\x00")

    def _numbered(self, message: Message, retriable: bool, timeout_s: float) -> Pending:
        with self._lock:
            pending = Pending(self._seq, message, retriable, timeout_s)
            self._seq = (self._seq + 1) & 0xFFFF
            return pending

    def subscribe(self, callback: Subscriber) -> None:
        """Call ``callback`` (in the owner thread) for every telemetry sample and failure."""
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        """Stop calling ``callback``."""
        with self._lock:
            if callback in self._subscribers:
                subscribers = list(self._subscribers)
                subscribers.remove(callback)
                self._subscribers = tuple(subscribers)

    def enable_wakeups(self) -> None:
        """Before a writer thread starts: let :meth:`submit` wake :meth:`wait_for_work`."""
        if self._wake_w is None:
            self._wake_r, self._wake_w = os.pipe()
            for fd in (self._wake_r, self._wake_w):
                os.set_blocking(fd, False)

    def close(self) -> None:
        """Release the wake-up pipe once no thread runs the link any more. Idempotent."""
        fds, self._wake_r, self._wake_w = (self._wake_r, self._wake_w), None, None
        for fd in fds:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    # --- owner thread only ------------------------------------------------------------
    def service(self) -> None:
        """Send what is queued, keep the heartbeat, read and dispatch what arrived (one
        port read, bounded by the port's timeout and by the next heartbeat or deadline),
        expire deadlines."""
        if self.failure is not None and self.port_lost:
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
        fd = self._wake_r
        if fd is None:
            raise RuntimeError("enable_wakeups() first")
        wait = min(longest_s, self.next_wakeup() - self.clock.monotonic())
        if wait > 0:
            with contextlib.suppress(OSError):  # closed under us while closing
                select.select([fd], [], [], wait)
        with contextlib.suppress(OSError):  # BlockingIOError once drained
            while os.read(fd, 256):
                pass

    def _port_error(self, error: BaseException) -> None:
        self.fail(PortLost(f"the port went away: {error}", hint="was the device unplugged?"))

    @property
    def port_lost(self) -> bool:
        """True once the port went away: nothing more can be sent or received."""
        return isinstance(self.failure, PortLost)

    def next_wakeup(self) -> float:
        """Monotonic time by which :meth:`service` should run again."""
        with self._lock:
            queued = bool(self._priority or self._outbox)
            due = self.heartbeats and self.failure is None
            soon = self._last_sent + self.heartbeat_period_s if due else _NEVER
            for pending in self._pending.values():
                if pending.deadline < soon:
                    soon = pending.deadline
        if queued:
            return self.clock.monotonic()
        return soon

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
        self._decoder = FrameDecoder()

    def fail(self, error: TensError) -> None:
        """Record the first fatal failure, fail every pending request, tell subscribers,
        and (unless the port is gone) ask the device for 0 with a priority STOP."""
        with self._lock:
            if self.failure is not None:
                return
            self.failure = error
            self.failed.set()
            waiting = [*self._pending.values(), *self._outbox, *self._priority]
            self._outbox.clear()
            if isinstance(error, PortLost):
                self._priority.clear()
            port_gone = isinstance(error, PortLost)
            for pending in waiting:
                if port_gone or not isinstance(pending.message, Stop):
                    self._pending.pop(pending.seq, None)
                    pending.error = error
                    pending.done.set()
            subscribers = self._subscribers
        log.warning("link failed: %s", error)
        if not isinstance(error, PortLost) and not self._stop_in_flight():
            self.submit(Stop(), retriable=True, timeout_s=0.1, priority=True)
        self._notify(subscribers, LinkFailed(self.clock.monotonic(), error))

    def _stop_in_flight(self) -> bool:
        with self._lock:
            return any(
                isinstance(p.message, Stop) for p in (*self._priority, *self._pending.values())
            )

    def _send_queued(self) -> None:
        if not (self._priority or self._outbox):
            return  # (read without the lock: a request queued meanwhile goes next time)
        while True:
            with self._lock:
                queue = self._priority or self._outbox
                if not queue:
                    return
                pending = queue.popleft()
            self._transmit(pending)

    def _transmit(self, pending: Pending) -> None:
        if not pending.wire:
            pending.wire = encode_message(pending.message, pending.seq)
        now = self.clock.monotonic()
        pending.attempts += 1
        pending.sent_at = now
        pending.deadline = now + pending.timeout_s
        with self._lock:
            self._pending[pending.seq] = pending
        self.port.write(pending.wire)
        if self.failure is None:
            self._note_gap(now - self._last_sent, now)
        self._last_sent = now
        if isinstance(pending.message, Start):
            self._watchdog_s = pending.message.watchdog_ms / 1_000
        self.stats.frames_out += 1
        if self.tracer:
            self.tracer.record(">", pending.wire, _frame_of(pending))

    def _heartbeat_if_due(self) -> None:
        if not self.heartbeats or self.failure is not None:
            return
        if self.clock.monotonic() - self._last_sent < self.heartbeat_period_s:
            return
        # A heartbeat goes out every period even while earlier ones are unanswered: one
        # lost frame must not silence the host for a whole request timeout.
        self._transmit(self._numbered(Heartbeat(), retriable=False, timeout_s=0.25))

    def _note_gap(self, gap: float, now: float) -> None:
        """Keep the longest gap between sent frames, and the recent long ones (``gap`` in
        seconds, ended at clock time ``now``)."""
        if gap > self.longest_send_gap_s:
            self.longest_send_gap_s = gap
        if gap > _LONG_GAP_S:
            self._long_gaps.append((now, gap))
            while self._long_gaps and self._long_gaps[0][0] < now - STARVED_LOOKBACK_S:
                self._long_gaps.popleft()

    def _recent_send_gap(self) -> float:
        """Longest gap (s) between two frames sent in the last :data:`STARVED_LOOKBACK_S`,
        counting the time since the last one."""
        now = self.clock.monotonic()
        gaps = tuple(self._long_gaps)  # one C-level copy: the writer thread may append
        recent = [gap for end, gap in gaps if end >= now - STARVED_LOOKBACK_S]
        return max([now - self._last_sent, *recent])

    def _read(self, *, until_due: bool) -> None:
        data = self._read_some(until_due=until_due)
        if not data:
            if self.established and self.clock.monotonic() - self._last_frame > SILENCE_LIMIT_S:
                self.fail(
                    DeviceTimeout(
                        f"no frame from the device for {SILENCE_LIMIT_S:.1f} s",
                        hint="check the cable; the device's watchdog has zeroed output",
                    )
                )
            return
        for item in self._decoder.feed(data):
            if self.tracer:
                wire = b"" if isinstance(item, FrameFault) else _wire_of(item)
                self.tracer.record("<", wire, item)
            if isinstance(item, FrameFault):
                self.stats.frame(ok=False)
                self._check_noise()
                continue
            self._last_frame = self.clock.monotonic()
            self._dispatch(item)

    def _read_some(self, *, until_due: bool) -> bytes:
        """What the port has, waiting for it at most the port's timeout and, if
        ``until_due``, at most until the next heartbeat or deadline falls due.

        The second bound is for a single owner thread reading with a fixed timeout (50 ms):
        without it a heartbeat due just after a read began went out when that read
        returned, up to 50 ms late (gaps between frames of 150 ms where 100 ms was meant,
        measured over a pty).
        """
        port = self.port
        timeout = port.timeout
        wait = _NEVER
        if until_due:
            wait = max(self.next_wakeup() - self.clock.monotonic(), MIN_READ_WAIT_S)
        if waiting := port.in_waiting:
            data = port.read(waiting)
        elif wait >= (_NEVER if timeout is None else timeout):
            data = port.read(1)
        else:
            port.timeout = wait  # pyserial: no tcsetattr when only the timeout changes
            try:
                data = port.read(1)
            finally:
                port.timeout = timeout
        if data and (more := port.in_waiting):
            data += port.read(more)  # the rest of a frame that began arriving
        return data

    def _check_noise(self) -> None:
        dropped, _total = self.stats.recent_error_count()
        if dropped >= NOISE_MAX_DROPPED and self.established:
            self.fail(
                LinkTooNoisy(
                    f"{dropped} of the last 200 frames from the device were corrupt",
                    hint="use a shorter or better USB cable, away from mains leads",
                )
            )

    def _dispatch(self, frame: Frame) -> None:
        if frame.version != PROTOCOL_MAJOR:
            self.stats.frame(ok=False)
            return
        try:
            message = decode_message(frame)
        except ProtocolError as error:
            log.debug("unreadable frame: %s", error)
            self.stats.frame(ok=False)
            self._check_noise()
            return
        self.stats.frame(ok=True)
        if isinstance(message, Telemetry):
            self._on_telemetry(frame.seq, message)
        elif isinstance(message, Boot):
            if self.established:
                self.fail(
                    DeviceRebooted(
                        f"the device restarted ({message.reason.name.lower()}); output is 0",
                        hint="check the battery and the cable, then start a new session",
                    )
                )
        elif isinstance(message, Identity | Ack | Nak):
            self._on_response(frame.seq, message)

    def _on_response(self, seq: int, message: Identity | Ack | Nak) -> None:
        with self._lock:
            pending = self._pending.get(seq)
            if pending is None or not _answers(pending.message, message):
                log.debug("response seq=%d matches no request (late or stale)", seq)
                return
            del self._pending[seq]
            if isinstance(pending.message, Heartbeat):
                self._heartbeat_misses = 0  # under the lock: the writer thread counts misses
        self.stats.rtt(self.clock.monotonic() - pending.sent_at)
        pending.response = message
        pending.done.set()

    def _on_telemetry(self, seq: int, telemetry: Telemetry) -> None:
        if self._telemetry_seq is not None:
            gap = (seq - self._telemetry_seq - 1) & 0xFFFF
            if gap < 0x8000:
                self.stats.telemetry_lost += gap
        self._telemetry_seq = seq
        self.stats.device_frame_errors = telemetry.frame_errors
        sample = TelemetrySample(self.clock.monotonic(), seq, telemetry)
        self.latest = sample
        faults = int(telemetry.faults) if self.armed else 0
        if faults & _HOST_LOST:
            self.fail(self._watchdog_error())
        elif faults & _FATAL:
            names = tuple(f.name or "" for f in Fault if f & FATAL_FAULTS & telemetry.faults)
            self.fail(DeviceFault(f"the device latched {', '.join(names)}", faults=names))
        self._notify(self._subscribers, sample)

    def _watchdog_error(self) -> WatchdogTripped:
        """The device reported HOST_LOST: :class:`HostStarved` when this host itself sent
        nothing for a watchdog period just before (it did not get to run), otherwise
        :class:`WatchdogTripped` (frames were sent in time: lost on the way, or late)."""
        gap = self._recent_send_gap()
        gap_ms = round(gap * 1_000)
        if self._watchdog_s is not None and gap >= self._watchdog_s:
            return HostStarved(
                f"the device's watchdog expired: this computer did not run the controller "
                f"for {gap_ms} ms (watchdog {self._watchdog_s * 1_000:.0f} ms); output is 0",
                gap_ms=gap_ms,
                hint="the computer was overloaded or suspended; close other programs",
            )
        return WatchdogTripped(
            f"the device's watchdog expired: it stopped hearing this host (longest gap "
            f"between frames sent {gap_ms} ms); output is 0",
            hint="the computer may be overloaded, or the link unreliable",
        )

    def _notify(self, subscribers: tuple[Subscriber, ...], event: DeviceEvent) -> None:
        for callback in subscribers:
            try:
                callback(event)
            except Exception:  # a broken listener must not stop the link
                log.exception("telemetry subscriber failed")

    def _expire(self) -> None:
        if not self._pending and self._heartbeat_misses < HEARTBEAT_MISSES:
            return  # nothing in flight: nothing can expire (the common case)
        now = self.clock.monotonic()
        resend: list[Pending] = []
        with self._lock:
            for pending in [p for p in self._pending.values() if now >= p.deadline]:
                if pending.retriable and pending.attempts < self.max_attempts:
                    resend.append(pending)
                    continue
                del self._pending[pending.seq]
                self.stats.timeouts += 1
                pending.error = DeviceTimeout(
                    f"no answer to {message_type(pending.message).name} (seq {pending.seq}) "
                    f"after {pending.attempts} attempt(s)"
                )
                pending.done.set()
                if isinstance(pending.message, Heartbeat):
                    self._heartbeat_misses += 1
        for pending in resend:
            self.stats.retries += 1
            try:
                self._transmit(pending)
            except PORT_ERRORS as error:
                self._port_error(error)
        if self._heartbeat_misses >= HEARTBEAT_MISSES:
            self.fail(DeviceTimeout(f"{HEARTBEAT_MISSES} heartbeats in a row went unanswered"))


def _answers(request: Message, response: Identity | Ack | Nak) -> bool:
    expected = message_type(request)
    if isinstance(response, Identity):
        return expected is MsgType.HELLO
    return bool(response.request_type == expected)


def _wire_of(frame: Frame) -> bytes:
    return encode_frame(frame.version, frame.msg_type, frame.seq, frame.payload)


def _frame_of(pending: Pending) -> Frame:
    message = pending.message
    return Frame(PROTOCOL_MAJOR, message_type(message), pending.seq, encode_payload(message))
