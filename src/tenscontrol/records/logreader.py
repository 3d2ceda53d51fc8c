"""Read session logs back, tolerating a torn last line (a crash mid-write).

A log without a summary line is reported with status ``"interrupted"`` and its last known
state (time, setpoint and delivered current per channel, last event) from the events; its
highest delivered current comes from the ``max_delivered`` safety records (fsynced as the
current rose) and the telemetry, for the session's own channels only. A log whose summary
says ``log_write_failed`` (the disk filled up) is ``"incomplete"``: its reason is known, the
events after the failure are not.

Logs of every schema so far read back: fields added later (the profile's ``sha256``, the
``max_delivered`` records) are optional.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenscontrol.errors import UserInputError

#: The summary reason of a session stopped because its log could not be written (the value of
#: ``session.events.StopReason.LOG_WRITE_FAILED``; records knows nothing of sessions).
LOG_WRITE_FAILED = "log_write_failed"
#: How a reason reads where a person sees it (history, reports), when it is not its value.
REASON_TEXT = {LOG_WRITE_FAILED: "log incomplete: disk full or write error"}


def reason_text(reason: str) -> str:
    """A session's end reason as shown to a person: ``log incomplete: ...`` for a log that
    could not be written, else the reason itself (``completed``, ``interrupted``...)."""
    return REASON_TEXT.get(reason, reason)


def profile_label(name: str, *, builtin: bool | None, path: str | None) -> str:
    """How a profile is named wherever it is shown: its name for a built-in, else the name
    and the file it was read from (``low-back (/home/x/low-back.toml)``), so that a user file
    named like a built-in never reads as that built-in. ``builtin`` None (a record that
    does not say) shows the name alone."""
    if builtin is None or builtin:
        return name
    return f"{name} ({path})" if path else f"{name} (not a built-in)"


@dataclass(frozen=True, slots=True)
class LastState:
    """What was last known of an interrupted session. Units: ms, uA."""

    t_ms: int
    last_event: str | None
    setpoint_ua: dict[int, int] = field(default_factory=dict)
    delivered_ua: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One session log, parsed. ``status`` is "complete" or "interrupted"."""

    path: Path
    header: dict[str, Any]
    events: tuple[dict[str, Any], ...]
    summary: dict[str, Any] | None
    torn: bool
    bad_lines: int
    last: LastState

    @property
    def status(self) -> str:
        """ "complete" with a summary line, "incomplete" when that summary says the log
        could not be written (events after the failure are missing), else "interrupted"."""
        if self.summary is None:
            return "interrupted"
        return "incomplete" if self.summary.get("reason") == LOG_WRITE_FAILED else "complete"

    @property
    def channels(self) -> list[int]:
        """The channels the session drove (from the header's limits, else its intensities)."""
        header = self.header
        keys = header.get("limits") or header.get("intensities_ua") or {"1": None}
        return sorted(int(k) for k in keys)

    @property
    def profile(self) -> Mapping[str, Any]:
        """The header's profile (empty when missing)."""
        found = self.header.get("profile")
        return found if isinstance(found, dict) else {}

    @property
    def profile_name(self) -> str:
        """The profile's name as it was run."""
        return str(self.profile.get("name", "?"))

    @property
    def profile_label(self) -> str:
        """The profile's name and, for a file, where it came from (:func:`profile_label`)."""
        path, builtin = self.profile.get("path"), self.profile.get("builtin")
        return profile_label(
            self.profile_name,
            builtin=None if builtin is None else bool(builtin),
            path=None if path is None else str(path),
        )

    @property
    def profile_sha256(self) -> str | None:
        """The sha256 of the profile file's bytes as read (None in logs before it was kept)."""
        digest = self.profile.get("sha256")
        return None if digest is None else str(digest)

    @property
    def session_id(self) -> str:
        """The session's id (from the header)."""
        return str(self.header.get("session_id", self.path.stem))

    @property
    def reason(self) -> str:
        """Why it ended, or "interrupted"."""
        return str(self.summary["reason"]) if self.summary else "interrupted"

    @property
    def duration_ms(self) -> int:
        """Length: from the summary, else the last event's time."""
        return int(self.summary["duration_ms"]) if self.summary else self.last.t_ms

    @property
    def max_delivered_ua(self) -> dict[int, int]:
        """Highest delivered current per channel of the session, uA: the summary's (exact),
        else the highest of the ``max_delivered`` records and the telemetry (an interrupted
        session). Only the session's channels, as in a summary: a channel the session did
        not have is absent, not 0."""
        if self.summary:
            return {int(k): int(v) for k, v in self.summary["max_delivered_ua"].items()}
        best = dict.fromkeys(self.channels, 0)
        for event in self.events:
            kind = event.get("event")
            if kind == "max_delivered" and event.get("channel") in best:
                ch = int(event["channel"])
                best[ch] = max(best[ch], int(event.get("delivered_ua", 0)))
            elif kind == "telemetry":
                for key, value in event.get("delivered_ua", {}).items():
                    if int(key) in best:
                        best[int(key)] = max(best[int(key)], int(value))
        return best


def read_log(path: Path) -> SessionRecord:
    """Parse one log. A torn (unparseable, unterminated or last) line is skipped and flagged;
    a bad line elsewhere is counted in ``bad_lines``. Raises :class:`UserInputError` when
    the file cannot be read or has no header."""
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as error:
        raise UserInputError(f"{path}: cannot read: {error.strerror}") from None
    lines = text.split("\n")
    records: list[dict[str, Any]] = []
    torn = False
    bad = 0
    last_index = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError:
            if index == last_index:
                torn = True
            else:
                bad += 1
            continue
        records.append(record)
    if not records or records[0].get("type") != "header":
        raise UserInputError(f"{path}: not a session log (no header line)")
    header = records[0]
    events = tuple(r for r in records[1:] if r.get("type") == "event")
    summaries = [r for r in records[1:] if r.get("type") == "summary"]
    return SessionRecord(
        path=path,
        header=header,
        events=events,
        summary=summaries[-1] if summaries else None,
        torn=torn,
        bad_lines=bad,
        last=_last_state(events),
    )


def _last_state(events: tuple[dict[str, Any], ...]) -> LastState:
    setpoints: dict[int, int] = {}
    delivered: dict[int, int] = {}
    for event in events:
        kind = event.get("event")
        if kind == "setpoint" and "channel" in event:
            setpoints[int(event["channel"])] = int(event["amplitude_ua"])
        elif kind == "telemetry":
            delivered = {int(k): int(v) for k, v in event.get("delivered_ua", {}).items()}
    t_ms = int(events[-1].get("t_ms", 0)) if events else 0
    kind = str(events[-1].get("event")) if events else None
    return LastState(t_ms, kind, setpoints, delivered)
