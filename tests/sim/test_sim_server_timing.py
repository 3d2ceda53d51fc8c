"""The simulator measures itself: how late its thread woke, and the gaps between host bytes
while the watchdog ran; the bad ones go to its event log (``late``, ``host_gap``)."""

from __future__ import annotations

import json
import select
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import serial

from helpers.waiting import wait_until
from tenscontrol.protocol import Heartbeat, Start, encode_message
from tenscontrol.sim.faults import parse_options
from tenscontrol.sim.serve_timing import ServeTiming
from tenscontrol.sim.server import GAP_EVENT_S, LATE_EVENT_S, PtyServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pty is POSIX only")


def events(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_gaps_count_only_while_the_watchdog_runs() -> None:
    timing = ServeTiming()
    assert timing.host_bytes(1.0, armed=False) is None  # START not yet handled
    assert timing.host_bytes(1.2, armed=True) is None  # the START: the watchdog runs now
    assert timing.host_bytes(1.3, armed=True) == pytest.approx(0.1)
    assert timing.host_bytes(1.7, armed=False) == pytest.approx(0.4)  # the STOP
    assert timing.host_bytes(5.0, armed=False) is None
    summary = timing.summary()
    assert summary["host_gap_n"] == 2
    assert summary["host_gap_max_ms"] == pytest.approx(400.0)
    assert summary["host_gap_over_100ms"] == 1
    timing.woke(-0.01)  # woken early by input
    timing.woke(0.0203)
    assert timing.summary()["late_max_ms"] == pytest.approx(20.3)
    assert timing.summary()["late_p99_ms"] == pytest.approx(20.3)


def test_a_quiet_host_shows_as_a_host_gap_event(tmp_path: Path) -> None:
    log = tmp_path / "sim.jsonl"
    with PtyServer(parse_options([("log", str(log))])) as server:
        port = serial.serial_for_url(server.port, exclusive=True, timeout=0.02)
        try:
            port.write(encode_message(Start(1, 1_000), 0))
            wait_until(lambda: '"start"' in log.read_text(), 5.0, "the START handled")
            port.write(encode_message(Heartbeat(), 1))
            wait_until(lambda: server.timing.host_gap.n >= 1, 5.0, "the HEARTBEAT seen")
            # The stimulus itself: this host stays quiet for longer than the gap worth an
            # event, in real time (what the server measures), within the 1 s watchdog.
            time.sleep(GAP_EVENT_S + 0.1)
            port.write(encode_message(Heartbeat(), 2))
            wait_until(lambda: server.timing.host_gap.n >= 2, 5.0, "the last HEARTBEAT seen")
            wait_until(lambda: "host_gap" in log.read_text(), 5.0, "the host_gap line")
        finally:
            port.close()
    gaps = [e for e in events(log) if e["event"] == "host_gap"]
    assert len(gaps) == 1
    assert float(gaps[0]["gap_ms"]) >= GAP_EVENT_S * 1_000  # type: ignore[arg-type]
    assert not [e for e in events(log) if e["event"] == "watchdog"]
    assert server.timing.host_gap.n >= 2


def test_a_late_wake_up_is_logged_before_what_it_then_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "sim.jsonl"
    real_select = select.select
    stalled: list[float] = []

    def starved_select(*args: Any) -> Any:
        out = real_select(*args)
        if not stalled and not out[0]:  # the first timed-out wait comes back late
            stalled.append(time.monotonic())
            time.sleep(LATE_EVENT_S + 0.05)  # the stimulus: a thread that did not run
        return out

    monkeypatch.setattr(select, "select", starved_select)  # the server calls select.select
    with PtyServer(parse_options([("log", str(log))])) as server:
        wait_until(lambda: server.timing.late.n, 5.0, "the late wake-up counted")
        wait_until(lambda: '"late"' in log.read_text(), 5.0, "the late line written")
    monkeypatch.undo()
    late = [e for e in events(log) if e["event"] == "late"]
    assert len(late) == 1
    assert float(late[0]["late_ms"]) >= LATE_EVENT_S * 1_000  # type: ignore[arg-type]
    assert late[0]["input_waiting"] is False
    assert server.timing.late.max_s >= LATE_EVENT_S
