"""Smoke test of ``benchmarks/``: every script imports, the codec one runs with tiny counts,
and the pure helpers of ``run.py`` and ``host_loss.py`` give the right answers. Under 3 s."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import codec_throughput
import host_loss
import run
import startup_time


def test_codec_rates_with_tiny_counts() -> None:
    rates = codec_throughput.measure_all(50)
    assert [r.name for r in rates] == ["SET", "TELEMETRY"]
    assert all(r.both > 0 and r.frame_bytes > 0 for r in rates)


def test_all_zero_after_delivery_finds_the_last_drop() -> None:
    events = [
        {"t": 1.0, "event": "start", "watchdog_ms": 500},
        {"t": 1.1, "event": "output", "channel": 1, "amplitude_ua": 1000},
        {"t": 1.2, "event": "output", "channel": 2, "amplitude_ua": 500},
        {"t": 1.3, "event": "output", "channel": 1, "amplitude_ua": 0},
    ]
    assert host_loss.all_zero_after_delivery(events) is None
    events.append({"t": 1.4, "event": "watchdog", "timeout_ms": 500})
    events.append({"t": 1.4, "event": "output", "channel": 2, "amplitude_ua": 0})
    assert host_loss.all_zero_after_delivery(events) == events[-1]


def test_frame_gaps_from_a_trace(tmp_path: Path) -> None:
    trace = tmp_path / "trace.txt"
    trace.write_text(
        "23:59:59.900000 > 00 01  | HEARTBEAT\n"
        "23:59:59.950000 < 00 02  | TELEMETRY\n"
        "00:00:00.050000 > 00 03  | HEARTBEAT\n"
    )
    gaps = host_loss.frame_gaps_ms(trace)
    assert len(gaps) == 1
    assert abs(gaps[0] - 150) < 1e-6


def test_import_costs_are_grouped_by_package() -> None:
    costs = [("pydantic", 1.0, 3.0), ("pydantic.main", 2.0, 2.0), ("tenscontrol.cli.x", 4.0, 4.0)]
    assert startup_time.top_packages(costs, 2) == [("tenscontrol.cli", 4.0), ("pydantic", 3.0)]


def test_table_marks_targets() -> None:
    text = run.table([run.Row("a", "1 ms", target="<= 5 ms", met=True), run.Row("b", "x")])
    assert text.splitlines()[2] == "| a | 1 ms | - | <= 5 ms | yes |"
    assert text.splitlines()[3].endswith("| - |")
