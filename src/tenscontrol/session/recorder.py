"""Turns what the engine does into events for subscribers and lines in the session log.

Decimation (so a 60-minute log stays small and still tells the story): telemetry at most
once per second; setpoints at most once per second per channel, plus every change to or
from 0 and every change of phase. Everything else (commands, refusals, leads, faults, state
changes, warnings) is logged as it happens; safety events are fsynced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from tenscontrol import __version__
from tenscontrol.device.state import DeviceInfo, TelemetrySample
from tenscontrol.errors import UserInputError
from tenscontrol.profiles.model import Profile
from tenscontrol.protocol import Setpoint
from tenscontrol.records.logwriter import SCHEMA_VERSION, SessionLogWriter
from tenscontrol.session.config import UserCaps
from tenscontrol.session.events import Event, EventCallback, EventKind
from tenscontrol.session.limits import SessionLimits

log = logging.getLogger(__name__)


def header(
    *,
    session_id: str,
    started_wall: float,
    profile: Profile,
    info: DeviceInfo,
    limits: SessionLimits,
    caps: UserCaps,
    intensities_ua: dict[int, int | None],
    duration_ms: int,
    period_ms: int,
) -> dict[str, object]:
    """The header line: everything needed to know later what was run, on what, how."""
    ident = info.identity
    profile_data = asdict(profile)
    profile_data["path"] = None if profile.path is None else str(profile.path)
    return {
        "type": "header",
        "schema": SCHEMA_VERSION,
        "software": __version__,
        "session_id": session_id,
        "started_wall": round(started_wall, 3),
        "simulated": info.is_simulator,
        "device": {
            "model": ident.model,
            "serial_number": ident.serial_number,
            "firmware": info.firmware,
            "protocol": info.protocol_version,
            "simulator": info.is_simulator,
            "slew_ua_per_s": ident.slew_ua_per_s,
            "channels": [asdict(c) for c in info.channels],
        },
        "limits": {
            str(n): {
                "ceiling_ua": lim.ceiling_ua,
                "binding": lim.binding,
                "links_ua": dict(lim.links_ua),
            }
            for n, lim in limits.channels.items()
        },
        "profile": profile_data,
        "user_caps": {
            "max_ua": {str(k): v for k, v in caps.max_ua.items()},
            "source": caps.source,
        },
        "intensities_ua": {str(k): v for k, v in intensities_ua.items()},
        "duration_ms": duration_ms,
        "period_ms": period_ms,
    }


class Recorder:
    """Fans events out to subscribers and the log (if any). Engine thread only."""

    def __init__(self, writer: SessionLogWriter | None) -> None:
        self.writer = writer
        self.subscribers: list[EventCallback] = []
        self._telemetry_second = -1
        self._setpoint_second: dict[int, int] = {}
        self._last_amp: dict[int, int] = {}
        self._last_phase: dict[int, int] = {}

    @property
    def session_id(self) -> str | None:
        """The id the log file got (a suffix is added when the name was taken)."""
        return None if self.writer is None else self.writer.session_id

    @property
    def path(self) -> Path | None:
        """The log file, if logging."""
        return None if self.writer is None else self.writer.path

    def line(self, record: dict[str, object], *, sync: bool) -> None:
        """Write a raw record (header, summary)."""
        if self.writer is not None:
            self.writer.write(record, sync=sync)

    def emit(self, event: Event) -> None:
        """Log ``event`` (fsynced if it is a safety event) and tell every subscriber."""
        self.line(event.record(), sync=event.safety)
        for callback in list(self.subscribers):
            try:
                callback(event)
            except Exception:  # a broken listener must not stop a session
                log.exception("session event subscriber failed")

    def setpoint(self, t_ms: int, sp: Setpoint, phase: int) -> None:
        """A setpoint was sent: emitted when decimation lets it through."""
        ch = sp.channel
        second = t_ms // 1_000
        last = self._last_amp.get(ch)
        crossing = last is None or (last == 0) != (sp.amplitude_ua == 0)
        same_phase = self._last_phase.get(ch) == phase
        if not crossing and same_phase and self._setpoint_second.get(ch) == second:
            return
        self._setpoint_second[ch] = second
        self._last_amp[ch] = sp.amplitude_ua
        self._last_phase[ch] = phase
        fields: dict[str, object] = {
            "amplitude_ua": sp.amplitude_ua,
            "rate_mhz": sp.rate_mhz,
            "width_us": sp.phase_width_us,
            "waveform": sp.waveform.name.lower(),
            "pattern": sp.pattern.name.lower(),
            "burst_rate_mhz": sp.burst_rate_mhz,
            "pulses_per_burst": sp.pulses_per_burst,
            "phase": phase,
        }
        self.emit(Event(t_ms, EventKind.SETPOINT, ch, fields))

    def telemetry(self, t_ms: int, sample: TelemetrySample, quality: float) -> None:
        """A telemetry frame: emitted at most once per second."""
        second = t_ms // 1_000
        if second == self._telemetry_second:
            return
        self._telemetry_second = second
        tel = sample.telemetry
        fields: dict[str, object] = {
            "state": tel.state.name.lower(),
            "faults": int(tel.faults),
            "battery_pct": tel.battery_pct,
            "battery_mv": tel.battery_mv,
            "setpoint_ua": {str(i): c.setpoint_ua for i, c in enumerate(tel.channels, 1)},
            "delivered_ua": {str(i): c.delivered_ua for i, c in enumerate(tel.channels, 1)},
            "lead": {str(i): c.lead.name.lower() for i, c in enumerate(tel.channels, 1)},
            "impedance_ohm": {str(i): c.impedance_ohm for i, c in enumerate(tel.channels, 1)},
            "link_quality": round(quality, 4),
        }
        self.emit(Event(t_ms, EventKind.TELEMETRY, None, fields))

    def close(self) -> None:
        """Close the log file."""
        if self.writer is not None:
            self.writer.close()


def open_recorder(
    session_id: str,
    root: Path | None,
    subscribers: list[EventCallback],
    make_header: Callable[[str], dict[str, object]],
    *,
    record: bool,
) -> Recorder:
    """A recorder with a new log (when ``record``) whose header is written and fsynced.

    Raises :class:`UserInputError` when the log cannot be created: no evidence, no session.
    """
    try:
        writer = SessionLogWriter.create(session_id, root) if record else None
    except OSError as os_error:
        raise UserInputError(
            f"cannot create the session log: {os_error}",
            hint="check that the data folder (TENS_HOME) is writable",
        ) from None
    recorder = Recorder(writer)
    recorder.subscribers = subscribers
    recorder.line(make_header(recorder.session_id or session_id), sync=True)
    return recorder
