"""The SQLite index of sessions: a cache of the logs, rebuildable from them at any time
(its table and rows: :mod:`tenscontrol.records.index_db`). The daily total that warns past
``hard_limits.DAILY_USE_WARN_S`` is computed from it.

Being a cache, no SQLite failure stops a command that uses it (hazard 13); the public
functions below never raise :class:`sqlite3.Error`:

- **Corrupt** (not a database, a malformed page, a table of another shape): the file is set
  aside as ``sessions.sqlite3.corrupt-<UTC stamp>`` (renamed: its mode kept, never deleted,
  it may be evidence; its side files with it) and a new one is rebuilt from the logs, with
  one warning.
- **Unusable** (read-only, disk full, an I/O error, locked, cannot be created): it is left
  as it is. Readers get an in-memory copy (where it can still be read) brought up to date
  from the logs, so the same queries work; writers skip it (the log is the record; the
  index catches up from it later). One warning per index and process (one per command).

A link, folder or FIFO at the index's name or a side file's is refused by :func:`connect`
(:class:`~tenscontrol.files.FileRefused`, exit 2), never followed, moved or written.

SQLite opens its side files (the rollback journal ``-journal``; ``-wal``/``-shm`` if the
file was ever put in WAL mode, which this module never does) by name, so what keeps them
from being followed through a link is: the data folder is private (``private_dir``: this
user's, not writable by others, so no one else can plant a name in it); each side file's
name is checked before every open (:func:`connect`); and SQLite's unix VFS opens every file
with ``O_NOFOLLOW`` (a planted link makes it fail, it never writes through it; see
tests/records/test_index_side_files.py). SQLite gives side files the index's mode, 0600.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from tenscontrol import hard_limits as hl
from tenscontrol.records.index_db import COLUMNS as COLUMNS
from tenscontrol.records.index_db import (
    SCHEMA,
    CorruptIndex,
    mtime_of,
    select_rows,
    side_files,
    sync_logs,
)
from tenscontrol.records.index_db import IndexRow as IndexRow
from tenscontrol.records.index_db import Warn as Warn
from tenscontrol.records.index_db import connect as connect
from tenscontrol.records.index_db import log_paths as log_paths
from tenscontrol.records.index_db import row_of as row_of
from tenscontrol.records.index_db import upsert as upsert
from tenscontrol.records.logreader import read_log
from tenscontrol.records.paths import index_path

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Primary SQLite result codes that mean "this file is not (or no longer) our index":
#: garbage, a malformed page, or a table of another shape (SQLITE_ERROR from our own fixed
#: statements). Anything else (read-only, full, I/O, busy, cannot open) leaves it alone.
_CORRUPT_CODES = frozenset(
    {
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_NOTADB,
        sqlite3.SQLITE_ERROR,
        sqlite3.SQLITE_SCHEMA,
        sqlite3.SQLITE_MISMATCH,
        sqlite3.SQLITE_FORMAT,
    }
)
#: What SQLite (or the file under it) can fail with; a FileRefused is not among them.
_FAILURES = (sqlite3.Error, OSError, UnicodeDecodeError, CorruptIndex)
#: Indexes already warned about as unusable by this process: one warning per command.
_told_unusable: set[Path] = set()


def _why(error: BaseException) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)


def _corrupt(error: BaseException) -> bool:
    if isinstance(error, CorruptIndex | UnicodeDecodeError):  # decoding SQLite's own text
        return True
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(error, sqlite3.Error) and code is not None and code & 0xFF in _CORRUPT_CODES


def set_aside(path: Path) -> Path:
    """Rename the index ``path`` (and any side files, which belong to it) to
    ``<name>.corrupt-<UTC stamp>``, never over an existing name; the new name. Raises
    :class:`OSError` when it cannot be renamed."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(100):
        aside = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{n}" if n else ""))
        taken = [os.path.lexists(p) for p in (aside, *side_files(aside))]
        if not any(taken):  # the folder is private: only this user could take it meanwhile
            break
    else:
        raise FileExistsError(f"no free name to set {path.name} aside")
    path.rename(aside)
    for side, moved in zip(side_files(path), side_files(aside), strict=True):
        if os.path.lexists(side):  # a hot journal would be rolled into the new index
            side.rename(moved)
    return aside


