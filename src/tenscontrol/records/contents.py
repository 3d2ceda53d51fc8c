"""What a recorded session shows: each channel's setpoint and delivered current over time,
and its notable events with a short description. Units: ms since the start and uA, as in
the logs.

Setpoint and delivered come as pairs measured together: both from the same telemetry
frame, the setpoint being the one the device itself reported in that frame. A device drops
at once and rises at its slew, so a pair shows delivered above setpoint only when the
device really delivered more than it was set to; the host's newer SET (sent after the
frame was measured, e.g. a ramp-down step) is never paired with an older delivered value.
A display of these samples must draw both series the same way (same interpolation), so
that lines between samples cannot cross where the samples do not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tenscontrol.records.logreader import SessionRecord

#: Events a report lists (telemetry and setpoints are the timeline itself).
NOTABLE = (
    "start",
    "channel_start",
    "lead",
    "fault",
    "emergency_stop",
    "device_lost",
    "command",
    "refused",
    "warning",
    "stop",
    "end",
    "pain",
)
_QUIET_KEYS = {"type", "t_ms", "event", "channel"}


@dataclass(frozen=True, slots=True)
class Sample:
    """One telemetry point of one channel. Units: ms since start, uA."""

    t_ms: int
    setpoint_ua: int
    delivered_ua: int


@dataclass(frozen=True, slots=True)
class Mark:
    """A notable event: its time (ms since start), kind, channel (if any) and a description."""

    t_ms: int
    kind: str
    channel: int | None
    text: str


def channels_of(record: SessionRecord) -> list[int]:
    """The channels the session drove (from the header's limits, else its intensities)."""
    return record.channels


def samples(record: SessionRecord, channel: int) -> list[Sample]:
    """The channel's setpoint and delivered current from the telemetry events, in order:
    each sample's two values from one frame (see the module docstring)."""
    key = str(channel)
    out: list[Sample] = []
    for event in record.events:
        if event.get("event") != "telemetry":
            continue
        delivered = event.get("delivered_ua", {})
        if key in delivered:
            setpoint = int(event.get("setpoint_ua", {}).get(key, 0))
            out.append(Sample(int(event.get("t_ms", 0)), setpoint, int(delivered[key])))
    return out


def describe(event: dict[str, Any]) -> str:
    """A short text for one event, e.g. ``lead channel 1: off``."""
    kind = str(event.get("event"))
    where = f" channel {event['channel']}" if "channel" in event else ""
    if kind == "lead":
        return f"lead{where}: {event.get('lead', '?')}"
    if kind in ("stop", "end"):
        return f"{kind} ({event.get('reason', '?')})"
    if kind == "start":
        chans = ", ".join(str(c) for c in event.get("channels", []))
        return f"start (channel {chans})" if chans else "start"
    extra = ", ".join(f"{k}={v}" for k, v in sorted(event.items()) if k not in _QUIET_KEYS)
    return f"{kind}{where}" + (f": {extra}" if extra else "")


def marks(record: SessionRecord) -> list[Mark]:
    """The notable events of a session (see :data:`NOTABLE`), in log order."""
    found = []
    for event in record.events:
        kind = str(event.get("event"))
        if kind in NOTABLE:
            channel = int(event["channel"]) if "channel" in event else None
            found.append(Mark(int(event.get("t_ms", 0)), kind, channel, describe(event)))
    return found
