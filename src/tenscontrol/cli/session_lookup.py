"""Finding sessions for ``tens history``, ``tens report`` and ``tens export``.

Keeps the SQLite index (a cache) in step with the session logs, resolves what a person
types for a session (an id, a unique prefix of one, or ``last``) to its log, and turns a
parsed log into a per-channel timeline with its notable events. Units: ms and uA, as in
the logs; times of day are Unix seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from tenscontrol.errors import UserInputError
from tenscontrol.session import index
from tenscontrol.session.logreader import SessionRecord, read_log
from tenscontrol.session.logwriter import SUFFIX
from tenscontrol.session.paths import index_path, sessions_dir

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


def log_paths(root: Path | None = None) -> list[Path]:
    """Every session log in the data dir, by name (ids start with their UTC start time)."""
    folder = sessions_dir(root)
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def sync_index(root: Path | None = None) -> list[index.IndexRow]:
    """The index rows, oldest first, after (re)indexing every log that is missing from the
    index or newer than it. Pain scores already stored are kept. A log that cannot be read
    is skipped with a warning on stderr."""
    db_file = index_path(root)
    paths = log_paths(root)
    if not paths and not db_file.exists():
        return []  # nothing recorded: create nothing
    built = db_file.stat().st_mtime if db_file.exists() else None
    known = {row.id for row in index.rows(root)} if built is not None else set()
    for path in paths:
        if path.stem in known and built is not None and path.stat().st_mtime <= built:
            continue
        try:
            index.record_session(path, root)
        except (UserInputError, KeyError, TypeError, ValueError) as error:
            click.echo(f"warning: skipped {path.name}: {error}", err=True)
    return index.rows(root)


def local_time(unix_s: float) -> str:
    """``YYYY-MM-DD HH:MM`` in the local time zone."""
    return datetime.fromtimestamp(unix_s).strftime("%Y-%m-%d %H:%M")


def clock_text(ms: int) -> str:
    """A duration as ``m:ss`` (or ``h:mm:ss`` from one hour)."""
    seconds = max(0, ms) // 1_000
    hours, rest = divmod(seconds, 3_600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def find_session(query: str, root: Path | None = None) -> Path:
    """The log of session ``query``: an exact id, a unique id prefix, or ``last`` (the most
    recently started). Raises :class:`UserInputError` when none or several match."""
    paths = log_paths(root)
    hint = "run 'tens history' to see the session ids"
    if not paths:
        raise UserInputError("no sessions recorded yet", hint="run 'tens start' first")
    if query == "last":
        rows = sync_index(root)
        if rows:
            newest = max(rows, key=lambda r: (r.start, r.id))
            chosen = sessions_dir(root) / f"{newest.id}{SUFFIX}"
            if chosen.exists():
                return chosen
        return paths[-1]
    by_id = {p.stem: p for p in paths}
    if query in by_id:
        return by_id[query]
    matches = [p for stem, p in by_id.items() if query and stem.startswith(query)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UserInputError(f"no session matches {query!r}", hint=hint)
    shown = ", ".join(p.stem for p in matches[:3]) + (", ..." if len(matches) > 3 else "")
    raise UserInputError(
        f"{query!r} matches {len(matches)} sessions ({shown})", hint="type more of the id"
    )


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
    keys = record.header.get("limits") or record.header.get("intensities_ua") or {"1": None}
    return sorted(int(k) for k in keys)


def samples(record: SessionRecord, channel: int) -> list[Sample]:
    """The channel's setpoint and delivered current from the telemetry events, in order."""
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


def load(query: str, root: Path | None = None) -> SessionRecord:
    """Find and parse a session log (see :func:`find_session`)."""
    return read_log(find_session(query, root))
