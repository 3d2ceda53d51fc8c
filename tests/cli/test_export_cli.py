"""``tens export``: CSV rows from the index (with pain), JSON lines of the raw logs, and
private (0600) output files."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest
from cli_helpers import real_session, run, set_pain, torn_session

FIRST = "20270115T080000Z-low-back"
TORN = "20300101T000000Z-calf"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One complete simulated session with pain scores and one torn log."""
    base = tmp_path_factory.mktemp("export")
    real_session(base)
    torn_session(base / "data", TORN)
    assert run("history", home=base / "data").exit_code == 0
    set_pain(base / "data", FIRST, 6, 3)
    return base / "data"


def test_csv_one_row_per_session_with_pain(home: Path) -> None:
    result = run("export", "--format", "csv", home=home)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == [FIRST, TORN]
    first, torn = rows
    assert (first["reason"], first["duration_ms"], first["max_ua"]) == (
        "completed",
        "20000",
        "15000",
    )
    assert (first["pain_before"], first["pain_after"], first["simulated"]) == ("6", "3", "1")
    assert (torn["reason"], torn["end"], torn["pain_before"]) == ("interrupted", "", "")
    assert first["start_local"].startswith("2027-01-15")


def test_jsonl_is_the_raw_logs_with_session_ids(home: Path) -> None:
    result = run("export", "--format", "jsonl", home=home)
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["session_id"] for r in records} == {FIRST, TORN}
    types = [r["type"] for r in records if r["session_id"] == FIRST]
    assert types[0] == "header"
    assert types[-1] == "summary"
    torn = [r for r in records if r["session_id"] == TORN]
    assert [r.get("event", r["type"]) for r in torn] == ["header", "start"] + ["telemetry"] * 5
    log = (home / "sessions" / f"{FIRST}.jsonl").read_text().splitlines()
    assert len(types) == len(log)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_output_files_are_private(home: Path, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    target.write_text("old content that is much longer than nothing " * 200)
    target.chmod(0o644)
    old = os.umask(0)
    try:
        result = run("export", "--format", fmt, "--output", str(target), home=home)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert result.stdout == ""
    assert "saved" in result.stderr
    assert target.read_text() == run("export", "--format", fmt, home=home).stdout


def test_bad_format_and_unwritable_output_exit_2(home: Path, tmp_path: Path) -> None:
    bad = run("export", "--format", "xml", home=home)
    assert bad.exit_code == 2
    nowhere = run("export", "--format", "csv", "-o", str(tmp_path / "no" / "x.csv"), home=home)
    assert nowhere.exit_code == 2
    assert nowhere.stderr.startswith("error: ")
    assert "hint: choose another --output file" in nowhere.stderr


def test_no_sessions_exports_just_a_header(tmp_path: Path) -> None:
    result = run("export", "--format", "csv", home=tmp_path)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [result.stdout.splitlines()[0]]
    assert run("export", "--format", "jsonl", home=tmp_path).stdout == ""


def test_help_has_an_example() -> None:
    result = run("export", "--help", home=Path("/nonexistent"))
    assert result.exit_code == 0
    assert "tens export --format csv" in result.output
