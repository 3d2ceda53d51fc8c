"""``tens history``: empty, one and several sessions (one interrupted), the per-profile
summary, --json, and an index that is missing or stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_helpers import real_session, run, set_pain, torn_session

from tenscontrol.records.paths import index_path

FIRST = "20270115T080000Z-low-back"


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with two low-back sessions (one lost its device) and a torn calf log."""
    base = tmp_path_factory.mktemp("history")
    real_session(base, "lead_off=1@12")
    real_session(base, "unplug_at=8", intensity_ua=10_000)
    root = base / "data"
    torn_session(root)
    assert run("history", home=root).exit_code == 0  # builds the index
    set_pain(root, FIRST, 7, 4)
    return root


def test_no_sessions_is_a_friendly_line(tmp_path: Path) -> None:
    result = run("history", home=tmp_path / "nothing")
    assert result.exit_code == 0
    assert "No sessions yet" in result.output
    assert not (tmp_path / "nothing").exists()  # nothing created just by looking
    data = json.loads(run("history", "--json", home=tmp_path / "nothing").stdout)
    assert data == {"sessions": [], "profiles": []}


def test_one_session(tmp_path: Path) -> None:
    real_session(tmp_path)
    result = run("history", home=tmp_path / "data")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Sessions (1)"
    row = next(line for line in lines if FIRST in line)
    for cell in ("low-back", "simulated", "0:20", "completed", "15", " - "):
        assert cell in row


def test_several_sessions_newest_first_with_interrupted(several: Path) -> None:
    result = run("history", home=several)
    assert result.exit_code == 0, result.output
    out = result.output
    rows = [line for line in out.splitlines() if "Z-" in line]
    assert [r.split()[-1] for r in rows] == [
        "20300101T000000Z-calf",
        f"{FIRST}-2",
        FIRST,
    ]
    assert "interrupted" in rows[0]
    assert "real" in rows[0]
    assert "device_lost" in rows[1]
    assert "7 -> 4" in rows[2]
    summary = out[out.index("Per profile") :].splitlines()
    calf = next(line for line in summary if line.startswith("calf"))
    back = next(line for line in summary if line.startswith("low-back"))
    assert calf.split()[1] == "1"
    assert back.split()[1] == "2"
    assert "-3.0" in back  # 7 -> 4
    assert calf.split()[3] == "-"


def test_json_shape(several: Path) -> None:
    result = run("history", "--json", home=several)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    first = data["sessions"][0]
    assert set(first) == {
        "id",
        "start_ms",
        "start_local",
        "end_ms",
        "profile",
        "duration_ms",
        "reason",
        "max_ua",
        "max_ua_by_channel",
        "simulated",
        "pain_before",
        "pain_after",
    }
    assert first["reason"] == "interrupted"
    assert first["end_ms"] is None
    assert first["duration_ms"] == 5_000
    assert first["max_ua"] == 9_500
    assert isinstance(first["start_ms"], int)
    oldest = data["sessions"][-1]
    assert (oldest["pain_before"], oldest["pain_after"]) == (7, 4)
    assert oldest["max_ua_by_channel"] == {"1": 15_000}
    by_name = {p["profile"]: p for p in data["profiles"]}
    assert by_name["low-back"]["sessions"] == 2
    assert by_name["low-back"]["pain_change_avg"] == -3.0
    assert by_name["low-back"]["pain_pairs"] == 1
    assert by_name["calf"]["pain_change_avg"] is None
    assert by_name["calf"]["total_ms"] == 5_000


def test_a_missing_or_stale_index_is_filled_from_the_logs(several: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(several, root)
    index_path(root).unlink()
    data = json.loads(run("history", "--json", home=root).stdout)
    assert len(data["sessions"]) == 3
    torn_session(root, "20310101T000000Z-neck")  # a new log the index has not seen
    result = run("history", home=root)
    assert "20310101T000000Z-neck" in result.output
    assert "Sessions (4)" in result.output


def test_an_unreadable_log_is_skipped_with_a_warning(tmp_path: Path) -> None:
    torn_session(tmp_path)
    (tmp_path / "sessions" / "junk.jsonl").write_text("not json\n")
    result = run("history", home=tmp_path)
    assert result.exit_code == 0
    assert "warning: skipped junk.jsonl" in result.stderr
    assert "Sessions (1)" in result.stdout


def test_help_has_an_example() -> None:
    result = run("history", "--help", home=Path("/nonexistent"))
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "tens history" in result.output


def test_max_ma_has_one_decimal_like_everywhere_else(tmp_path: Path) -> None:
    """21116 uA shows as 21.1 mA (it showed "21.116"); whole values stay whole."""
    real_session(tmp_path, intensity_ua=21_116)
    real_session(tmp_path, intensity_ua=20_000)
    result = run("history", home=tmp_path / "data")
    assert result.exit_code == 0, result.output
    shown = set(result.output.split())
    assert "21.1" in shown
    assert "20" in shown
    assert "21.116" not in result.output
