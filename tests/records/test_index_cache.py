"""The session index is a cache of the logs (hazard 13): a corrupt one is set aside (kept as
evidence, mode 0600) and rebuilt with one warning; one SQLite cannot write is read around
from the logs with one warning; no :class:`sqlite3.Error` ever reaches the caller."""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from records.records_helpers import (
    FIRST_WALL,
    write_log,
)
from tenscontrol.files import FileRefused
from tenscontrol.records import index, index_db
from tenscontrol.records.diary import store_pain
from tenscontrol.records.lookup import sync_index
from tenscontrol.records.paths import index_path

GARBAGE = bytes(range(7, 207))  # 200 bytes that no SQLite header starts with


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def corrupt_start(path: Path, garbage: bytes = GARBAGE, offset: int = 0) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(garbage)


def asides(home: Path) -> list[Path]:
    return sorted(home.glob("sessions.sqlite3.corrupt-*"))


class Told(list[str]):
    """A warn callback that keeps what it was told."""

    def __call__(self, text: str) -> None:
        self.append(text)


def test_a_corrupt_index_is_set_aside_and_rebuilt_with_one_warning(
    home: Path, logged: list[str]
) -> None:
    db_file = index_path(home)
    corrupt_start(db_file)
    told = Told()
    found = sync_index(home, told)
    assert [r.id for r in found] == logged
    assert found[0].pain_before == 6  # from the log: a rebuild keeps the diary
    assert len(told) == 1, told
    (aside,) = asides(home)
    assert told[0] == (
        "the session index was unreadable (file is not a database); "
        f"set it aside as {aside.name} and rebuilt it from 3 logs"
    )
    assert aside.read_bytes().startswith(GARBAGE)  # kept as it was: it may be evidence
    assert mode(aside) == 0o600
    assert mode(db_file) == 0o600
    told.clear()
    assert sync_index(home, told) == found  # the new index is a good one
    assert told == []


@pytest.mark.parametrize("keep", [50, 4_096, 10_000], ids=["in-header", "page-1", "mid-file"])
def test_a_truncated_index_is_set_aside_and_rebuilt(home: Path, keep: int) -> None:
    ids = [write_log(home, day) for day in range(8)]
    index.rebuild(home)
    db_file = index_path(home)
    with sqlite3.connect(db_file) as db:  # make it span pages: filler rows, still our table
        db.executemany(
            "INSERT INTO sessions VALUES (?, 0, NULL, ?, 'completed', 0, NULL, NULL, 0, 1, NULL,"
            " NULL)",
            [(f"filler-{n}", "x" * 500) for n in range(40)],
        )
    db.close()
    assert db_file.stat().st_size > keep
    os.truncate(db_file, keep)
    told = Told()
    found = sync_index(home, told)
    assert [r.id for r in found] == ids  # the filler is not in any log
    assert len(told) == 1, told
    assert "database disk image is malformed" in told[0]
    assert asides(home)[0].stat().st_size == keep


def test_a_zero_length_index_is_an_empty_one_and_filled_silently(
    home: Path, logged: list[str]
) -> None:
    index_path(home).write_bytes(b"")
    told = Told()
    assert [r.id for r in sync_index(home, told)] == logged
    assert told == []
    assert asides(home) == []


def test_a_table_of_another_shape_is_set_aside(home: Path, logged: list[str]) -> None:
    db_file = index_path(home)
    db_file.unlink()
    with sqlite3.connect(db_file) as db:  # an index from before the pain diary, say
        db.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, start REAL)")
    db.close()
    told = Told()
    assert [r.id for r in sync_index(home, told)] == logged
    assert len(told) == 1, told
    assert "set it aside" in told[0]


def test_setting_aside_takes_the_side_files_along_and_never_overwrites(
    home: Path, logged: list[str]
) -> None:
    """A journal left beside a corrupt index belongs to it: rolled into the new index, it
    would corrupt that one too. Two set-asides in one second keep both files."""
    db_file = index_path(home)
    journal = db_file.with_name("sessions.sqlite3-journal")
    journal.write_bytes(GARBAGE)
    first = index.set_aside(db_file)
    assert first.with_name(first.name + "-journal").read_bytes() == GARBAGE
    assert not os.path.lexists(journal)
    db_file.write_bytes(GARBAGE)
    second = index.set_aside(db_file)
    assert second != first
    assert first.exists()
    assert second.read_bytes() == GARBAGE
    assert not os.path.lexists(db_file)


