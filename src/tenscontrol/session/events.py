"""What a session tells the world: events, snapshots and the result. Immutable values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tenscontrol.errors import (
    DeviceError,
    DeviceRebooted,
    DeviceTimeout,
    LinkTooNoisy,
    NakError,
    PortLost,
    SafetyStop,
    WatchdogTripped,
)

#: Events that are fsynced to the log at once (hazard 13: lost evidence).
SAFETY_EVENTS = frozenset(
    {"start", "stop", "fault", "lead", "emergency_stop", "end", "device_lost", "channel_start"}
)
#: Why a session ended.
REASONS = ("completed", "user", "remote", "signal", "fault", "device_lost", "error")
#: Errors that mean the device is gone for this session (never resumed).
DEVICE_LOST = (PortLost, DeviceRebooted, WatchdogTripped, LinkTooNoisy, DeviceTimeout)


def reason_for(exc: BaseException) -> str:
    """The end reason an exception stands for: device_lost, fault or error."""
    if isinstance(exc, NakError):  # a refusal (e.g. LEAD_OFF at START), not a lost device
        return "error"
    if isinstance(exc, DEVICE_LOST):
        return "device_lost"
    if isinstance(exc, SafetyStop):
        return "fault"
    if isinstance(exc, DeviceError):
        return "device_lost"
    return "error"


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened, ``t_ms`` after the session started (engine clock)."""

    t_ms: int
    kind: str
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
class ChannelSnapshot:
    """One channel at one moment. Units: uA, mHz, us; ``lead`` is "ok", "off" or None
    (unknown). ``rate_mhz``/``phase_width_us``: the last setpoint sent, else the plan's."""

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


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole session at one moment; read it from any thread without blocking."""

    session_id: str
    state: str  # "starting", "running", "ended"
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
        """True whenever any channel's setpoint or delivered current is above 0."""
        return any(c.setpoint_ua > 0 or (c.delivered_ua or 0) > 0 for c in self.channels)


@dataclass(frozen=True, slots=True)
class SessionResult:
    """How a session ended. ``error`` is set for fault, device_lost and error ends, so the
    CLI can map it to an exit code (SafetyStop family -> 4, DeviceError family -> 3)."""

    session_id: str
    reason: str
    duration_ms: int
    max_delivered_ua: dict[int, int]
    error: BaseException | None = None
    log_path: Path | None = None
    warnings: tuple[str, ...] = ()
    stop_confirmed: bool = True
