"""The session engine: runs a profile on a connected device, under the limit chain.

Threading and waiting model:

* :meth:`SessionEngine.run` runs in the caller's thread and owns every piece of session
  state; nothing else mutates it. Setpoints are computed at absolute due times
  ``t0 + n x period`` (no drift); a late tick skips to the next due time, never bursts.
  Every enabled channel's setpoint is computed on every tick and sent when it differs from
  the one in force (the device holds a setpoint; the driver's heartbeat keeps the watchdog
  fed), so a steady phase does not flood the link and a modulated one streams at 10 Hz.
* Other threads and signal handlers only *ask*: :meth:`request_stop` sets a flag and wakes
  the engine (from another thread, with a threaded driver, it also sends the driver's
  priority STOP itself, so a request in flight cannot delay the zero); commands (up,
  down, set, pause, resume) go through a ``queue.SimpleQueue``
  (reentrant, signal-safe ``put``). The device's subscriber only appends to a deque.
* Between due times the engine waits interruptibly: with a threaded driver on a
  :class:`~tenscontrol.session.signals.Waker` (``select`` on a socket pair; a stop, a command or a
  telemetry frame wakes it at once); with a manually pumped driver (virtual time) by
  ``device.wait(until=...)``, which pumps the link and returns at the first frame that
  leaves work for the engine (a telemetry frame: every 50 ms of device time), a command
  or a stop.
* Safety reactions do not wait for a tick: a lead-off zeroes its channel, an over-delivery
  or a fatal link error stops the device, a pause or a lower intensity is sent at once.

Stop paths (each ends with output 0, confirmed by STOP where the device is still there,
and a reason in the log and the result): natural end ("completed", after the ramp-down),
:meth:`request_stop` ("user" or the given reason), SIGINT/SIGTERM via
:func:`~tenscontrol.session.signals.stop_on_signals` ("signal"), a safety trip or device
fault ("fault"), a lost device ("device_lost": unplugged, rebooted, watchdog, noisy link;
never resumed), and any other exception ("error").
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from tenscontrol import hard_limits as hl
from tenscontrol.clock import Clock
from tenscontrol.device import DeviceEvent, LinkFailed, TensDevice
from tenscontrol.errors import (
    NakError,
    PortLost,
    TensError,
    UserInputError,
)
from tenscontrol.profiles.model import Profile
from tenscontrol.profiles.timeline import Stimulation, Timeline
from tenscontrol.session import index as session_index
from tenscontrol.session.config import UserCaps, load_caps
from tenscontrol.session.events import (
    Event,
    EventCallback,
    SessionResult,
    Snapshot,
    StopReason,
    reason_for,
)
from tenscontrol.session.limits import build_limits
from tenscontrol.session.output import ChannelIO
from tenscontrol.session.paths import config_path
from tenscontrol.session.ramps import ChannelRamp, apply_command
from tenscontrol.session.recorder import Recorder, header, open_recorder
from tenscontrol.session.signals import Waker
from tenscontrol.session.snapshot import SnapshotInputs, build_snapshot

log = logging.getLogger(__name__)

#: Setpoint rate: 10 Hz.
DEFAULT_PERIOD_MS = 100

#: (kind, channel, value in uA, origin).
Command = tuple[str, int | None, int | None, str | None]


class SessionEngine:
    """One session of ``profile`` on a connected ``device``; call :meth:`run` once.

    ``intensities_ua``: channel -> starting target in uA, or None (wait at 0 until raised).
    ``duration_ms``: shorter than the profile's duration, or None for the profile's.
    ``clock`` must be the device's clock (default). ``caps``: user caps (default: read from
    ``config.toml`` in ``data_root``). ``record``: write the session log and index.
    Raises :class:`UserInputError` (or :class:`DoseRefused`) before anything is sent when
    the chain, the duration or the dose check refuse.
    """

    def __init__(
        self,
        profile: Profile,
        device: TensDevice,
        clock: Clock | None = None,
        intensities_ua: dict[int, int | None] | None = None,
        *,
        duration_ms: int | None = None,
        caps: UserCaps | None = None,
        data_root: Path | None = None,
        period_ms: int = DEFAULT_PERIOD_MS,
        record: bool = True,
    ) -> None:
        info = device.info
        if info is None:
            raise UserInputError("connect the device before starting a session")
        limit_ms = min(profile.duration_ms, hl.MAX_SESSION_S * 1_000)
        self.duration_ms = limit_ms if duration_ms is None else duration_ms
        if not 0 < self.duration_ms <= limit_ms:
            raise UserInputError(
                f"session duration {self.duration_ms} ms: must be 1 to {limit_ms} ms "
                f"(the maximum of profile {profile.name})"
            )
        if not 20 <= period_ms <= hl.MAX_HEARTBEAT_PERIOD_MS:
            raise UserInputError(f"setpoint period {period_ms} ms is outside 20-250 ms")
        if profile.soft_start_ms < hl.MIN_SOFT_START_S * 1_000:
            raise UserInputError(f"profile {profile.name}: soft start below the minimum")
        self.profile = profile
        self.device = device
        self.info = info
        self.clock = clock or device.clock
        self.period_ms = period_ms
        self.data_root = data_root
        self.record = record
        self.caps = caps if caps is not None else load_caps(config_path(data_root))
        wanted = intensities_ua or {}
        self.intensities_ua = {c.number: wanted.get(c.number) for c in profile.channels}
        self.limits = build_limits(profile, info, self.caps, dict(wanted))
        self.timeline = Timeline(profile)
        self.channels = tuple(c.number for c in profile.channels)
        self._ramps = {
            n: ChannelRamp(
                n, self.limits.of(n).ceiling_ua, profile.soft_start_ms, self.intensities_ua[n]
            )
            for n in self.channels
        }
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._inbox: deque[DeviceEvent] = deque()
        self._waker = Waker()
        self._stop_reason: StopReason | None = None
        self._stop_detail: dict[str, object] = {}
        self._rec = Recorder(None)
        self._io = ChannelIO(
            self.device,
            self.clock,
            self.limits,
            self._ramps,
            self._rec,
            self._emit,
            self._now_ms,
            lambda: self._stop_reason is not None,
        )
        self._subscribers: list[EventCallback] = []
        self._t0 = 0.0
        self._ran = False
        self._engine_thread: int | None = None
        #: Ticks skipped because the engine was late (never made up in a burst).
        self.skipped_ticks = 0
        self.session_id = ""
        self.warnings: list[str] = []
        self._snapshot = self._make_snapshot("starting", 0, None)

    @property
    def started_monotonic(self) -> float:
        """Clock time of the session's t = 0 (the first due time), seconds."""
        return self._t0

    @property
    def send_lateness_s(self) -> list[float] | None:
        """When set to a list before :meth:`run`: each sent setpoint's lateness, seconds."""
        return self._io.send_lateness_s

    @send_lateness_s.setter
    def send_lateness_s(self, value: list[float] | None) -> None:
        self._io.send_lateness_s = value

    # --- any thread ----------------------------------------------------------------------
    def request_stop(
        self, reason: str = StopReason.USER, detail: Mapping[str, object] | None = None
    ) -> None:
        """Stop now (output 0 at once). Safe from any thread and from a signal handler.

        ``reason`` is a :class:`StopReason` (the first request wins); ``detail`` says what
        exactly happened (``{"signal": "SIGHUP"}``) and goes into the stop and end records.
        From a thread other than the engine's, with a threaded driver, this also sends the
        driver's priority STOP itself, so the stop does not wait for a request the engine
        has in flight, nor for an engine thread that is held up; the engine then ends the
        session as usual (and STOPs again).
        """
        if self._stop_reason is None:
            self._stop_detail = dict(detail or {})
            self._stop_reason = StopReason(reason)
        self._waker.wake()
        engine = self._engine_thread
        if self.device.threaded and engine is not None and threading.get_ident() != engine:
            try:
                self.device.stop()
            except Exception as error:  # the engine's own STOP follows; watchdog backstop
                log.warning("early STOP from request_stop failed: %s", error)

    def up(self, channel: int, *, origin: str | None = None) -> None:
        """One step up on ``channel`` (refused beyond the step rate or the ceiling).

        ``origin`` (any text, e.g. a request id) comes back in the ``command`` or
        ``refused`` event's data, so a caller can tell its answer from another's.
        """
        self._command("up", channel, None, origin)

    def down(self, channel: int, *, origin: str | None = None) -> None:
        """One step down on ``channel`` (never rate-limited); ``origin`` as for :meth:`up`."""
        self._command("down", channel, None, origin)

    def set_intensity(self, channel: int, target_ua: int, *, origin: str | None = None) -> None:
        """Set ``channel``'s target in uA: lower at once, higher through the ramp."""
        self._command("set", channel, target_ua, origin)

    def pause(self, channel: int | None = None) -> None:
        """Output 0 at once on ``channel`` (None: every channel); the target is kept."""
        self._command("pause", channel, None)

    def resume(self, channel: int | None = None) -> None:
        """Back to the kept target through a soft start."""
        self._command("resume", channel, None)

    def snapshot(self) -> Snapshot:
        """The latest state, without blocking."""
        return self._snapshot

    def subscribe(self, callback: EventCallback) -> None:
        """Call ``callback`` for every event (in the engine's thread; keep it short)."""
        self._subscribers.append(callback)

    def _command(
        self, kind: str, channel: int | None, value: int | None, origin: str | None = None
    ) -> None:
        self._commands.put((kind, channel, value, origin))
        self._waker.wake()

    def _on_device_event(self, event: DeviceEvent) -> None:
        self._inbox.append(event)
        if self.device.threaded:  # a manually pumped device runs in the engine's own thread
            self._waker.wake()

    # --- the run -------------------------------------------------------------------------
    def run(self) -> SessionResult:
        """Run the session to its end; returns how it ended (raises nothing for expected
        ends: faults and lost devices are in ``result.error``)."""
        if self._ran:
            raise UserInputError("a session engine runs once; make a new one")
        self._ran = True
        self._engine_thread = threading.get_ident()
        started_wall = self.clock.wall()
        stamp = datetime.fromtimestamp(started_wall, UTC).strftime("%Y%m%dT%H%M%SZ")
        self.session_id = f"{stamp}-{self.profile.name}"
        self._rec = open_recorder(
            self.session_id,
            self.data_root if self.record else None,
            self._subscribers,
            lambda session_id: header(
                session_id=session_id,
                started_wall=started_wall,
                profile=self.profile,
                info=self.info,
                limits=self.limits,
                caps=self.caps,
                intensities_ua=self.intensities_ua,
                duration_ms=self.duration_ms,
                period_ms=self.period_ms,
            ),
            record=self.record,
        )
        self.session_id = self._rec.session_id or self.session_id
        self._io.rec = self._rec
        self._t0 = self._io.t0 = self.clock.monotonic()
        self.device.subscribe(self._on_device_event)
        reason = StopReason.COMPLETED
        error: BaseException | None = None
        try:
            self._check_daily_total(started_wall)
            reason = self._loop()
        except KeyboardInterrupt:
            reason = StopReason.SIGNAL
            self._stop_detail = self._stop_detail or {"signal": "SIGINT"}
        except NakError as exc:
            # a SET queued behind an early STOP is refused (BAD_STATE): the stop's own end
            reason, error = (
                (self._stop_reason, None) if self._stop_reason else (reason_for(exc), exc)
            )
        except BaseException as exc:  # every exception is a stop path
            reason, error = reason_for(exc), exc
            if not isinstance(exc, TensError):
                log.exception("session ended by an unexpected error")
        confirmed = self._halt(reason, error)
        self.device.unsubscribe(self._on_device_event)
        return self._finish(reason, error, confirmed)

    def _loop(self) -> StopReason:
        self._emit("start", None, {"channels": list(self.channels)})
        self.device.start(self.channels)  # output 0 on every channel, watchdog armed
        for n in self.channels:
            self._io.zeroed(n)
            self._ramps[n].start(0)
        tick = 0
        while True:
            self._wait_until(self._t0 + tick * self.period_ms / 1_000)
            self._process()
            if self._stop_reason is not None:
                return self._stop_reason
            t_ms = tick * self.period_ms
            if t_ms >= self.duration_ms:
                return StopReason.COMPLETED
            self._io.due = self._t0 + t_ms / 1_000
            self._tick(t_ms)
            tick += 1
            elapsed = self.clock.monotonic() - self._t0
            if elapsed > tick * self.period_ms / 1_000:  # late: skip to the next due, no burst
                behind = int(elapsed * 1_000) // self.period_ms + 1
                self.skipped_ticks += behind - tick
                tick = behind

    def _wait_until(self, due: float) -> None:
        while True:
            self._process()
            remaining = due - self.clock.monotonic()
            if self._stop_reason is not None or remaining <= 0:
                return
            if self.device.threaded:
                self._waker.wait(remaining)
            else:
                self.device.wait(remaining, until=self._has_work)

    def _has_work(self) -> bool:
        """Something for the engine now: a device event, a command or a stop."""
        return bool(self._inbox) or not self._commands.empty() or self._stop_reason is not None

    def _now_ms(self) -> int:
        return round((self.clock.monotonic() - self._t0) * 1_000)

    # --- events from the device and the user -------------------------------------------
    def _process(self) -> None:
        while self._inbox:
            event = self._inbox.popleft()
            if isinstance(event, LinkFailed):
                raise event.error
            self._io.on_telemetry(event)
        self.device.check()
        changed: set[int] = set()
        while True:
            try:
                kind, channel, value, origin = self._commands.get_nowait()
            except queue.Empty:
                break
            changed |= self._apply(kind, channel, value, origin)
        if changed:
            self._lower_now(changed)

    def _apply(
        self, kind: str, channel: int | None, value: int | None, origin: str | None
    ) -> set[int]:
        tag: dict[str, object] = {} if origin is None else {"origin": origin}
        changed: set[int] = set()
        for n, outcome, data in apply_command(self._ramps, kind, channel, value, self._now_ms()):
            self._emit(outcome, n, {**data, **tag})
            if n in self._ramps:
                changed.add(n)
        return changed

    def _lower_now(self, channels: set[int]) -> None:
        """Send at once any channel whose output must drop (pause, down, lower set-to)."""
        t_ms = min(self._now_ms(), self.duration_ms - 1)
        if t_ms < 0:
            return
        stim = self.timeline.at(t_ms)
        for n in sorted(channels):
            amp = self._ramps[n].amplitude(t_ms, stim.amplitude_permille, self.duration_ms - t_ms)
            last = self._io.sent[n]
            if last is not None and amp < last.amplitude_ua:
                self._io.send(n, amp, stim, t_ms)
        self._refresh_snapshot(t_ms, stim)

    # --- setpoints -----------------------------------------------------------------------
    def _tick(self, t_ms: int) -> None:
        stim = self.timeline.at(t_ms)
        remaining = self.duration_ms - t_ms
        for n in self.channels:
            amp = self._ramps[n].amplitude(t_ms, stim.amplitude_permille, remaining)
            self._io.send(n, amp, stim, t_ms)
        self._refresh_snapshot(t_ms, stim)

    # --- the end -------------------------------------------------------------------------
    def _halt(self, reason: StopReason, error: BaseException | None) -> bool:
        """Output 0 first (STOP, confirmed, unless the port is gone), then record it.
        Never raises: a failing log must not keep output on."""
        t_ms = self._now_ms()
        confirmed = False
        gone = isinstance(error, PortLost) or isinstance(self.device.failure, PortLost)
        if not gone:
            try:
                self.device.stop()
                confirmed = True
            except Exception as stop_error:  # the device watchdog is then the backstop
                log.warning("STOP not confirmed: %s", stop_error)
        for n in self.channels:
            self._ramps[n].pause(t_ms)
            self._io.sent[n] = None
        if reason in (StopReason.FAULT, StopReason.DEVICE_LOST, StopReason.HOST_STARVED):
            kind = "emergency_stop" if reason is StopReason.FAULT else "device_lost"
            self._emit_safely(kind, {"error": str(error)})
        self._emit_safely(
            "stop", {"reason": reason.value, **self._stop_detail, "confirmed": confirmed}
        )
        return confirmed

    def _emit_safely(self, kind: str, data: dict[str, object]) -> None:
        try:
            self._emit(kind, None, data)
        except Exception as log_error:
            log.error("session log: could not record %s: %s", kind, log_error)

    def _finish(
        self, reason: StopReason, error: BaseException | None, confirmed: bool
    ) -> SessionResult:
        duration = max(0, self._now_ms())
        self._emit_safely("end", {"reason": reason.value, **self._stop_detail})
        try:
            self._rec.line(
                {
                    "type": "summary",
                    "reason": reason.value,
                    **self._stop_detail,
                    "duration_ms": duration,
                    "max_delivered_ua": {str(k): v for k, v in self._io.max_delivered.items()},
                    "error": None if error is None else f"{type(error).__name__}: {error}",
                    "stop_confirmed": confirmed,
                    "ended_wall": round(self.clock.wall(), 3),
                    "warnings": list(self.warnings),
                },
                sync=True,
            )
        except Exception as log_error:  # the log then reads back as "interrupted"
            log.error("session log: could not write the summary: %s", log_error)
        path = self._rec.path
        self._rec.close()
        self._waker.close()
        if path is not None:
            try:
                session_index.record_session(path, self.data_root)
            except Exception as index_error:  # the log is the record; the index a cache
                log.warning("session index not updated (rebuild it later): %s", index_error)
        self._snapshot = self._make_snapshot(
            "ended", min(duration, self.duration_ms), None, reason=reason.value
        )
        return SessionResult(
            self.session_id,
            reason,
            duration,
            dict(self._io.max_delivered),
            error,
            path,
            tuple(self.warnings),
            confirmed,
            dict(self._stop_detail),
        )

    def _check_daily_total(self, wall: float) -> None:
        if not self.record:
            return
        try:
            simulated = self.device.info is not None and self.device.info.is_simulator
            today = session_index.daily_total_ms(wall, self.data_root, simulated=simulated)
        except Exception as index_error:
            log.warning("daily total unknown (index unreadable): %s", index_error)
            return
        self._emit("daily_total", None, {"today_ms": today, "planned_ms": self.duration_ms})
        text = session_index.daily_warning(today, self.duration_ms)
        if text is not None:
            self.warnings.append(text)
            self._emit("warning", None, {"warning": "daily_use", "text": text})

    # --- observing -----------------------------------------------------------------------
    def _emit(self, kind: str, channel: int | None, data: dict[str, object]) -> None:
        self._rec.emit(Event(self._now_ms(), kind, channel, data))

    def _refresh_snapshot(self, t_ms: int, stim: Stimulation) -> None:
        self._snapshot = self._make_snapshot("running", t_ms, stim)

    def _make_snapshot(
        self, state: str, t_ms: int, stim: Stimulation | None, reason: str | None = None
    ) -> Snapshot:
        return build_snapshot(
            SnapshotInputs(
                session_id=self.session_id,
                state=state,
                t_ms=t_ms,
                stim=stim,
                profile=self.profile,
                duration_ms=self.duration_ms,
                ramps=self._ramps,
                sent=self._io.sent,
                host_faults=self._io.faults,
                max_delivered=self._io.max_delivered,
                latest=self._io.latest,
                link_quality=self.device.stats.quality(),
                simulated=self.info.is_simulator,
                reason=reason,
            )
        )
