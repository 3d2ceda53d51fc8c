"""``tens report``: lookup by id, prefix and "last", header facts, sparklines, events,
--json, --png (error without matplotlib; a real chart when it is installed), bad ids."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cli_helpers import real_session, run, torn_session

from tenscontrol.cli.report_cmd import BLOCKS, sparkline

FIRST = "20270115T080000Z-low-back"
TORN = "20300101T000000Z-calf"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two simulated low-back sessions (a lead comes off in the first) and a torn calf log."""
    base = tmp_path_factory.mktemp("report")
    real_session(base, "lead_off=1@12.05")
    real_session(base, "unplug_at=8", intensity_ua=10_000)
    torn_session(base / "data", TORN)
    return base / "data"


def test_report_by_full_id(home: Path) -> None:
    result = run("report", FIRST, home=home)
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"Session {FIRST} (SIMULATED)" in out
    assert "profile:  low-back" in out
    assert "device:   SIMULATED TC-SIM-2" in out
    assert "duration: 0:20" in out
    assert "ended:    completed" in out
    events = out[out.index("Events:") :].splitlines()[1:]
    assert [e.split(None, 1)[1] for e in events] == [
        "start (channel 1)",
        "lead channel 1: off",
        "stop (completed)",
        "end (completed)",
    ]
    assert events[1].split()[0] == "0:12"


def test_sparkline_rises_and_drops_when_the_lead_comes_off(home: Path) -> None:
    out = run("report", FIRST, home=home).output
    line = next(x for x in out.splitlines() if x.startswith("  delivered |"))
    body = line.split("|")[1]
    assert len(body) == 60
    assert set(body) <= set(BLOCKS) | {" "}
    assert body[0] == " "  # output starts at 0
    assert "▁" in body
    assert "█" in body
    assert body.index("▁") < body.index("█")  # the soft start
    assert body[40:] == " " * 20  # the lead came off at 12 s (column 36): nothing delivered


def test_prefix_and_last(home: Path) -> None:
    by_prefix = run("report", "20300101", home=home)
    assert by_prefix.exit_code == 0
    assert f"Session {TORN}" in by_prefix.output
    last = run("report", "last", home=home)
    assert last.output == by_prefix.output
    assert "ended:    interrupted" in last.output
    assert "SIMULATED" not in last.output


def test_unknown_and_ambiguous_ids_exit_2(home: Path, tmp_path: Path) -> None:
    unknown = run("report", "nope", home=home)
    assert unknown.exit_code == 2
    assert unknown.stdout == ""
    assert unknown.stderr.splitlines()[0] == "error: no session matches 'nope'"
    assert "hint: run 'tens history'" in unknown.stderr
    ambiguous = run("report", "2027", home=home)
    assert ambiguous.exit_code == 2
    assert "matches 2 sessions" in ambiguous.stderr
    empty = run("report", "last", home=tmp_path)
    assert empty.exit_code == 2
    assert "no sessions recorded yet" in empty.stderr


def test_json_has_the_same_data_in_integer_units(home: Path) -> None:
    result = run("report", FIRST, "--json", home=home)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["session_id"] == FIRST
    assert data["simulated"] is True
    assert data["device"]["model"] == "TC-SIM-2"
    assert (data["reason"], data["duration_ms"], data["status"]) == (
        "completed",
        20_000,
        "complete",
    )
    (channel,) = data["channels"]
    assert channel["channel"] == 1
    assert channel["max_delivered_ua"] == 15_000
    assert channel["ceiling_ua"] == 50_000
    peak = max(s["delivered_ua"] for s in channel["samples"])
    assert peak == 15_000
    assert all(isinstance(s["t_ms"], int) for s in channel["samples"])
    kinds = [e["event"] for e in data["events"]]
    assert kinds == ["start", "lead", "stop", "end"]
    assert data["events"][1] == {
        "t_ms": 12_000,  # lead off at 12.05 s device time, less the connect (with its STOP)
        "event": "lead",
        "channel": 1,
        "text": "lead channel 1: off",
    }


def test_png_without_matplotlib_is_one_clear_error(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    result = run("report", "last", "--png", str(tmp_path / "x.png"), home=home)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: --png needs matplotlib, which is not installed",
        "hint: pip install 'tenscontrol[plot]'",
    ]
    assert not (tmp_path / "x.png").exists()


def test_png_is_drawn_with_matplotlib(home: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "session.png"
    result = run("report", FIRST, "--png", str(out), home=home)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_mode & 0o777 == 0o600


def test_sparkline_resampling() -> None:
    assert sparkline([], 1_000, 4, 10) == "    "
    assert sparkline([(0, 10), (500, 5)], 1_000, 2, 10) == "█▄"
    assert sparkline([(0, 1)], 1_000, 3, 80) == "▁▁▁"  # carried forward, never invisible
    assert sparkline([(0, 8), (900, 0)], 1_000, 10, 8) == "█████████ "


def test_help_has_an_example() -> None:
    result = run("report", "--help", home=Path("/nonexistent"))
    assert result.exit_code == 0
    assert "tens report last" in result.output


def test_an_empty_column_carries_the_last_value_not_the_peak() -> None:
    assert sparkline([(0, 8), (100, 0)], 1_000, 4, 8) == "█   "
    assert sparkline([(0, 0), (100, 8)], 1_000, 4, 8) == "████"


def test_the_readme_report_example_is_real_output(home: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## History, reports and export", 1)[1].split("\n## ", 1)[0]
    block = section.split("$ tens report last\n", 1)[1].split("```", 1)[0]
    out = run("report", FIRST, home=home).stdout

    def steady(text: str) -> list[str]:  # the start time is shown in local time
        return [line for line in text.splitlines() if not line.startswith("  started:")]

    assert steady(out) == steady(block)
