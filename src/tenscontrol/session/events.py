"""What a session tells the world: events, snapshots and the result. Immutable values."""

from __future__ import annotations

import errno
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from tenscontrol.errors import (
    DeviceError,
    DeviceRebooted,
    DeviceTimeout,
    HostStarved,
    LinkTooNoisy,
    NakError,
    PortLost,
    SafetyStop,
    TensError,
    WatchdogTripped,
)


class SessionState(StrEnum):
    """Where a session is (the value is what snapshots, JSON lines and ``tens status`` show)."""

    STARTING = "starting"  #: made, not run yet
    RUNNING = "running"
    ENDED = "ended"


class EventKind(StrEnum):
    """What a session event is (the value is the log's and the JSON lines' ``event``)."""

    DAILY_TOTAL = "daily_total"  #: today's use so far, before the session starts
    WARNING = "warning"  #: e.g. the daily total past its warning level
    START = "start"  #: channels enabled, output at 0
    CHANNEL_START = "channel_start"  #: a channel (re)starts through a soft start
    SETPOINT = "setpoint"  #: a setpoint the device accepted (decimated in the log)
    TELEMETRY = "telemetry"  #: what the device reported (decimated in the log)
    #: a channel's highest delivered current rose (a safety record: never decimated away)
    MAX_DELIVERED = "max_delivered"
    COMMAND = "command"  #: a person's command, applied
    REFUSED = "refused"  #: a person's command, refused (with why)
    LEAD = "lead"  #: a lead came off or back on
    FAULT = "fault"  #: the device latched a fault
    EMERGENCY_STOP = "emergency_stop"  #: a safety stop (over-delivery, a fatal fault)
    DEVICE_LOST = "device_lost"  #: unplugged, rebooted, watchdog, noisy link
    STOP = "stop"  #: output to 0, with the reason and whether the device confirmed it
    END = "end"  #: the session is over, with its reason
    PAIN = "pain"  #: pain scores before and after (the diary)


#: Events that are fsynced to the log at once (hazard 13: lost evidence).
SAFETY_EVENTS = frozenset(
    {
        EventKind.START,
        EventKind.STOP,
        EventKind.FAULT,
        EventKind.LEAD,
        EventKind.EMERGENCY_STOP,
        EventKind.END,
        EventKind.DEVICE_LOST,
        EventKind.CHANNEL_START,
        EventKind.MAX_DELIVERED,
    }
)


class StopReason(StrEnum):
    """Why a session ended (the value is what the log, JSON lines and the index carry)."""

    COMPLETED = "completed"  #: the timeline ran to its end (after the ramp-down)
    USER = "user"  #: a key (q, Esc) or a library caller's request_stop()
    REMOTE = "remote"  #: ``tens stop`` through the control endpoint
    SIGNAL = "signal"  #: a signal whose default action ends or suspends the process
    STREAM_LOST = "stream_lost"  #: the terminal, stdout or stderr went away (closed, EPIPE, EIO)
    FAULT = "fault"  #: a device fault or a host safety trip (over-delivery, limit)
    DEVICE_LOST = "device_lost"  #: unplugged, rebooted, watchdog, noisy link: never resumed
    HOST_STARVED = "host_starved"  #: the computer did not run this process for a watchdog period
    #: the session log could not be written (a full disk, a file-size limit, an I/O error):
    #: no session runs without its record, so output is stopped
    LOG_WRITE_FAILED = "log_write_failed"
    ERROR = "error"  #: any other exception


#: errno values that mean "no room left" for a file: a full disk, a quota, a file-size limit.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class SessionLogFailed(TensError):
    """The session log at ``path`` could not be written (``cause`` is the OSError). The
    session stops with reason ``log_write_failed``; what was written before stays readable
    (a line cut short by the failure is removed again)."""

    def __init__(self, path: Path, cause: OSError) -> None:
        code = cause.errno
        what = "disk full" if code in NO_ROOM else "write error"
        name = errno.errorcode.get(code, str(code)) if code is not None else "?"
        super().__init__(
            f"cannot write the session log {path}: {what} ({name}: {cause.strerror or cause})",
            hint="free some space in the data folder (TENS_HOME), then start a new session",
        )
        self.path = path
        self.cause = cause
        self.no_room = code in NO_ROOM


#: Why a session ended (every value of :class:`StopReason`).
REASONS = tuple(reason.value for reason in StopReason)
#: Errors that mean the device is gone for this session (never resumed).
DEVICE_LOST = (PortLost, DeviceRebooted, WatchdogTripped, LinkTooNoisy, DeviceTimeout)


def reason_for(exc: BaseException) -> StopReason:
    """The end reason an exception stands for: log_write_failed, host_starved, device_lost,
    fault or error."""
    if isinstance(exc, SessionLogFailed):
        return StopReason.LOG_WRITE_FAILED
    if isinstance(exc, NakError):  # a refusal (e.g. LEAD_OFF at START), not a lost device
        return StopReason.ERROR
    if isinstance(exc, HostStarved):
        return StopReason.HOST_STARVED
    if isinstance(exc, DEVICE_LOST):
        return StopReason.DEVICE_LOST
    if isinstance(exc, SafetyStop):
        return StopReason.FAULT
    if isinstance(exc, DeviceError):
        return StopReason.DEVICE_LOST
    return StopReason.ERROR


