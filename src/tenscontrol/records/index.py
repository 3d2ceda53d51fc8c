"""The SQLite index of sessions: a cache of the logs, rebuildable from them at any time.

``<data>/sessions.sqlite3`` (mode 0600), one table::

    sessions(id, start, end, profile, reason, duration_ms, max_ua_ch1, max_ua_ch2, max_ua,
             simulated, pain_before, pain_after)

``start``/``end`` are Unix seconds (``end`` is NULL for an interrupted session), intensities
in uA, pain scores 0-10 or NULL (from the log's last ``pain`` event, which the CLI's pain
diary appends after the summary, so a rebuild keeps them). The daily total that warns
past ``hard_limits.DAILY_USE_WARN_S`` is computed from it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tenscontrol import hard_limits as hl
from tenscontrol.records.logreader import SessionRecord, read_log
from tenscontrol.records.logwriter import SUFFIX
from tenscontrol.records.paths import index_path, open_private, private_dir, sessions_dir

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    start REAL NOT NULL,
    end REAL,
    profile TEXT NOT NULL,
    reason TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    max_ua_ch1 INTEGER,
    max_ua_ch2 INTEGER,
    max_ua INTEGER NOT NULL,
    simulated INTEGER NOT NULL,
    pain_before INTEGER,
    pain_after INTEGER
)
"""
_SELECT = (
    "SELECT id, start, end, profile, reason, duration_ms, max_ua_ch1, max_ua_ch2, max_ua,"
    " simulated, pain_before, pain_after FROM sessions ORDER BY start, id"
)
COLUMNS = (
    "id",
    "start",
    "end",
    "profile",
    "reason",
    "duration_ms",
    "max_ua_ch1",
    "max_ua_ch2",
    "max_ua",
    "simulated",
    "pain_before",
    "pain_after",
)


@dataclass(frozen=True, slots=True)
class IndexRow:
    """One row of the index."""

    id: str
    start: float
    end: float | None
    profile: str
    reason: str
    duration_ms: int
    max_ua_ch1: int | None
    max_ua_ch2: int | None
    max_ua: int
    simulated: bool
    pain_before: int | None = None
    pain_after: int | None = None


def connect(root: Path | None = None) -> sqlite3.Connection:
    """Open (creating with mode 0600) the index of the data dir ``root``."""
    path = index_path(root)
    private_dir(path.parent, tighten_existing=False)
    if not path.exists():
        os.close(open_private(path))
    db = sqlite3.connect(path)
    db.execute(_SCHEMA)
    return db


def row_of(record: SessionRecord) -> IndexRow:
    """The index row a session log stands for."""
    header = record.header
    best = record.max_delivered_ua
    start = float(header["started_wall"])
    ended = record.summary.get("ended_wall") if record.summary else None
    return IndexRow(
        id=record.session_id,
        start=start,
        end=None if ended is None else float(ended),
        profile=str(header["profile"]["name"]),
        reason=record.reason,
        duration_ms=record.duration_ms,
        max_ua_ch1=best.get(1),
        max_ua_ch2=best.get(2),
        max_ua=max(best.values(), default=0),
        simulated=bool(header.get("simulated")),
        pain_before=_pain(record, "before"),
        pain_after=_pain(record, "after"),
    )


def _pain(record: SessionRecord, key: str) -> int | None:
    """The latest pain score ``key`` ("before"/"after") of a session's ``pain`` events."""
    for event in reversed(record.events):
        value = event.get(key) if event.get("event") == "pain" else None
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10:
            return value
    return None


def upsert(db: sqlite3.Connection, row: IndexRow) -> None:
    """Insert or replace one row (pain scores already stored are kept when ``row`` has none)."""
    old = db.execute(
        "SELECT pain_before, pain_after FROM sessions WHERE id = ?", (row.id,)
    ).fetchone()
    before = row.pain_before if row.pain_before is not None else (old[0] if old else None)
    after = row.pain_after if row.pain_after is not None else (old[1] if old else None)
    values = (
        row.id,
        row.start,
        row.end,
        row.profile,
        row.reason,
        row.duration_ms,
        row.max_ua_ch1,
        row.max_ua_ch2,
        row.max_ua,
        int(row.simulated),
        before,
        after,
    )
    db.execute(
        "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values
    )
    db.commit()


def record_session(log_path: Path, root: Path | None = None) -> IndexRow:
    """Read one log and put its row in the index."""
    row = row_of(read_log(log_path))
    with closing(connect(root)) as db:
        upsert(db, row)
    return row


def rebuild(root: Path | None = None) -> int:
    """Rebuild the index from every log in the data dir; the number of sessions indexed."""
    folder = sessions_dir(root)
    logs = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
    with closing(connect(root)) as db:
        db.execute("DELETE FROM sessions")
        db.commit()
        for path in logs:
            upsert(db, row_of(read_log(path)))
    return len(logs)


def rows(root: Path | None = None) -> list[IndexRow]:
    """Every row, oldest first."""
    with closing(connect(root)) as db:
        found = db.execute(_SELECT).fetchall()
    return [
        IndexRow(
            id=r[0],
            start=r[1],
            end=r[2],
            profile=r[3],
            reason=r[4],
            duration_ms=r[5],
            max_ua_ch1=r[6],
            max_ua_ch2=r[7],
            max_ua=r[8],
            simulated=bool(r[9]),
            pain_before=r[10],
            pain_after=r[11],
        )
        for r in found
    ]


def daily_total_ms(day_of_wall: float, root: Path | None = None, *, simulated: bool = False) -> int:
    """Total session time (ms) of the local calendar day containing Unix time ``day_of_wall``.

    Real and simulated sessions are counted apart: a simulator puts no current through
    skin, so demos must not push a person towards the daily-use warning.
    """
    if not index_path(root).exists() and sessions_dir(root).is_dir():
        rebuild(root)  # the index is a cache: a missing one must not hide today's sessions
    day = datetime.fromtimestamp(day_of_wall).date()
    return sum(
        r.duration_ms
        for r in rows(root)
        if r.simulated == simulated and datetime.fromtimestamp(r.start).date() == day
    )


def daily_warning(today_ms: int, planned_ms: int) -> str | None:
    """A warning when today's total plus a planned session passes DAILY_USE_WARN_S."""
    if today_ms + planned_ms <= hl.DAILY_USE_WARN_S * 1_000:
        return None
    return (
        f"more than {hl.DAILY_USE_WARN_S // 3_600} h of TENS today; move the pads slightly "
        "between sessions and give the skin a rest"
    )