def test_a_folder_where_the_index_should_be_is_refused_not_moved(
    home: Path, logged: list[str]
) -> None:
    db_file = index_path(home)
    db_file.unlink()
    db_file.mkdir()
    with pytest.raises(FileRefused, match="is a folder, not a regular file"):
        sync_index(home, Told())
    assert db_file.is_dir()
    assert asides(home) == []


def test_a_corrupt_index_that_cannot_be_set_aside_is_read_around(
    home: Path, logged: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db_file = index_path(home)
    corrupt_start(db_file)
    before = db_file.read_bytes()

    def refuse(path: Path) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(index, "set_aside", refuse)
    told = Told()
    assert [r.id for r in sync_index(home, told)] == logged
    assert told == [
        "the session index is unreadable (file is not a database) and cannot be set aside"
        " (Permission denied); read the 3 sessions from their logs"
    ]
    assert db_file.read_bytes() == before


def read_only_seam(monkeypatch: pytest.MonkeyPatch) -> None:
    """Root ignores file modes, so here SQLite itself opens the index read-only
    (``mode=ro``); the child-process tests make a real 0400 file bind for root too."""

    def read_only(path: Path) -> sqlite3.Connection:
        return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)

    monkeypatch.setattr(index_db, "sqlite_open", read_only)


def test_a_read_only_index_is_read_around_from_the_logs_and_told_once(
    home: Path, logged: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db_file = index_path(home)
    with sqlite3.connect(db_file) as db:  # a score only the index has must still show
        db.execute("UPDATE sessions SET pain_after = 1 WHERE id = ?", (logged[1],))
    db.close()
    newest = write_log(home, 5)  # a log the index has not seen yet
    before = db_file.read_bytes()
    read_only_seam(monkeypatch)
    told = Told()
    found = sync_index(home, told)
    assert [r.id for r in found] == [*logged, newest]
    assert found[1].pain_after == 1
    assert told == [
        "the session index cannot be used (attempt to write a readonly database);"
        " read the 4 sessions from their logs"
    ]
    index.record_session(home / "sessions" / f"{newest}.jsonl", home, told)
    assert index.daily_total_ms(FIRST_WALL + 5 * 86_400, home, simulated=True, warn=told) == 3_000
    assert len(told) == 1  # once per command
    assert db_file.read_bytes() == before


def test_a_write_that_fails_at_session_end_warns_and_returns_the_row(
    home: Path, logged: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    newest = write_log(home, 6)
    read_only_seam(monkeypatch)
    told = Told()
    row = index.record_session(home / "sessions" / f"{newest}.jsonl", home, told)
    assert row.id == newest
    assert told == [
        "the session index cannot be used (attempt to write a readonly database);"
        " not updated (the logs are the record)"
    ]


def test_pain_scores_go_to_the_log_when_the_index_is_read_only(
    home: Path, logged: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The diary after a real session: the scores are in the log (the record) even when
    the index cannot take them, and no SQLite error reaches ``tens start``."""
    log_path = home / "sessions" / f"{logged[2]}.jsonl"
    writable = index_db.sqlite_open
    read_only_seam(monkeypatch)
    assert store_pain(log_path, 3_000, 5, 2)
    monkeypatch.setattr(index_db, "sqlite_open", writable)  # a sync takes them from the log
    (newest,) = [r for r in sync_index(home, Told()) if r.id == logged[2]]
    assert (newest.pain_before, newest.pain_after) == (5, 2)


def test_a_corrupt_index_does_not_hide_todays_sessions(home: Path, logged: list[str]) -> None:
    corrupt_start(index_path(home))
    told = Told()
    assert index.daily_total_ms(FIRST_WALL + 86_400, home, simulated=True, warn=told) == 3_000
    assert len(told) == 1


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    garbage=st.binary(min_size=1, max_size=600),
    offset=st.integers(min_value=0, max_value=12_000),
)
def test_any_bytes_over_the_index_never_raise_nor_hide_a_session(
    garbage: bytes, offset: int
) -> None:
    """Bytes overwritten inside a page can go unnoticed (SQLite keeps no checksum), so a
    row may come back altered; what must hold is that no error escapes and every logged
    session is listed."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        ids = [write_log(home, day, pain=day == 1) for day in range(4)]
        index.rebuild(home, Told())
        corrupt_start(index_path(home), garbage, offset)
        found = sync_index(home, Told())
        assert set(ids) <= {r.id for r in found}
        for aside in asides(home):
            assert mode(aside) == 0o600
