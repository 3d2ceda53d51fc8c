"""``tens screen``: every question asked, any yes blocks with a kind message, answers stored
with the date (0600), valid for 90 days, red flags sent to urgent care."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest
from start_helpers import isolate, run, store_passed_screening

from tenscontrol.records.screening import (
    QUESTIONS,
    VALID_DAYS,
    load,
    screening_path,
    valid_screening,
)

COUNT = len(QUESTIONS)


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


def _index(qid: str) -> int:
    return [q for q, _, _ in QUESTIONS].index(qid)


def test_all_no_passes_and_is_stored_privately(home: Path) -> None:
    result = run("screen", stdin="n\n" * COUNT)
    assert result.exit_code == 0, result.stderr
    assert "valid for 90 days" in result.stdout
    path = screening_path(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["passed"] is True
    assert data["date"] == time.strftime("%Y-%m-%d")
    assert len(data["answers"]) == COUNT
    assert valid_screening(home) is not None
    shown = run("screen", "--show")
    assert shown.exit_code == 0
    assert "passed" in shown.stdout


def test_questions_cover_the_facts(home: Path) -> None:
    text = " ".join(q for _, _, q in QUESTIONS).lower()
    for words in (
        "pacemaker",
        "epilepsy",
        "pregnant",
        "cancer",
        "thrombo",
        "surgery",
        "skin",
        "driving",
        "sleeping",
        "water",
        "ecg",
        "microwave",
        "midline",
        "both legs",
        "bladder",
        "genitals",
        "foot",
    ):
        assert words in text, words


@pytest.mark.parametrize("qid", ["implant", "never_activity", "placement"])
def test_any_yes_blocks_kindly(home: Path, qid: str) -> None:
    answers = ["n"] * COUNT
    answers[_index(qid)] = "y"
    result = run("screen", stdin="\n".join(answers) + "\n")
    assert result.exit_code == 2
    assert "talk to your doctor or physiotherapist" in result.stderr
    stored = load(home)
    assert stored is not None
    assert not stored.passed
    assert len(stored.answers) == COUNT
    assert valid_screening(home) is None


def test_red_flag_sends_to_urgent_care_even_after_another_yes(home: Path) -> None:
    answers = ["y"] + ["n"] * (COUNT - 1)
    answers[_index("saddle")] = "y"
    result = run("screen", stdin="\n".join(answers) + "\n")
    assert result.exit_code == 2
    assert "urgent medical care" in result.stderr


def test_unclear_answer_is_bad_input(home: Path) -> None:
    result = run("screen", stdin="maybe\n")
    assert result.exit_code == 2
    assert load(home) is None


def test_valid_for_90_days_only(home: Path) -> None:
    now = time.time()
    store_passed_screening(home, now - (VALID_DAYS - 1) * 86_400)
    assert valid_screening(home, now) is not None
    store_passed_screening(home, now - (VALID_DAYS + 1) * 86_400)
    assert valid_screening(home, now) is None
    assert "expired" in run("screen", "--show").stdout


def test_unreadable_or_partial_file_is_not_valid(home: Path) -> None:
    path = screening_path(home)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert valid_screening(home) is None
    path.write_text(
        json.dumps({"schema": 1, "completed_wall": time.time(), "answers": {"implant": False}})
    )
    assert valid_screening(home) is None
    assert run("screen", "--show").exit_code == 0


def test_show_without_screening(home: Path) -> None:
    result = run("screen", "--show")
    assert result.exit_code == 1
    assert "no screening" in result.stdout
