"""The session engine: runs a :class:`~tenscontrol.session.plan.SessionPlan` on a connected
device, under the limit chain. It is the glue: the plan says what, the
:class:`~tenscontrol.session.inbox.Inbox` holds what was asked, the
:class:`~tenscontrol.session.ticks.TickLoop` says when,
:class:`~tenscontrol.session.output.ChannelIO` talks to the device,
:mod:`~tenscontrol.session.logbook` keeps the record, and
:class:`~tenscontrol.session.ending.SessionEnding` ends it (output 0 first, then the record).

:meth:`SessionEngine.run` runs in the caller's thread and owns every piece of session
state; other threads and signal handlers only *ask* (commands, :meth:`request_stop`), and
the device's subscriber only queues. Every enabled channel's setpoint is computed on every
tick and sent when it differs from the one in force (the device holds a setpoint; the
driver's heartbeat keeps the watchdog fed). Safety reactions do not wait for a tick: a
lead-off zeroes its channel, an over-delivery or a fatal link error stops the device, a
pause or a lower intensity is sent at once.

Stop paths (each ends with output 0, confirmed by STOP where the device is still there,
and a reason in the log and the result): natural end ("completed", after the ramp-down),
:meth:`request_stop` ("user" or the given reason), SIGINT/SIGTERM via
:func:`~tenscontrol.session.signals.stop_on_signals` ("signal"), a safety trip or device
fault ("fault"), a lost device ("device_lost": unplugged, rebooted, watchdog, noisy link;
never resumed), a session log that cannot be written ("log_write_failed": a full disk), and
any other exception ("error").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path

from tenscontrol.clock import Clock
from tenscontrol.device import DeviceEvent, LinkFailed, TensDevice
from tenscontrol.errors import TensError, UserInputError
from tenscontrol.profiles.model import Profile
from tenscontrol.profiles.timeline import Stimulation
from tenscontrol.session.config import UserCaps
from tenscontrol.session.ending import SessionEnding
from tenscontrol.session.events import (
    Event,
    EventCallback,
    EventKind,
    SessionResult,
    SessionState,
    SetpointTiming,
    Snapshot,
    StopReason,
    TimingCallback,
    end_of,
)
from tenscontrol.session.inbox import Command, CommandKind, Inbox
from tenscontrol.session.logbook import daily_warning, open_log, session_id_for
from tenscontrol.session.output import ChannelIO
from tenscontrol.session.plan import DEFAULT_PERIOD_MS, plan_session
from tenscontrol.session.recorder import Recorder
from tenscontrol.session.snapshot import SnapshotInputs, build_snapshot
from tenscontrol.session.ticks import TickLoop

log = logging.getLogger(__name__)


class SessionEngine:
    """One session of ``profile`` on a connected ``device``; call :meth:`run` once.

    ``intensities_ua``: channel -> starting target in uA, or None (wait at 0 until raised).
    ``duration_ms``: shorter than the profile's duration, or None for the profile's.
    ``clock`` must be the device's clock (default). ``caps``: the user caps, which the
    caller reads (``load_caps()``, as ``tens start`` does; ``UserCaps()`` for none): the
    engine reads no configuration. ``record``: write the session log and index.
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
        caps: UserCaps,
        data_root: Path | None = None,
        period_ms: int = DEFAULT_PERIOD_MS,
        record: bool = True,
    ) -> None:
        plan = plan_session(
            profile, device.info, caps, intensities_ua, duration_ms=duration_ms, period_ms=period_ms
        )
        self.plan = plan
        self.profile = profile
        self.device = device
        self.info = plan.info
        self.clock = clock or device.clock
        self.duration_ms = plan.duration_ms
        self.period_ms = plan.period_ms
        self.data_root = data_root
        self.record = record
        self.caps = caps
        self.intensities_ua = plan.intensities_ua
        self.limits = plan.limits
        self.timeline = plan.timeline
        self.channels = plan.channels
        self._ramps = plan.new_ramps()
        self._ticks = TickLoop(
            device, self.clock, period_ms=plan.period_ms, duration_ms=plan.duration_ms
        )
        self._inbox = Inbox(device.interrupt_wait)
        self._subscribers: list[EventCallback] = []
        self._timing: list[TimingCallback] = []
        self._rec = Recorder(None)
        self._io = self._channel_io(0.0)  # nothing sent yet: the snapshot's empty state
        self._ran = False
        self._engine_thread: int | None = None
        self.session_id = ""
        self.warnings: list[str] = []
        self._snapshot = self._make_snapshot(SessionState.STARTING, 0, None)

    @property
    def started_monotonic(self) -> float:
        """Clock time of the session's t = 0 (the first due time), seconds."""
        return self._ticks.t0

    @property
    def skipped_ticks(self) -> int:
        """Ticks skipped because the engine was late (never made up in a burst)."""
        return self._ticks.skipped

    # --- any thread ----------------------------------------------------------------------
    def request_stop(
        self, reason: str = StopReason.USER, detail: Mapping[str, object] | None = None
    ) -> None:
        """Stop now (output 0 at once). Safe from any thread and from a signal handler.

        ``reason`` is a :class:`StopReason` (the first request wins); ``detail`` says what
        exactly happened (``{"signal": "SIGHUP"}``) and goes into the stop and end records.
        From a thread other than the engine's, this also queues the driver's priority STOP
        itself (a threaded driver sends it at once), so the stop does not wait for a
        request the engine has in flight, nor for an engine thread that is held up; the
        engine then ends the session as usual (and STOPs again, confirmed).
        """
        self._inbox.ask_stop(reason, detail)
        engine = self._engine_thread
        if engine is not None and threading.get_ident() != engine:
            self.device.stop_nowait()

    def up(self, channel: int, *, origin: str | None = None) -> None:
        """One step up on ``channel`` (refused beyond the step rate or the ceiling).

        ``origin`` (any text, e.g. a request id) comes back in the ``command`` or
        ``refused`` event's data, so a caller can tell its answer from another's.
        """
        self._inbox.put(Command(CommandKind.UP, channel, None, origin))

    def down(self, channel: int, *, origin: str | None = None) -> None:
        """One step down on ``channel`` (never rate-limited); ``origin`` as for :meth:`up`."""
        self._inbox.put(Command(CommandKind.DOWN, channel, None, origin))

    def set_intensity(self, channel: int, target_ua: int, *, origin: str | None = None) -> None:
        """Set ``channel``'s target in uA: lower at once, higher through the ramp."""
        self._inbox.put(Command(CommandKind.SET, channel, target_ua, origin))

    def pause(self, channel: int | None = None) -> None:
        """Output 0 at once on ``channel`` (None: every channel); the target is kept."""
        self._inbox.put(Command(CommandKind.PAUSE, channel))

    def resume(self, channel: int | None = None) -> None:
        """Back to the kept target through a soft start."""
        self._inbox.put(Command(CommandKind.RESUME, channel))

    def snapshot(self) -> Snapshot:
        """The latest state, without blocking."""
        return self._snapshot

    def subscribe(self, callback: EventCallback) -> None:
        """Call ``callback`` for every event (in the engine's thread; keep it short)."""
        self._subscribers.append(callback)

    def subscribe_timing(self, callback: TimingCallback) -> None:
        """Before :meth:`run`: call ``callback`` with the timing of every setpoint the device
        accepted (in the engine's thread, between sends: keep it very short). Not logged."""
        self._timing.append(callback)

    def _on_device_event(self, event: DeviceEvent) -> None:
        self._inbox.arrived(event)  # the device wakes its own wait after each frame

    # --- the run -------------------------------------------------------------------------
    def run(self) -> SessionResult:
        """Run the session to its end; returns how it ended (raises nothing for expected
        ends: faults and lost devices are in ``result.error``)."""
        if self._ran:
            raise UserInputError("a session engine runs once; make a new one")
        self._ran = True
        self._engine_thread = threading.get_ident()
        started_wall = self.clock.wall()
        self.session_id = session_id_for(self.plan, started_wall)
        self._rec = open_log(
            self.plan,
            self.session_id,
            started_wall,
            self.data_root,
            self._subscribers,
            record=self.record,
        )
        self.session_id = self._rec.session_id or self.session_id
        self._io = self._channel_io(self._ticks.start())
        self.device.subscribe(self._on_device_event)
        reason = StopReason.COMPLETED
        error: BaseException | None = None
        try:
            self._check_daily_total(started_wall)
            reason = self._loop()
        except BaseException as exc:  # every exception is a stop path
            stop = self._inbox.stop
            reason, error = end_of(exc, None if stop is None else stop.reason)
            if isinstance(exc, KeyboardInterrupt):
                self._inbox.interrupted()
            elif not isinstance(exc, TensError):
                log.exception("session ended by an unexpected error")
        ending = SessionEnding(
            self._io, self._rec, self._inbox, self._emit, self.clock, self.data_root
        )
        # how long it ran: until the stop began (confirming it takes up to a few
        # telemetry periods more, which is not session time)
        duration = max(0, self._now_ms())
        confirmed = ending.halt(duration, reason, error)
        self.device.unsubscribe(self._on_device_event)
        result = ending.finish(
            self.session_id, duration, reason, error, confirmed, tuple(self.warnings)
        )
        # only now: whoever sees ENDED finds the log already closed and indexed
        self._snapshot = self._make_snapshot(
            SessionState.ENDED, min(duration, self.duration_ms), None, reason=reason.value
        )
        return result

    def _channel_io(self, started_s: float) -> ChannelIO:
        """The session's traffic with the device, from session time 0 at ``started_s``."""
        return ChannelIO(
            self.device,
            self.clock,
            self.plan,
            self._ramps,
            self._rec,
            self._emit,
            started_s=started_s,
            stopping=lambda: self._inbox.stop is not None,
            on_sent=self._tell_timing if self._timing else None,
        )

    def _loop(self) -> StopReason:
        self._emit(EventKind.START, None, {"channels": list(self.channels)})
        self.device.start(self.channels)  # output 0 on every channel, watchdog armed
        for n in self.channels:
            self._io.zeroed(n)
            self._ramps[n].start(0)
        return self._ticks.run(self._process, self._tick, self._inbox.has_work)

    def _now_ms(self) -> int:
        return self._ticks.now_ms()

    # --- events from the device and the user -------------------------------------------
    def _process(self) -> StopReason | None:
        """Handle the device's events and the commands waiting; the stop asked for, if any."""
        for event in self._inbox.events():
            if isinstance(event, LinkFailed):
                raise event.error
            # the highest delivered current is a safety record: before any check may raise
            frame_ms = round((event.at - self._io.started_s) * 1_000)
            self._rec.delivered(frame_ms, event, self.channels)
            self._io.on_telemetry(event)
        self.device.check()
        changed: set[int] = set()
        for command in self._inbox.commands():
            changed |= self._io.apply(command)
        if changed:
            lowered = self._io.lower_now(changed)
            if lowered is not None:
                self._refresh_snapshot(*lowered)
        stop = self._inbox.stop
        return None if stop is None else stop.reason

    def _tick(self, t_ms: int) -> None:
        self._refresh_snapshot(t_ms, self._io.tick(t_ms))

    def _tell_timing(self, timing: SetpointTiming) -> None:
        for callback in list(self._timing):
            try:
                callback(timing)
            except Exception:  # a broken listener must not stop a session
                log.exception("session timing subscriber failed")

    def _check_daily_total(self, wall: float) -> None:
        if not self.record:
            return
        simulated = self.info.is_simulator
        today, text = daily_warning(wall, self.data_root, self.duration_ms, simulated=simulated)
        if today is None:
            return
        self._emit(EventKind.DAILY_TOTAL, None, {"today_ms": today, "planned_ms": self.duration_ms})
        if text is not None:
            self.warnings.append(text)
            self._emit(EventKind.WARNING, None, {"warning": "daily_use", "text": text})

    # --- observing -----------------------------------------------------------------------
    def _emit(self, kind: EventKind, channel: int | None, data: dict[str, object]) -> None:
        self._rec.emit(Event(self._now_ms(), kind, channel, data))

    def _refresh_snapshot(self, t_ms: int, stim: Stimulation) -> None:
        self._snapshot = self._make_snapshot(SessionState.RUNNING, t_ms, stim)

    def _make_snapshot(
        self, state: SessionState, t_ms: int, stim: Stimulation | None, reason: str | None = None
    ) -> Snapshot:
        return build_snapshot(
            SnapshotInputs(
                session_id=self.session_id,
                state=state,
                t_ms=t_ms,
                stim=stim,
                plan=self.plan,
                ramps=self._ramps,
                sent=self._io.sent,
                host_faults=self._io.faults,
                max_delivered=self._io.max_delivered,
                latest=self._io.latest,
                link_quality=self.device.stats.quality(),
                reason=reason,
                judged_ua=self._io.monitor.judged_ua,
            )
        )
