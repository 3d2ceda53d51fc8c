"""The index's database: its one table, its rows, and logs read into it.

``<data>/sessions.sqlite3`` (mode 0600), one table::

    sessions(id, start, end, profile, reason, duration_ms, max_ua_ch1, max_ua_ch2, max_ua,
             simulated, pain_before, pain_after)

``start``/``end`` are Unix seconds (``end`` is NULL for an interrupted session), intensities
in uA, pain scores 0-10 or NULL (from the log's last ``pain`` event, which the CLI's pain
diary appends after the summary, so a rebuild keeps them). What to do when SQLite cannot use
the file is :mod:`tenscontrol.records.index`'s job; everything here raises.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import NoneType

from tenscontrol.errors import UserInputError
from tenscontrol.files import check_absent_or_regular, open_new, private_dir
from tenscontrol.records.logreader import SessionRecord, read_log
from tenscontrol.records.logwriter import SUFFIX
from tenscontrol.records.paths import index_path, sessions_dir

#: Told, in one line, about a log that had to be skipped or an index that could not be used.
Warn = Callable[[str], None]

SCHEMA = """
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
#: Names SQLite may keep beside the index: index name + suffix.
SIDE_SUFFIXES = ("-journal", "-wal", "-shm")
#: Errors of one log, which is skipped (with a warning) rather than indexed.
_LOG_ERRORS = (UserInputError, KeyError, TypeError, ValueError, OSError)
_MAYBE_INT = (int, NoneType)
#: The Python type of each column (in :data:`COLUMNS` order) as SQLite hands it back; a
#: REAL may come back as an int.
_KINDS: tuple[type | tuple[type, ...], ...] = (
    *(str, (int, float), (int, float, NoneType), str, str, int),
    *(_MAYBE_INT, _MAYBE_INT, int, int, _MAYBE_INT, _MAYBE_INT),
)


class CorruptIndex(ValueError):
    """Rows SQLite reads without complaint but no index of ours holds: text that is not
    UTF-8, a value of the wrong type (bytes overwritten inside a page, which SQLite has no
    checksum to notice)."""


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


def log_paths(root: Path | None = None) -> list[Path]:
    """Every session log in the data dir, by name (ids start with their UTC start time)."""
    folder = sessions_dir(root)
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def side_files(path: Path) -> list[Path]:
    """The side files SQLite may keep for the database ``path``."""
    return [path.with_name(path.name + suffix) for suffix in SIDE_SUFFIXES]


def sqlite_open(path: Path) -> sqlite3.Connection:
    """SQLite's connection to ``path`` (the one seam where a test can open it read-only)."""
    return sqlite3.connect(path)


def connect(root: Path | None = None) -> sqlite3.Connection:
    """Open (creating with mode 0600) the index of the data dir ``root``. Raises
    :class:`~tenscontrol.files.FileRefused` for a link or non-regular file at its name or a
    side file's, :class:`OSError` when it cannot be created, :class:`sqlite3.Error` when
    SQLite cannot use it (:mod:`~tenscontrol.records.index` turns these into warnings)."""
    path = index_path(root)
    private_dir(path.parent, tighten_existing=False)
    for side in side_files(path):  # SQLite opens these by name: see records/index.py
        check_absent_or_regular(side)
    if not check_absent_or_regular(path):  # never through a link: the folder is private
        with contextlib.suppress(FileExistsError):
            os.close(open_new(path))
    db = sqlite_open(path)
    try:
        db.execute(SCHEMA)
    except BaseException:
        db.close()
        raise
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
        profile=record.profile_label,  # the name; for a user file, with its path
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


def select_rows(db: sqlite3.Connection) -> list[IndexRow]:
    """Every row of ``db``, oldest first; :class:`CorruptIndex` when one is not a row of
    ours."""
    try:
        found = db.execute(_SELECT).fetchall()
    except UnicodeDecodeError as error:
        raise CorruptIndex(f"text that is not UTF-8 ({error.reason})") from None
    for r in found:
        if len(r) != len(_KINDS) or not all(map(isinstance, r, _KINDS)):
            raise CorruptIndex(f"a row of another shape: {r!r:.60}")
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


def index_log(db: sqlite3.Connection, path: Path, warn: Warn) -> bool:
    """Put one log's row in ``db``; False (and ``warn`` told why) when it cannot be read."""
    try:
        row = row_of(read_log(path))
    except _LOG_ERRORS as error:
        warn(f"skipped {path.name}: {error}")
        return False
    upsert(db, row)
    return True


def mtime_of(path: Path) -> float | None:
    """When ``path`` last changed (Unix seconds), None when it cannot be seen."""
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def sync_logs(db: sqlite3.Connection, root: Path | None, warn: Warn, built: float | None) -> int:
    """(Re)index every log missing from ``db`` or changed after ``built`` (Unix seconds;
    None: every log); the number of logs indexed."""
    known = {row.id for row in select_rows(db)}  # from the table itself, not its key index
    count = 0
    for path in log_paths(root):
        changed = mtime_of(path)
        # strictly older: a change in the index's own clock tick (mtimes are coarse) counts
        if built is not None and path.stem in known and changed is not None and changed < built:
            continue
        count += index_log(db, path, warn)
    return count
