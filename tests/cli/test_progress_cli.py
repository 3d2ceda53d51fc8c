"""``tens progress``: 0, 1 and 1,000 sessions from the logs alone, text, --json and --png
(0600, never through a link), simulated sessions apart, and words that claim no cause."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from start_helpers import error_lines

from helpers.care_logs import local_wall, write_session
from helpers.cli import run
from tenscontrol.records.paths import index_path

PNG = b"\x89PNG\r\n\x1a\n"
CAUSAL = re.compile(r"\b(help\w*|works?|effective\w*|relie\w*|improv\w*|cur\w*|because)\b", re.I)
YESTERDAY = date.fromtimestamp(time.time()) - timedelta(days=1)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Seven real low-back sessions on the last seven days (one unscored), two mixed-frequency
    ones and a simulated one."""
    folder = tmp_path / "home"
    scores = [(7, 4), (6, 4), (8, 5), (5, 3), (7, 5), (6, 3), None]
    for ago, pain in enumerate(scores):
        write_session(folder, local_wall(YESTERDAY - timedelta(days=ago), 8), pain=pain)
    for ago in (0, 1):
        day = YESTERDAY - timedelta(days=ago)
        write_session(folder, local_wall(day, 19), profile="mixed-frequency", pain=(6, 5))
    write_session(folder, local_wall(YESTERDAY, 21), simulated=True, pain=(9, 1))
    return folder


def test_no_sessions_at_all(tmp_path: Path) -> None:
    nothing = tmp_path / "nothing"
    result = run("progress", home=nothing)
    assert result.exit_code == 0, result.stderr
    assert "0 sessions" in result.stdout
    assert "No sessions in this window" in result.stdout
    data = json.loads(run("progress", "--json", home=nothing).stdout)
    assert (data["sessions"], data["profiles"], data["window_days"]) == ([], [], 30)
    png = tmp_path / "empty.png"
    assert run("progress", "--png", str(png), home=nothing).exit_code == 0
    assert png.read_bytes().startswith(PNG)
    assert not nothing.exists()  # nothing created just by looking


def test_one_session(tmp_path: Path) -> None:
    folder = tmp_path / "home"
    write_session(folder, local_wall(YESTERDAY, 8), pain=(6, 2))
    result = run("progress", home=folder)
    assert result.exit_code == 0, result.stderr
    assert "1 session\n" in result.stdout.split("\n", 1)[0] + "\n"
    assert "low-back: too few sessions to say (1 scored; at least 5 needed)" in result.stdout
    assert "all profiles" not in result.stdout
    png = tmp_path / "one.png"
    assert run("progress", "--png", str(png), home=folder).exit_code == 0
    assert png.read_bytes().startswith(PNG)


def test_text_per_profile_day_and_session(home: Path) -> None:
    result = run("progress", home=home)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "9 sessions" in out.splitlines()[0]
    assert "low-back: pain after was 2.5 lower on average (95 % interval" in out
    assert "mixed-frequency: too few sessions to say (2 scored; at least 5 needed)" in out
    assert "lacked a score: 1 of 9 sessions (1 without any)" in out
    assert "left out: 1 SIMULATED session (--include-simulated shows them)" in out
    assert "days with a session: 7 of 8" in out  # from the first session to today
    assert "sessions started: morning 7, afternoon 0, evening 2, night 0" in out
    assert YESTERDAY.isoformat() in out
    assert "not proof of what caused it" in out
    assert not CAUSAL.search(out.replace("caused", "")), CAUSAL.search(out)


def test_json_has_every_part(home: Path) -> None:
    data = json.loads(run("progress", "--json", home=home).stdout)
    assert len(data["sessions"]) == 9
    assert data["simulated_left_out"] == 1
    assert (data["unscored"], data["without_any_score"]) == (1, 1)
    back = next(p for p in data["profiles"] if p["profile"] == "low-back")
    assert back["scored"] == 6
    assert back["pain_change_mean"] == -2.5
    low, high = back["pain_change_interval_95"]
    assert low < -2.5 < high < 0
    assert back["frequency_class"] == "high"
    day = next(d for d in data["days"] if d["day"] == YESTERDAY.isoformat())
    assert (day["sessions"], day["stimulation_ms"], day["start_times"]) == (
        2,
        3_600_000,
        ["08:00", "19:00"],
    )
    session = data["sessions"][-1]
    assert set(session) >= {"id", "start_ms", "profile", "frequency_class", "pain_change"}
    assert data["minimum_scored"] == 5


