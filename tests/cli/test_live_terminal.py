"""The live view on a real terminal: ``tens start`` runs inside tmux (a real pty and a real
terminal emulator), keys are pressed with ``tmux send-keys`` and the screen is read back
with ``tmux capture-pane``. The simulator's own event log (``TENS_SIM_OPTIONS=log=...``)
is the proof of what the device put out: after q or Esc, output 0 and a STOP."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

DEADLINE_S = 20.0


class Pane:
    """One tmux server (its own socket) with one window running ``command``."""

    def __init__(self, tmp: Path, command: str, env: dict[str, str]) -> None:
        self.socket = str(tmp / "tmux.sock")
        self.env = env
        self._tmux("new-session", "-d", "-x", "120", "-y", "45", "-s", "t", command)

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", self.socket, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def screen(self) -> str:
        """The visible screen, as text."""
        return self._tmux("capture-pane", "-p", "-t", "t")

    def keys(self, *names: str) -> None:
        """Press keys (tmux key names, e.g. Up, Space, Escape, q)."""
        self._tmux("send-keys", "-t", "t", *names)

    def wait_for(self, *texts: str) -> str:
        """The screen once it shows every one of ``texts``; fails after the deadline."""
        deadline = time.monotonic() + DEADLINE_S
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"never showed {texts}; screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[tuple[Pane, Path]]:
    sim_log = tmp_path / "sim.jsonl"
    env = {
        **os.environ,
        "TENS_HOME": str(tmp_path / "home"),
        "TERM": "xterm-256color",
        "TENS_SIM_OPTIONS": f"log={sim_log}",
    }
    env.pop("TENS_PORT", None)
    env.pop("NO_COLOR", None)
    start = [
        sys.executable,
        "-m",
        "tenscontrol.cli",
        "start",
        "--profile",
        "sciatic-leg",
        "--simulate",
        "--intensity",
        "1=10",
        "--duration",
        "2m",
        "--yes",
    ]
    command = f"{shlex.join(start)}; echo EXIT=$?; sleep 60"
    pane = Pane(tmp_path, command, env)
    try:
        yield pane, sim_log
    finally:
        pane.close()


def output_events(sim_log: Path) -> list[dict[str, object]]:
    events = [json.loads(line) for line in sim_log.read_text().splitlines()]
    return [e for e in events if e["event"] in ("output", "stop")]


def assert_ends_at_zero_with_a_stop(sim_log: Path) -> None:
    events = output_events(sim_log)
    outputs = [e for e in events if e["event"] == "output"]
    assert any(int(str(e["amplitude_ua"])) > 0 for e in outputs)
    for channel in (1, 2):
        mine = [e for e in outputs if e["channel"] == channel]
        assert not mine or mine[-1]["amplitude_ua"] == 0
    last_on = max(i for i, e in enumerate(events) if e.get("amplitude_ua"))
    assert any(e["event"] == "stop" for e in events[last_on:])


def test_keys_raise_pause_and_q_stops_output(session: tuple[Pane, Path]) -> None:
    pane, sim_log = session
    screen = pane.wait_for("STIMULATING", "delivered")
    assert "SIMULATED" in screen
    assert "channel 1: low back" in screen
    assert "target 10.0 mA" in screen
    assert "ceiling 50.0 mA" in screen
    assert "80 Hz, 180 us" in screen
    assert "lead ok" in screen
    assert "q or Esc stop" in screen

    pane.keys("Up")
    pane.wait_for("target 11.0 mA", "channel 1 target 11.0 mA")
    pane.keys("]")
    pane.wait_for("channel 2 target 1.0 mA")
    pane.keys("-")
    pane.wait_for("channel 1 target 10.0 mA")

    pane.keys("Space")
    screen = pane.wait_for("PAUSED", "OUTPUT OFF", "set  0.0 mA")
    assert "STIMULATING" not in screen
    pane.keys("Space")
    pane.wait_for("resuming (soft start)", "STIMULATING")

    pane.keys("q")
    screen = pane.wait_for("EXIT=0")
    assert "OUTPUT OFF (user): 0 mA confirmed by the device" in screen
    assert "session ended: user" in screen
    assert "output 0 confirmed" in screen
    assert_ends_at_zero_with_a_stop(sim_log)


def test_esc_stops_output(session: tuple[Pane, Path]) -> None:
    pane, sim_log = session
    pane.wait_for("STIMULATING", "delivered")
    pane.keys("Escape")
    screen = pane.wait_for("EXIT=0")
    assert "session ended: user" in screen
    assert_ends_at_zero_with_a_stop(sim_log)
