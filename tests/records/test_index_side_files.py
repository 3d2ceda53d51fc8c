"""SQLite's side files (the rollback journal; ``-wal``/``-shm``) are never followed through
a link: the names are checked before every open, and SQLite itself opens every file with
``O_NOFOLLOW`` (what ``records/index.py`` relies on, behind the private data folder)."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from records.records_helpers import three_logged
from tenscontrol.files import FileRefused
from tenscontrol.records import index, index_db
from tenscontrol.records.paths import index_path


@pytest.mark.parametrize("suffix", index_db.SIDE_SUFFIXES)
def test_a_linked_side_file_is_refused_and_its_target_untouched(
    home: Path, tmp_path: Path, suffix: str
) -> None:
    three_logged(home)
    victim = tmp_path / "victim"
    side = home / f"sessions.sqlite3{suffix}"
    side.symlink_to(victim)
    with pytest.raises(FileRefused, match="symbolic link") as refused:
        index.synced_rows(home)
    assert refused.value.path == side
    assert not victim.exists()
    assert side.is_symlink()


@pytest.mark.parametrize("mode", ["delete", "wal"])
def test_sqlite_itself_never_writes_through_a_linked_side_file(tmp_path: Path, mode: str) -> None:
    """Below our own check: SQLite opens its journal or WAL with O_NOFOLLOW, so even a link
    planted between the check and the open makes the write fail, not land elsewhere."""
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA journal_mode={mode}")
        db.execute("CREATE TABLE t (x)")
    db.close()
    victim = tmp_path / "victim"
    suffix = "-journal" if mode == "delete" else "-wal"
    for stale in ("-journal", "-wal", "-shm"):
        Path(f"{path}{stale}").unlink(missing_ok=True)
    Path(f"{path}{suffix}").symlink_to(victim)
    db = sqlite3.connect(path, isolation_level=None)  # autocommit: the INSERT writes at once
    with pytest.raises(sqlite3.OperationalError, match="unable to open database file"):
        db.execute("INSERT INTO t VALUES (1)")
    db.close()
    assert not victim.exists()


def test_the_journal_is_created_0600_whatever_the_umask(home: Path) -> None:
    three_logged(home)
    old = os.umask(0)
    try:
        db = index.connect(home)
        db.execute("UPDATE sessions SET pain_after = 2")  # a write transaction: journal open
        journal = index_path(home).with_name("sessions.sqlite3-journal")
        assert stat.S_IMODE(journal.lstat().st_mode) == 0o600
        db.rollback()
        db.close()
    finally:
        os.umask(old)
