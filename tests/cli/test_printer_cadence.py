"""How often ``tens start`` prints a status, in session time as the README says: a plain line
5 s of session time after the last one, a JSON status every second of session time (and at
least every second of real time), also under ``--speed`` (it used to be every 15 s and 3 s
at ``--speed 60``: a real-time gap and a real-time poll). Driven by hand-made snapshots and
an injected real clock; the end-to-end check runs on the paced clock of ``--speed``."""

from __future__ import annotations

import itertools
import json
import re
import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from start_helpers import isolate, run

from tenscontrol.cli.start.printer import MIN_WAIT_S, POLL_S, SessionPrinter
from tenscontrol.cli.start.streams import LineWriter
from tenscontrol.session import ChannelSnapshot, SessionEngine, Snapshot
from tenscontrol.session.events import SessionState

TICK_MS = 20
CHANNEL = ChannelSnapshot(
    channel=1,
    setpoint_ua=20_000,
    delivered_ua=20_000,
    lead="ok",
    target_ua=20_000,
    paused=False,
    faults=(),
    max_delivered_ua=20_000,
    ceiling_ua=50_000,
)
SNAP = Snapshot(
    session_id="s",
    state=SessionState.RUNNING,
    phase_index=0,
    phase_label="conventional",
    elapsed_ms=0,
    remaining_ms=60_000,
    channels=(CHANNEL,),
    link_quality=1.0,
    battery_pct=90,
    simulated=True,
)


class Lines:
    """Stands in for the printer's :class:`LineWriter`: keeps what is written."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str, *, droppable: bool = False) -> None:
        self.lines.append(text)


class RealClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def printer(*, as_json: bool, speed: float) -> tuple[SessionPrinter, Lines, RealClock]:
    out, clock = Lines(), RealClock()
    made = SessionPrinter(
        cast(SessionEngine, object()),
        cast(LineWriter, out),
        as_json=as_json,
        simulated=True,
        speed=speed,
        monotonic=clock,
    )
    return made, out, clock


def run_ticks(made: SessionPrinter, clock: RealClock, speed: float, until_ms: int = 60_000) -> None:
    """Every tick of a steady session, the real clock moving at 1/speed of session time."""
    for t_ms in range(0, until_ms, TICK_MS):
        made.maybe_status(replace(SNAP, elapsed_ms=t_ms, remaining_ms=until_ms - t_ms))
        clock.now += TICK_MS / 1_000 / speed


def elapsed_of(lines: list[str], as_json: bool) -> list[float]:
    if as_json:
        return [json.loads(line)["elapsed_s"] for line in lines]
    found = [re.search(r"(\d\d):(\d\d) elapsed", line) for line in lines]
    return [int(m.group(1)) * 60 + int(m.group(2)) for m in found if m]


@pytest.mark.parametrize("speed", [1, 60, 1_000])
def test_plain_lines_come_every_5_s_of_session_time(speed: float) -> None:
    made, out, clock = printer(as_json=False, speed=speed)
    run_ticks(made, clock, speed)
    assert elapsed_of(out.lines, as_json=False) == list(range(0, 60, 5))


@pytest.mark.parametrize("speed", [1, 60, 1_000])
def test_json_status_comes_every_second_of_session_time(speed: float) -> None:
    made, out, clock = printer(as_json=True, speed=speed)
    run_ticks(made, clock, speed)
    assert elapsed_of(out.lines, as_json=True) == [float(s) for s in range(60)]


def test_json_status_comes_each_real_second_when_session_time_stands_still() -> None:
    made, out, clock = printer(as_json=True, speed=1)
    for _ in range(300):  # 3 s of real time, the session stuck at 5 s
        made.maybe_status(replace(SNAP, elapsed_ms=5_000))
        clock.now += 0.01
    assert len(out.lines) == 3


def test_a_change_is_a_line_at_once_and_the_5_s_count_from_it() -> None:
    made, out, _ = printer(as_json=False, speed=1)
    made.maybe_status(SNAP)
    lead_off = replace(SNAP, elapsed_ms=2_000, channels=(replace(CHANNEL, lead="off"),))
    made.maybe_status(lead_off)
    made.maybe_status(replace(lead_off, elapsed_ms=6_980))
    made.maybe_status(replace(lead_off, elapsed_ms=7_000))
    assert elapsed_of(out.lines, as_json=False) == [0, 2, 7]


@pytest.mark.parametrize(("as_json", "speed"), [(True, 60), (True, 1_000), (False, 1_000)])
def test_the_status_thread_wakes_when_the_next_status_is_due(as_json: bool, speed: float) -> None:
    """Sleeping a fixed 50 ms real was 3 s of session time at --speed 60."""
    made, _, _ = printer(as_json=as_json, speed=speed)
    assert made.wait_s(SNAP) == MIN_WAIT_S  # nothing printed yet: look again at once
    made.maybe_status(SNAP)
    period_s = 1 if as_json else 5
    assert made.wait_s(SNAP) == pytest.approx(min(POLL_S, max(MIN_WAIT_S, period_s / speed)))
    nearly = replace(SNAP, elapsed_ms=period_s * 1_000 - 100)
    assert made.wait_s(nearly) <= max(MIN_WAIT_S, 0.1 / speed)


def test_in_real_time_the_thread_polls_at_most_every_50_ms() -> None:
    made, _, _ = printer(as_json=False, speed=1)
    made.maybe_status(SNAP)
    assert made.wait_s(SNAP) == POLL_S


def statuses(stdout: str) -> list[dict[str, Any]]:
    lines = (json.loads(line) for line in stdout.splitlines() if line.strip())
    return [line for line in lines if line["event"] == "status"]


def test_at_speed_60_the_json_status_is_each_second_of_session_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """End to end on the paced clock (30 s of session in about 0.5 s)."""
    isolate(monkeypatch, tmp_path)
    result = run(
        "start",
        "--profile",
        "low-back",
        "--simulate",
        "--speed",
        "60",
        "--duration",
        "30s",
        "--intensity",
        "10",
        "--yes",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    times = [s["elapsed_s"] for s in statuses(result.stdout)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) >= 25  # 30 at best; it was 10 (one per 3 s)
    # about 17 ms of real time per session second: on a loaded machine a status can land
    # 0.1 s of session time late (median 1.1 measured under two mutation workers); the
    # defect this guards against was a status every 3 s
    assert statistics.median(gaps) == pytest.approx(1.0, abs=0.2)


def test_at_speed_60_a_plain_line_is_each_5_s_of_session_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate(monkeypatch, tmp_path)
    result = run(
        "start",
        "--profile",
        "low-back",
        "--simulate",
        "--speed",
        "60",
        "--duration",
        "1m",
        "--intensity",
        "10",
        "--yes",
        "--plain",
    )
    assert result.exit_code == 0, result.stderr
    times = elapsed_of([line for line in result.stdout.splitlines() if " left " in line], False)
    assert len(times) >= 11  # 0:00 to 0:55 (plus the soft start's changes); it was 4
