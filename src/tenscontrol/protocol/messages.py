"""Typed messages of the wire protocol and their payload layouts (all little-endian).

Every payload layout here is a table in firmware_protocol.md. Decoding checks lengths and
enum values only; range checks against device limits are the device's job (it NAKs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tenscontrol.protocol.constants import (
    DeviceState,
    Fault,
    IdentityFlag,
    Lead,
    MsgType,
    NakCode,
    Pattern,
    ResetReason,
    Waveform,
)


# --- Host requests ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Hello:
    """Handshake: the range of protocol major versions the host speaks."""

    min_version: int
    max_version: int


@dataclass(frozen=True, slots=True)
class Start:
    """Enable channels (bit 0 = channel 1) at 0 uA, clear their latches, arm the watchdog.

    ``watchdog_ms`` 0 means the device default.
    """

    channel_mask: int
    watchdog_ms: int


@dataclass(frozen=True, slots=True)
class Stop:
    """All channels to 0 now; the ACK is sent only once output is 0."""


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Nothing but a watchdog refresh (and a round-trip sample)."""


@dataclass(frozen=True, slots=True)
class Setpoint:
    """What one channel should deliver. Units: uA, mHz, us, mHz; burst fields 0 if continuous."""

    channel: int
    amplitude_ua: int
    rate_mhz: int
    phase_width_us: int
    waveform: Waveform
    pattern: Pattern
    burst_rate_mhz: int
    pulses_per_burst: int


# --- Device responses ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChannelCapabilities:
    """Limits of one channel. Units: uA, mHz, us; waveforms and patterns are bit masks."""

    max_amplitude_ua: int
    rate_min_mhz: int
    rate_max_mhz: int
    width_min_us: int
    width_max_us: int
    waveforms: int
    patterns: int
    burst_rate_min_mhz: int
    burst_rate_max_mhz: int
    pulses_per_burst_min: int
    pulses_per_burst_max: int


@dataclass(frozen=True, slots=True)
class Identity:
    """Answer to HELLO. ``selected_version`` 0 means no common protocol major version."""

    selected_version: int
    minor_version: int
    device_min_version: int
    device_max_version: int
    flags: IdentityFlag
    firmware: tuple[int, int, int]
    model: str
    serial_number: str
    watchdog_min_ms: int
    watchdog_max_ms: int
    watchdog_default_ms: int
    telemetry_period_ms: int
    slew_ua_per_s: int
    channels: tuple[ChannelCapabilities, ...]


@dataclass(frozen=True, slots=True)
class Ack:
    """A request was applied. ``applied`` echoes the values now in force (START and SET)."""

    request_type: MsgType
    applied: Start | Setpoint | None = None


@dataclass(frozen=True, slots=True)
class Nak:
    """A request was refused. ``field`` is the 1-based payload field at fault, 0 if none."""

    request_type: int
    code: NakCode
    field: int = 0


# --- Pushed by the device --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChannelTelemetry:
    """One channel's state. Units: uA, ohm (0xFFFF = open or not measured)."""

    setpoint_ua: int
    delivered_ua: int
    lead: Lead
    impedance_ohm: int
    faults: Fault


@dataclass(frozen=True, slots=True)
class Telemetry:
    """Pushed every telemetry period and at once on any fault or lead change."""

    state: DeviceState
    faults: Fault
    battery_mv: int
    battery_pct: int
    uptime_ms: int
    frame_errors: int
    channels: tuple[ChannelTelemetry, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Boot:
    """Sent once after every device reset; output is 0."""

    reason: ResetReason


Message = Hello | Start | Stop | Heartbeat | Setpoint | Identity | Ack | Nak | Telemetry | Boot
