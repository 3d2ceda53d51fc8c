"""``tens diary SESSION --skin ANSWER``: a skin check added or corrected later, in the log,
read by the next plan; every refusal exit 2 with nothing written."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from start_helpers import FAST, error_lines, json_lines

from helpers.care_logs import local_wall, write_session
from helpers.cli import run
from tenscontrol.records.logreader import read_log
from tenscontrol.records.skin import skin_checks

YESTERDAY = date.fromtimestamp(time.time()) - timedelta(days=1)
LOW_BACK = "low back, both sides of the spine"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A data folder with one real low-back session yesterday (no skin check)."""
    folder = tmp_path / "home"
    write_session(folder, local_wall(YESTERDAY, 9))
    return folder


def _log(home: Path) -> Path:
    (log,) = (home / "sessions").glob("*.jsonl")
    return log


def test_a_check_added_later_is_in_the_log_and_warns_the_next_plan(home: Path) -> None:
    result = run("diary", "last", "--skin", "irritated", home=home)
    assert result.exit_code == 0, result.stderr
    assert f"skin channel 1 ({LOW_BACK}) irritated" in result.stdout
    assert "SIMULATED" not in result.stdout
    (event,) = [e for e in read_log(_log(home)).events if e.get("event") == "skin"]
    assert event["source"] == "diary"
    assert event["checks"] == [{"channel": 1, "body_area": LOW_BACK, "answer": "irritated"}]
    plan = json_lines(run("start", "--profile", "low-back", "--json", *FAST, home=home).stdout)[0]
    (warning,) = plan["skin"]
    assert warning["answer"] == "irritated"


def test_a_correction_wins_and_says_what_it_was(home: Path) -> None:
    run("diary", "last", "--skin", "red", "--before", "6", home=home)
    result = run("diary", "last", "--skin", "1=ok", home=home)
    assert result.exit_code == 0, result.stderr
    assert f"skin channel 1 ({LOW_BACK}) ok (was red)" in result.stdout
    assert "pain" not in result.stdout  # no score given this time
    assert [c.answer.value for c in skin_checks(read_log(_log(home)))] == ["ok"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--skin", "skip"), "--skin skip: a skip records nothing"),
        (("--skin", "sore"), "--skin 'sore'"),
        (("--skin", "2=red"), "--skin 2=...: there is no channel 2"),
        (("--skin", "ok", "--skin", "1=red"), "--skin: channel 1 is given twice"),
        ((), "give --before, --after or both"),
    ],
)
def test_bad_input_is_one_error_line_exit_2_and_nothing_written(
    home: Path, args: tuple[str, ...], named: str
) -> None:
    old = _log(home).read_bytes()
    result = run("diary", "last", *args, home=home)
    assert result.exit_code == 2
    (line,) = error_lines(result)
    assert named in line
    assert _log(home).read_bytes() == old


def test_a_skin_check_from_the_environment_is_refused(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _log(home).read_bytes()
    monkeypatch.setenv("TENS_DIARY_SKIN", "red")
    result = run("diary", "last", "--before", "5", home=home)
    assert result.exit_code == 2
    assert "--skin: a skin check is taken from the command line only" in result.stderr
    assert _log(home).read_bytes() == old


def test_a_simulated_session_is_allowed_and_marked(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_session(home, local_wall(YESTERDAY, 9), simulated=True)
    result = run("diary", "last", "--skin", "red", home=home)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("SIMULATED session ")
    assert "its skin check warns no later session" in result.stdout
    assert "--include-simulated" not in result.stdout  # that note is about pain scores
