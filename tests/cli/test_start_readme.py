"""The README's Quick start command 1 is a real simulated session that finishes fast, and
.ci/run runs exactly it; the fast-forward clock never runs ahead of X times real time."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import pytest
from start_helpers import isolate, run

from tenscontrol.clock import SpeedClock
from tenscontrol.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]


def _quick_start_command() -> str:
    text = (ROOT / "README.md").read_text()
    block = text.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    line = next(ln for ln in block.splitlines() if "tens start" in ln)
    return "tens start" + line.split("tens start", 1)[1]


def test_quick_start_runs_a_simulated_session(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate(monkeypatch, tmp_path)
    command = _quick_start_command()
    assert "--simulate" in command
    assert "--yes" in command
    args = [*shlex.split(command)[1:], "--speed", "600"]  # a later --speed wins: fast here
    began = time.monotonic()
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - began < 5
    assert all(line.startswith("SIMULATED") for line in result.stdout.splitlines())
    assert "session ended: completed after 05:00" in result.stdout


def test_ci_runs_the_quick_start_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _quick_start_command() in ci
    assert "tens simulate --self-test" in ci


def test_speed_clock_is_paced_virtual_time() -> None:
    clock = SpeedClock(1_000)
    wall0 = clock.wall()
    real0 = time.monotonic()
    assert clock.monotonic() == 0.0
    clock.sleep_until(0.5)  # 0.5 s of device time: 0.5 ms real at 1000x
    assert clock.monotonic() == 0.5
    assert time.monotonic() - real0 >= 0.5 / 1_000
    assert clock.wall() == pytest.approx(wall0 + 0.5)
    clock.sleep_until(0.1)  # never goes back
    assert clock.monotonic() == 0.5
    with pytest.raises(UserInputError):
        SpeedClock(0.5)
