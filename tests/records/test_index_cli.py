"""Real ``tens`` processes on an index SQLite cannot use (hazard 13): history, report and
export survive a corrupt one (set aside, rebuilt, one warning, exit 0); a full disk or a
read-only index is read around from the logs; a session still ends cleanly when the index
cannot be written at its end, and its log is the record."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers.processes import tens
from records.records_helpers import tens_bound_by_modes, write_log
from tenscontrol.records.logreader import read_log
from tenscontrol.records.paths import index_path

FAST = ("--simulate", "--speed", "600", "--yes", "--no-diary", "--duration", "1m")
START = ("start", "--profile", "low-back", "--intensity", "5", *FAST)
#: Room for any one file in the "full disk" runs: less than one SQLite page.
FULL_AFTER_BYTES = 1_024


def corrupt(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.write(bytes(range(7, 207)))


def index_warnings(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if "session index" in line]


def survived(done: subprocess.CompletedProcess[str], why: str) -> bool:
    """Exit 0, no traceback, and exactly one ``warning:`` line about the index, saying
    ``why``."""
    told = index_warnings(done)
    return (
        done.returncode == 0
        and "Traceback" not in done.stderr
        and len(told) == 1
        and told[0].startswith("warning: the session index ")
        and why in told[0]
    )


@pytest.mark.parametrize(
    "args",
    [("history",), ("report", "last"), ("export", "--format", "csv")],
    ids=["history", "report", "export"],
)
def test_every_reader_survives_a_corrupt_index(
    env: dict[str, str], home: Path, logged: list[str], args: tuple[str, ...]
) -> None:
    corrupt(index_path(home))
    done = tens(env, *args)
    assert survived(done, "unreadable (file is not a database); set it aside as"), done.stderr
    assert "rebuilt it from 3 logs" in done.stderr
    shown = logged if args[0] != "report" else logged[-1:]
    assert all(session_id in done.stdout for session_id in shown), done.stdout
    assert len(list(home.glob("sessions.sqlite3.corrupt-*"))) == 1


@pytest.mark.parametrize("args", [("history",), ("export", "--format", "csv")])
def test_a_full_disk_is_read_around_from_the_logs(
    env: dict[str, str], home: Path, logged: list[str], args: tuple[str, ...]
) -> None:
    newest = write_log(home, 5)  # the index must grow to take it in
    before = index_path(home).read_bytes()
    done = tens(env, *args, file_size_limit=FULL_AFTER_BYTES)
    assert survived(done, "cannot be used"), done.stderr
    assert "read the 4 sessions from their logs" in done.stderr
    assert all(session_id in done.stdout for session_id in [*logged, newest]), done.stdout
    assert index_path(home).read_bytes() == before


def test_a_read_only_index_is_read_around_from_the_logs(
    env: dict[str, str], home: Path, logged: list[str]
) -> None:
    run = tens_bound_by_modes()
    newest = write_log(home, 5)
    db_file = index_path(home)
    before = db_file.read_bytes()
    db_file.chmod(0o400)
    done = run(env, "history")
    assert survived(done, "cannot be used (attempt to write a readonly database)"), done.stderr
    assert all(session_id in done.stdout for session_id in [*logged, newest]), done.stdout
    assert db_file.read_bytes() == before


def test_a_corrupt_index_in_a_read_only_folder_is_left_and_read_around(
    env: dict[str, str], home: Path, logged: list[str]
) -> None:
    run = tens_bound_by_modes()
    db_file = index_path(home)
    corrupt(db_file)
    before = db_file.read_bytes()
    home.chmod(0o500)
    try:
        done = run(env, "history")
    finally:
        home.chmod(0o700)
    assert survived(done, "cannot be set aside (Permission denied)"), done.stderr
    assert all(session_id in done.stdout for session_id in logged), done.stdout
    assert db_file.read_bytes() == before


def test_a_session_with_a_corrupt_index_ends_cleanly_and_is_indexed(
    env: dict[str, str], home: Path, logged: list[str]
) -> None:
    corrupt(index_path(home))
    done = tens(env, *START)
    assert survived(done, "set it aside as"), done.stderr
    history = tens(env, "history")
    assert history.returncode == 0
    assert index_warnings(history) == []
    assert f"Sessions ({len(logged) + 1})" in history.stdout


def test_a_session_whose_index_cannot_be_written_ends_cleanly_and_its_log_is_the_record(
    env: dict[str, str], home: Path, logged: list[str]
) -> None:
    run = tens_bound_by_modes()
    db_file = index_path(home)
    db_file.chmod(0o400)
    done = run(env, *START)
    assert survived(done, "attempt to write a readonly database"), done.stderr
    newest = sorted((home / "sessions").glob("*.jsonl"))[-1]
    assert read_log(newest).reason == "completed"
    db_file.chmod(0o600)
    history = tens(env, "history")  # the index catches up from the log
    assert history.returncode == 0
    assert newest.stem in history.stdout
