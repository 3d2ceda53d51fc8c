"""Turns what the engine does into events for subscribers and lines in the session log.

Decimation (so a 60-minute log stays small and still tells the story): telemetry at most
once per second; setpoints at most once per second per channel, plus every change to or
from 0 and every change of phase. Everything else (commands, refusals, leads, faults, state
changes, warnings) is logged as it happens; safety events are fsynced.

The highest current delivered on each channel is a safety record, not a sample to decimate
(hazard 13): every telemetry frame is looked at, and a new highest value is logged as a
``max_delivered`` event and fsynced at once when it exceeds the last one logged by
:data:`MAX_RECORD_STEP_UA`, or by anything after :data:`MAX_RECORD_INTERVAL_MS`. So after any
crash (``kill -9``, a power cut) the log's highest current is at most 0.5 mA below the true
one, and equal to it one second after the last rise; the summary of a session that ended
keeps the exact value.

Why these numbers: logging every new maximum would fsync on every 50 ms frame of a soft
start (20 per second on a small device computer's SD card, in the engine thread). With a
0.5 mA step, a rise costs one record per 0.5 mA: a 10 s soft start to 20 mA writes 40
records, at most one per frame even at the device's full slew (20 mA/s, 1 mA per frame),
and a channel can never write more than its ceiling / 0.5 mA of them through steps (160 at
the 80 mA hard ceiling); the 1 s rule adds at most one per second while the current
creeps up by less. 0.5 mA is half of one user step (``MAX_USER_STEP_UA``).

A write that fails (a full disk, a file-size limit, an I/O error) raises
:class:`~tenscontrol.session.events.SessionLogFailed` once: the session stops on it (no
session runs without its record). After that nothing more is written but the summary
(:mod:`~tenscontrol.session.logbook` tries one last small line); subscribers are still told.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from tenscontrol import __version__
from tenscontrol.device.state import DeviceInfo, TelemetrySample
from tenscontrol.errors import UserInputError
from tenscontrol.profiles.model import Profile
from tenscontrol.protocol import Setpoint
from tenscontrol.records.logwriter import SCHEMA_VERSION, SessionLogWriter
from tenscontrol.session.config import UserCaps
from tenscontrol.session.events import Event, EventCallback, EventKind, SessionLogFailed
from tenscontrol.session.limits import SessionLimits

log = logging.getLogger(__name__)

#: A new highest delivered current is logged once it is this much above the last one
#: logged, uA (see the module docstring for why).
MAX_RECORD_STEP_UA = 500
#: ... or once this long has passed since the last record of that channel, for any rise, ms.
MAX_RECORD_INTERVAL_MS = 1_000


def profile_path(profile: Profile) -> str | None:
    """Where ``profile`` was read from, as an absolute path (a built-in's is its file in the
    package); None for a profile made in code."""
    if profile.path is None:
        return None
    if isinstance(profile.path, Path):
        return str(profile.path.absolute())
    return str(profile.path)


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
    # where it came from (``builtin``, else this file) and ``sha256`` of the bytes read: a
    # user file named like a built-in must never read back as that built-in
    profile_data["path"] = profile_path(profile)
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
        self._max_seen: dict[int, int] = {}
        self._max_logged: dict[int, int] = {}
        self._max_logged_ms: dict[int, int] = {}
        #: The failure that stopped the log, if one did (nothing more is written after it).
        self.failed: SessionLogFailed | None = None

    @property
    def session_id(self) -> str | None:
        """The id the log file got (a suffix is added when the name was taken)."""
        return None if self.writer is None else self.writer.session_id

    @property
    def path(self) -> Path | None:
        """The log file, if logging."""
        return None if self.writer is None else self.writer.path

    def line(self, record: dict[str, object], *, sync: bool) -> None:
        """Write a raw record (header, summary). The first failure raises
        :class:`SessionLogFailed`; once the log has failed, nothing is written any more."""
        if self.writer is None or self.failed is not None:
            return
        try:
            self.writer.write(record, sync=sync)
        except OSError as error:
            self.failed = SessionLogFailed(self.writer.path, error)
            raise self.failed from error

    def last_line(self, record: dict[str, object]) -> bool:
        """One last try to write ``record`` (fsynced), even after the log failed; True when
        it is on disk. Never raises."""
        if self.writer is None:
            return False
        try:
            self.writer.write(record, sync=True)
        except (OSError, ValueError) as error:
            if self.failed is None and isinstance(error, OSError):
                self.failed = SessionLogFailed(self.writer.path, error)
            return False
        return True

    def emit(self, event: Event) -> None:
        """Log ``event`` (fsynced if it is a safety event) and tell every subscriber (also
        when the log fails on it: then :class:`SessionLogFailed` is raised after)."""
        try:
            self.line(event.record(), sync=event.safety)
        finally:
            self._tell(event)

    def _tell(self, event: Event) -> None:
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

    def delivered(self, t_ms: int, sample: TelemetrySample, channels: Iterable[int]) -> None:
        """Every telemetry frame (session time ``t_ms``), before anything else acts on it:
        a new highest delivered current of one of ``channels`` becomes a ``max_delivered``
        safety record when the step or interval rule says so (module docstring)."""
        measured = sample.telemetry.channels
        for n in channels:
            if n < 1 or n > len(measured):
                continue
            seen = max(self._max_seen.get(n, 0), measured[n - 1].delivered_ua)
            self._max_seen[n] = seen
            logged = self._max_logged.get(n, 0)
            if seen <= logged:
                continue
            since = self._max_logged_ms.get(n)
            stepped = seen - logged >= MAX_RECORD_STEP_UA
            if stepped or since is None or t_ms - since >= MAX_RECORD_INTERVAL_MS:
                self._max_logged[n] = seen
                self._max_logged_ms[n] = t_ms
                self.emit(Event(t_ms, EventKind.MAX_DELIVERED, n, {"delivered_ua": seen}))

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
    hint = "check that the data folder (TENS_HOME) is writable and has room"
    try:
        writer = SessionLogWriter.create(session_id, root) if record else None
    except OSError as os_error:
        raise UserInputError(f"cannot create the session log: {os_error}", hint=hint) from None
    recorder = Recorder(writer)
    recorder.subscribers = subscribers
    try:
        recorder.line(make_header(recorder.session_id or session_id), sync=True)
    except SessionLogFailed as failed:
        # nothing was sent yet: no session without its record, and no header-less file left
        recorder.close()
        if writer is not None:
            with contextlib.suppress(OSError):
                writer.path.unlink()
        raise UserInputError(str(failed), hint=hint) from None
    return recorder
