"""``tens start`` and care: ``--pain-before N`` (checked before any port is opened, stored
on any device) and the tolerance note of the plan (advice only: what runs is the same)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from start_helpers import FAST, error_lines, isolate, json_lines, run, store_passed_screening

from helpers.care_logs import local_wall, write_session
from tenscontrol.cli.start import command as start_cmd
from tenscontrol.cli.start import device as start_device
from tenscontrol.records import index as session_index
from tenscontrol.records.logreader import read_log
from tenscontrol.records.tolerance import SOURCES

YESTERDAY = date.fromtimestamp(time.time()) - timedelta(days=1)


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


def _pain(home: Path) -> list[dict[str, object]]:
    (log,) = sorted((home / "sessions").glob("*.jsonl"))[-1:]
    return [e for e in read_log(log).events if e.get("event") == "pain"]


@pytest.mark.parametrize("value", ["11", "-1", "5.5", "six", "²", ""])
def test_a_bad_pain_before_is_refused_before_any_port(
    home: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a port was opened for bad input")

    monkeypatch.setattr(start_cmd, "open_device", refuse)
    result = run("start", "--profile", "low-back", "--pain-before", value, *FAST)
    assert result.exit_code == 2
    (line,) = error_lines(result)
    assert line.startswith("error: --pain-before ")
    assert not (home / "sessions").exists()


def test_pain_before_on_a_simulated_session_is_stored_and_not_asked(home: Path) -> None:
    fast = tuple(a for a in FAST if a != "--no-diary")
    result = run("start", "--profile", "low-back", "--pain-before", "5", *fast, stdin="7\n2\n")
    assert result.exit_code == 0, result.stderr
    assert "Pain" not in result.stderr  # nothing asked: a simulator changes nobody's pain
    (event,) = _pain(home)
    assert (event["before"], event["after"], event["source"]) == (5, None, "option")
    assert session_index.rows(home)[0].simulated


def test_pain_before_on_a_real_device_replaces_the_question(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(start_device.OpenedDevice, "simulated", property(lambda self: False))
    store_passed_screening(home, time.time())
    result = run(
        "start",
        *("--profile", "low-back", "--port", "sim://", "--yes", "--duration", "1s"),
        *("--pain-before", "7"),
        stdin="3\n",  # the one question left: after
    )
    assert result.exit_code == 0, result.stderr
    (event,) = _pain(home)
    assert (event["before"], event["after"]) == (7, 3)
    row = session_index.rows(home)[0]
    assert (row.pain_before, row.pain_after) == (7, 3)


def _history(home: Path, days: int, *, simulated: bool = False) -> None:
    """Real low-back (high frequency) sessions on the ``days`` days up to yesterday."""
    for ago in range(days):
        day = YESTERDAY - timedelta(days=ago)
        write_session(home, local_wall(day, 9), simulated=simulated)


def _plan(home: Path, profile: str = "low-back") -> dict[str, object]:
    result = run("start", "--profile", profile, "--json", *FAST)
    assert result.exit_code == 0, result.stderr
    plan = json_lines(result.stdout)[0]
    assert plan["event"] == "plan"
    return plan


def test_four_days_of_one_class_put_a_note_in_the_plan(home: Path) -> None:
    _history(home, 4)
    note = _plan(home)["tolerance"]
    assert isinstance(note, dict)
    assert (note["class"], note["days"], note["last_day"]) == ("high", 4, YESTERDAY.isoformat())
    assert note["planned_class"] == "high"
    names = [s["profile"] for s in note["suggestions"]]
    assert names[0] == "mixed-frequency"  # mixed first, then low
    assert "acupuncture-like" in names
    assert "low-back" not in names
    assert note["sources"] == list(SOURCES)
    assert note["advice_only"] is True


def test_the_plain_plan_names_the_sources(home: Path) -> None:
    _history(home, 5)
    result = run("start", "--profile", "low-back", "--plain", *FAST)
    assert result.exit_code == 0, result.stderr
    notes = [line for line in result.stdout.splitlines() if "note: " in line]
    text = " ".join(notes)
    assert "high frequency on 5 days in a row" in text
    assert "Liebano et al. 2011" in text
    assert "DeSantana et al. 2008" in text
    assert "Advice only" in text
    assert all(line.startswith("SIMULATED") for line in notes)  # labelled like every line


@pytest.mark.parametrize(("days", "simulated"), [(3, False), (6, True)])
def test_no_note_for_three_days_or_for_simulated_sessions(
    home: Path, days: int, simulated: bool
) -> None:
    _history(home, days, simulated=simulated)
    assert _plan(home)["tolerance"] is None


def test_the_note_changes_nothing_that_runs(home: Path) -> None:
    plain = _plan(home)
    first = read_log(sorted((home / "sessions").glob("*.jsonl"))[-1]).header
    _history(home, 6)
    advised = _plan(home)
    second = read_log(sorted((home / "sessions").glob("*-low-back.jsonl"))[-1]).header
    assert advised["tolerance"] is not None
    varies = {"tolerance", "port"}  # the port: each simulator has a clock of its own
    assert {k: v for k, v in advised.items() if k not in varies} == {
        k: v for k, v in plain.items() if k not in varies
    }
    for key in ("profile", "limits", "intensities_ua", "duration_ms"):
        assert first[key] == second[key], key


def test_a_pain_score_from_the_environment_is_refused(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A score set once in the environment would be recorded for every session."""
    monkeypatch.setenv("TENS_START_PAIN_BEFORE", "4")
    result = run("start", "--profile", "low-back", *FAST)
    assert result.exit_code == 2
    (line,) = error_lines(result)
    assert "--pain-before" in line
    assert "environment" in line
    assert not (home / "sessions").exists()