def test_simulated_sessions_only_when_asked_and_marked(home: Path) -> None:
    result = run("progress", "--include-simulated", home=home)
    assert "10 sessions (SIMULATED sessions included)" in result.stdout.splitlines()[0]
    assert "low-back (1 SIMULATED)" in result.stdout
    sessions = result.stdout[result.stdout.index("\nSessions\n") :].splitlines()
    assert "SIMULATED" in next(line for line in sessions if "21:00" in line)
    data = json.loads(run("progress", "--include-simulated", "--json", home=home).stdout)
    assert [s["simulated"] for s in data["sessions"]].count(True) == 1


def test_the_window(home: Path) -> None:
    data = json.loads(run("progress", "--days", "2", "--json", home=home).stdout)
    assert data["window_days"] == 2
    assert {s["day"] for s in data["sessions"]} <= {
        YESTERDAY.isoformat(),
        (YESTERDAY + timedelta(days=1)).isoformat(),
    }
    for bad in ("0", "-3", "x", "36501"):
        result = run("progress", "--days", bad, home=home)
        assert result.exit_code == 2
        (line,) = error_lines(result)
        assert "--days" in line


def test_from_the_logs_alone_whatever_the_index(home: Path) -> None:
    before = json.loads(run("progress", "--json", home=home).stdout)
    assert not index_path(home).exists()  # progress does not need (or make) the index
    assert run("history", home=home).exit_code == 0
    index_path(home).write_bytes(b"garbage, not SQLite")
    after = json.loads(run("progress", "--json", home=home).stdout)
    assert after == before


def test_png_is_private_and_never_through_a_link(home: Path, tmp_path: Path) -> None:
    png = tmp_path / "progress.png"
    result = run("progress", "--png", str(png), home=home)
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes().startswith(PNG)
    assert png.stat().st_mode & 0o777 == 0o600
    assert f"saved {png}" in result.stderr
    target = tmp_path / "target"
    target.write_bytes(b"keep")
    link = tmp_path / "link.png"
    link.symlink_to(target)
    refused = run("progress", "--png", str(link), home=home)
    assert refused.exit_code == 2
    assert target.read_bytes() == b"keep"
    to_stdout = run("progress", "--png", "-", home=home)
    assert to_stdout.exit_code == 0
    assert to_stdout.stdout_bytes.startswith(PNG)


def test_a_thousand_sessions_from_the_logs(tmp_path: Path) -> None:
    folder = tmp_path / "home"
    first = YESTERDAY - timedelta(days=333)
    for n in range(1_000):
        day = first + timedelta(days=n // 3)
        pain = None if n % 7 == 0 else (6, 3 + n % 3)
        write_session(folder, local_wall(day, (7, 13, 19)[n % 3]), pain=pain)
    began = time.monotonic()
    data = json.loads(run("progress", "--days", "36500", "--json", home=folder).stdout)
    elapsed = time.monotonic() - began
    assert len(data["sessions"]) == 1_000
    assert data["unscored"] == len([n for n in range(1_000) if n % 7 == 0])
    assert data["days_used"] == 334
    assert data["profiles"][0]["pain_change_interval_95"] is not None
    assert elapsed < 10  # the benchmark measures it (< 1 s); here only "not pathological"


def test_help_does_not_load_matplotlib() -> None:
    code = (
        "import sys\n"
        "from tenscontrol.cli.main import cli\n"
        "try:\n"
        "    cli(['progress', '--help'], prog_name='tens')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED', 'matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED False" in done.stdout


def test_the_benchmark_generates_logs_progress_reads(tmp_path: Path) -> None:
    """benchmarks/progress_scale.py writes its history through the real log writer."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import progress_scale

    progress_scale.generate(tmp_path / "home", 12, telemetry_s=300)
    data = json.loads(
        run("progress", "--include-simulated", "--json", home=tmp_path / "home").stdout
    )
    assert len(data["sessions"]) == 12
    assert {s["profile"] for s in data["sessions"]} <= set(progress_scale.PROFILES)