def _use(
    root: Path | None,
    warn: Warn,
    action: Callable[[sqlite3.Connection], T],
    fallback: Callable[[str], T],
) -> T:
    """``action`` on the index of ``root``. When SQLite fails, a corrupt index is set aside,
    rebuilt from the logs (one warning) and ``action`` run on the new one; otherwise
    ``fallback`` gets what is wrong with it ("cannot be used (...)")."""
    try:
        with closing(connect(root)) as db:
            return action(db)
    except _FAILURES as error:
        failure: BaseException = error
    if not _corrupt(failure):
        return fallback(f"cannot be used ({_why(failure)})")
    try:
        aside = set_aside(index_path(root))
    except OSError as error:
        return fallback(f"is unreadable ({_why(failure)}) and cannot be set aside ({_why(error)})")
    try:
        with closing(connect(root)) as db:
            count = sync_logs(db, root, warn, None)
            result = action(db)
    except _FAILURES as error:
        reason = f"was unreadable ({_why(failure)}), set aside as {aside.name}, and a new one"
        return fallback(f"{reason} cannot be written ({_why(error)})")
    warn(
        f"the session index was unreadable ({_why(failure)}); set it aside as {aside.name} "
        f"and rebuilt it from {count} logs"
    )
    return result


def _tell_once(root: Path | None, warn: Warn, text: str) -> None:
    path = index_path(root).absolute()
    if path not in _told_unusable:
        _told_unusable.add(path)
        warn(text)


def _from_logs(root: Path | None, warn: Warn, problem: str) -> list[IndexRow]:
    """The rows of an in-memory index: a copy of the one on disk where it can still be read
    (pain scores stored only there are kept), brought up to date from the logs."""
    path = index_path(root)
    memory = sqlite3.connect(":memory:")
    with closing(memory):
        built = None
        try:
            with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as disk:
                disk.backup(memory)
            memory.execute(SCHEMA)
            select_rows(memory)  # a copy of a table of another shape is no use either
            built = mtime_of(path)
        except (sqlite3.Error, ValueError):  # ValueError also: a path as_uri cannot take
            memory.execute("DROP TABLE IF EXISTS sessions")
            memory.execute(SCHEMA)
        sync_logs(memory, root, warn, built)
        found = select_rows(memory)
    _tell_once(
        root, warn, f"the session index {problem}; read the {len(found)} sessions from their logs"
    )
    return found


def synced_rows(root: Path | None = None, warn: Warn | None = None) -> list[IndexRow]:
    """Every row, oldest first, after (re)indexing every log missing from the index or
    newer than it (pain scores already stored are kept). A log that cannot be read is
    skipped and ``warn`` (default: the log) told why; so is an index that cannot be used
    (see the module docstring). Nothing is created while nothing is recorded."""
    told = log.warning if warn is None else warn
    path = index_path(root)
    if not log_paths(root) and not os.path.lexists(path):
        return []

    def action(db: sqlite3.Connection) -> list[IndexRow]:
        sync_logs(db, root, told, mtime_of(path))
        return select_rows(db)

    return _use(root, told, action, lambda problem: _from_logs(root, told, problem))


def rows(root: Path | None = None, warn: Warn | None = None) -> list[IndexRow]:
    """Every row, oldest first, as the index has them (from the logs when it cannot be
    used, ``warn`` told; see the module docstring)."""
    told = log.warning if warn is None else warn
    return _use(root, told, select_rows, lambda problem: _from_logs(root, told, problem))


def record_session(log_path: Path, root: Path | None = None, warn: Warn | None = None) -> IndexRow:
    """Read one log and put its row in the index; an index that cannot be written is left
    behind, ``warn`` (default: the log) told once (the log is the record)."""
    told = log.warning if warn is None else warn
    row = row_of(read_log(log_path))

    def skipped(problem: str) -> None:
        _tell_once(
            root, told, f"the session index {problem}; not updated (the logs are the record)"
        )

    _use(root, told, lambda db: upsert(db, row), skipped)
    return row


def rebuild(root: Path | None = None, warn: Warn | None = None) -> int:
    """Rebuild the index from every log in the data dir; the number of sessions indexed (0,
    ``warn`` told, when the index cannot be written)."""
    told = log.warning if warn is None else warn

    def action(db: sqlite3.Connection) -> int:
        db.execute("DELETE FROM sessions")
        db.commit()
        return sync_logs(db, root, told, None)

    def skipped(problem: str) -> int:
        _tell_once(root, told, f"the session index {problem}; not rebuilt")
        return 0

    return _use(root, told, action, skipped)


def daily_total_ms(
    day_of_wall: float,
    root: Path | None = None,
    *,
    simulated: bool = False,
    warn: Warn | None = None,
) -> int:
    """Total session time (ms) of the local calendar day containing Unix time ``day_of_wall``,
    from the index brought up to date with the logs first (a lost or stale index must not
    hide today's sessions; ``warn`` as for :func:`synced_rows`).

    Real and simulated sessions are counted apart: a simulator puts no current through
    skin, so demos must not push a person towards the daily-use warning.
    """
    day = datetime.fromtimestamp(day_of_wall).date()
    return sum(
        r.duration_ms
        for r in synced_rows(root, warn)
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
