"""Read session logs back, tolerating a torn last line (a crash mid-write).

A log without a summary line is reported with status ``"interrupted"`` and its last known
state (time, setpoint and delivered current per channel, last event) from the events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenscontrol.errors import UserInputError


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
        """ "complete" with a summary line, else "interrupted"."""
        return "complete" if self.summary is not None else "interrupted"

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
        """Highest delivered current per channel (summary, else from telemetry events)."""
        if self.summary:
            return {int(k): int(v) for k, v in self.summary["max_delivered_ua"].items()}
        best: dict[int, int] = {}
        for event in self.events:
            if event.get("event") == "telemetry":
                for ch, value in event.get("delivered_ua", {}).items():
                    best[int(ch)] = max(best.get(int(ch), 0), int(value))
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