def end_of(exc: BaseException, asked: StopReason | None) -> tuple[StopReason, BaseException | None]:
    """How a session whose run raised ``exc`` ended, as (reason, the error to report), when
    ``asked`` is the stop asked for before it (None: none). A KeyboardInterrupt is a signal;
    a refusal after a stop was asked for (a SET queued behind the early STOP: BAD_STATE) is
    that stop's own end; anything else is :func:`reason_for` the error."""
    if isinstance(exc, KeyboardInterrupt):
        return StopReason.SIGNAL, None
    if isinstance(exc, NakError) and asked is not None:
        return asked, None
    return reason_for(exc), exc


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened, ``t_ms`` after the session started (engine clock)."""

    t_ms: int
    kind: EventKind
    channel: int | None = None
    data: Mapping[str, object] = field(default_factory=dict)

    @property
    def safety(self) -> bool:
        """True for events that are fsynced at once."""
        return self.kind in SAFETY_EVENTS

    def record(self) -> dict[str, object]:
        """The event as one JSON-able log record."""
        out: dict[str, object] = {"type": "event", "t_ms": self.t_ms, "event": self.kind}
        if self.channel is not None:
            out["channel"] = self.channel
        out.update(self.data)
        return out


EventCallback = Callable[[Event], None]


@dataclass(frozen=True, slots=True)
class SetpointTiming:
    """A setpoint the device accepted, with when it was due and when the engine handed it to
    the driver: for measuring the engine's timing (benchmarks), never logged. Units:
    ``t_ms`` session ms; ``due_s`` and ``handed_s`` seconds on the session clock."""

    channel: int
    t_ms: int
    due_s: float  #: its tick's due time (a command's immediate send: its own moment)
    handed_s: float

    @property
    def lateness_s(self) -> float:
        """How late it left the engine against its due time, seconds."""
        return self.handed_s - self.due_s


TimingCallback = Callable[[SetpointTiming], None]


@dataclass(frozen=True, slots=True)
class ChannelSnapshot:
    """One channel at one moment. Units: uA, mHz, us; ``lead`` is "ok", "off" or None
    (unknown). ``rate_mhz``/``phase_width_us``: the last setpoint sent, else the plan's.

    Setpoint and delivered current are shown as a pair measured together, so that a display
    never suggests an over-delivery that did not happen, nor hides one that did:

    * ``delivered_ua`` is what the latest telemetry frame measured (None before any frame);
    * ``setpoint_ua`` is the setpoint that delivered current is judged against for that same
      frame: the over-delivery check's reference, min(the setpoint the device reported in the
      frame, the highest amplitude the host sent within the last second). During a ramp-down
      the host has often sent a lower SET since the frame was measured; pairing the frame's
      delivered current with that newer SET would read as over-delivery (e.g. 1236 uA
      delivered "above" 1080). A device that claims a higher setpoint than the host sent
      cannot raise the reference either, so a real excess still shows as delivered above
      the setpoint. Before any frame it is the host's own value (``commanded_ua``);
    * ``commanded_ua`` is the newest amplitude the host sent (what the device is heading
      for; 0 when nothing is in force).
    """

    channel: int
    setpoint_ua: int
    delivered_ua: int | None
    lead: str | None
    target_ua: int | None
    paused: bool
    faults: tuple[str, ...]
    max_delivered_ua: int
    ceiling_ua: int = 0
    rate_mhz: int | None = None
    phase_width_us: int | None = None
    commanded_ua: int = 0

    def record(self) -> dict[str, object]:
        """The channel as the JSON lines' ``status`` and ``tens status`` show it (see the
        class docstring for what ``setpoint_ua`` and ``commanded_ua`` are)."""
        return {
            "channel": self.channel,
            "setpoint_ua": self.setpoint_ua,
            "commanded_ua": self.commanded_ua,
            "delivered_ua": self.delivered_ua,
            "lead": self.lead,
            "target_ua": self.target_ua,
            "paused": self.paused,
            "faults": list(self.faults),
        }


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole session at one moment; read it from any thread without blocking."""

    session_id: str
    state: SessionState
    phase_index: int | None
    phase_label: str | None
    elapsed_ms: int
    remaining_ms: int
    channels: tuple[ChannelSnapshot, ...]
    link_quality: float
    battery_pct: int | None
    simulated: bool
    reason: str | None = None

    @property
    def stimulating(self) -> bool:
        """True whenever any channel's setpoint (sent or reported) or delivered current is
        above 0."""
        return any(
            c.commanded_ua > 0 or c.setpoint_ua > 0 or (c.delivered_ua or 0) > 0
            for c in self.channels
        )


@dataclass(frozen=True, slots=True)
class SessionResult:
    """How a session ended. ``error`` is set for fault, device_lost and error ends, so the
    CLI can map it to an exit code (SafetyStop family -> 4, DeviceError family -> 3)."""

    session_id: str
    reason: StopReason
    duration_ms: int
    max_delivered_ua: dict[int, int]
    error: BaseException | None = None
    log_path: Path | None = None
    warnings: tuple[str, ...] = ()
    stop_confirmed: bool = True
    #: What exactly ended it, for the log and the user: ``{"signal": "SIGHUP"}``,
    #: ``{"stream": "stdout", "cause": "EPIPE: Broken pipe"}`` (empty for most reasons).
    detail: Mapping[str, object] = field(default_factory=dict)
