"""``tens diary SESSION --before N --after N``: scores added and corrected later, in the log
(a rebuild keeps them), and every refusal exit 2 with nothing written."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from start_helpers import error_lines

from helpers.care_logs import local_wall, write_session
from helpers.cli import run
from tenscontrol.cli import diary_cmd
from tenscontrol.records import index
from tenscontrol.records.logreader import read_log

DAY = date(2030, 8, 1)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A data folder with one real session (no scores)."""
    folder = tmp_path / "home"
    write_session(folder, local_wall(DAY, 9))
    return folder


def _pain_events(home: Path) -> list[dict[str, object]]:
    (log,) = (home / "sessions").glob("*.jsonl")
    return [e for e in read_log(log).events if e.get("event") == "pain"]


def test_scores_added_later_are_in_the_log_and_survive_a_rebuild(home: Path) -> None:
    result = run("diary", "last", "--before", "6", "--after", "3", home=home)
    assert result.exit_code == 0, result.stderr
    assert "pain before 6, after 3" in result.stdout
    assert "SIMULATED" not in result.stdout
    (event,) = _pain_events(home)
    assert (event["before"], event["after"], event["source"]) == (6, 3, "diary")
    index.rebuild(home)
    row = index.rows(home)[0]
    assert (row.pain_before, row.pain_after) == (6, 3)
    assert "6 -> 3" in run("history", home=home).stdout


def test_a_correction_wins_and_both_records_stay(home: Path) -> None:
    run("diary", "last", "--before", "6", "--after", "3", home=home)
    result = run("diary", "last", "--after", "2", home=home)
    assert result.exit_code == 0, result.stderr
    assert "pain before 6 (kept), after 2 (was 3)" in result.stdout
    assert len(_pain_events(home)) == 2
    assert "6 -> 2" in run("history", home=home).stdout


def test_a_session_by_its_id_or_a_prefix(home: Path) -> None:
    (log,) = (home / "sessions").glob("*.jsonl")
    assert run("diary", log.stem, "--before", "4", home=home).exit_code == 0
    assert run("diary", log.stem[:10], "--after", "1", home=home).exit_code == 0
    assert [(e["before"], e["after"]) for e in _pain_events(home)] == [(4, None), (None, 1)]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ((), "give --before, --after or both"),
        (("--before", "11"), "--before '11'"),
        (("--after", "-1"), "--after '-1'"),
        (("--before", "5.5"), "--before '5.5'"),
        (("--after", "²"), "--after '²'"),
        (("--before", "6", "--after", "ten"), "--after 'ten'"),
    ],
)
def test_bad_input_is_one_error_line_exit_2_and_nothing_written(
    home: Path, args: tuple[str, ...], named: str
) -> None:
    (log,) = (home / "sessions").glob("*.jsonl")
    old = log.read_bytes()
    result = run("diary", "last", *args, home=home)
    assert result.exit_code == 2
    (line,) = error_lines(result)
    assert named in line
    assert log.read_bytes() == old


def test_a_session_that_does_not_exist_is_refused(home: Path, tmp_path: Path) -> None:
    result = run("diary", "20990101", "--before", "3", home=home)
    assert result.exit_code == 2
    assert "no session matches" in result.stderr
    empty = run("diary", "last", "--before", "3", home=tmp_path / "nothing")
    assert empty.exit_code == 2
    assert not (tmp_path / "nothing").exists()


def test_a_log_that_is_not_ours_is_refused_untouched(home: Path, tmp_path: Path) -> None:
    junk = home / "sessions" / "29990101T000000Z-junk.jsonl"
    junk.write_text('{"type": "header"}\n')  # no schema: not a session log of ours
    junk.chmod(0o600)
    result = run("diary", junk.stem, "--before", "3", home=home)
    assert result.exit_code == 2
    assert "not a session log" in result.stderr
    assert junk.read_text() == '{"type": "header"}\n'
    elsewhere = write_session(tmp_path / "other", local_wall(DAY, 10))
    old = elsewhere.read_bytes()
    link = home / "sessions" / "29990102T000000Z-link.jsonl"
    link.symlink_to(elsewhere)
    result = run("diary", link.stem, "--before", "3", home=home)
    assert result.exit_code == 2
    assert elsewhere.read_bytes() == old
    hard = home / "sessions" / "29990103T000000Z-hard.jsonl"
    os.link(elsewhere, hard)
    assert run("diary", hard.stem, "--before", "3", home=home).exit_code == 2
    assert elsewhere.read_bytes() == old


def test_a_session_still_running_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    log = write_session(home, local_wall(DAY, 9), finished=False)
    old = log.read_bytes()
    monkeypatch.setattr(diary_cmd, "session_running", lambda: True)
    result = run("diary", "last", "--before", "5", home=home)
    assert result.exit_code == 2
    assert "has not ended" in result.stderr
    assert log.read_bytes() == old
    monkeypatch.setattr(diary_cmd, "session_running", lambda: False)  # crashed: allowed
    assert run("diary", "last", "--before", "5", home=home).exit_code == 0


def test_a_simulated_session_is_allowed_and_marked(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_session(home, local_wall(DAY, 9), simulated=True)
    result = run("diary", "last", "--before", "5", "--after", "4", home=home)
    assert result.exit_code == 0
    assert result.stdout.startswith("SIMULATED session ")
    assert "--include-simulated" in result.stdout


def test_a_score_from_the_environment_is_refused(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (log,) = (home / "sessions").glob("*.jsonl")
    old = log.read_bytes()
    monkeypatch.setenv("TENS_DIARY_AFTER", "2")
    result = run("diary", "last", "--before", "5", home=home)
    assert result.exit_code == 2
    assert "--after: a pain score is taken from the command line only" in result.stderr
    assert log.read_bytes() == old
