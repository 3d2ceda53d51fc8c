"""Smoke test of ``benchmarks/firmware.py`` and its helpers: the pure parts give the right
answers, and a tiny run on the simulator and on the posix firmware build measures every
figure (about 10 s). The posix build missing is a skip naming ``make -C firmware`` (under
CI=true a failure: .ci/run builds it). QEMU is not started here: its figures take the
same code path, and QEMU runs are kept out of the suite's parallel-prone places."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import device_timing
import firmware

from helpers.targets import TARGETS
from tenscontrol.conformance.host import Arrival
from tenscontrol.protocol import DeviceState, Fault, Telemetry

SIZE_OUTPUT = """\
firmware/build/tens-fw-mps2.elf  :
section            size        addr
.text              7248           0
.data                16   536870912
.bss               1576   536870912
.stack             2048   536872488
.debug_info       34249           0
Total             94990
"""

#: The smallest run that still gives every figure.
TINY = firmware.Settings(round_trips=5, stops=2, watchdog_rounds=1, cadence_s=0.5)


def telemetry_arrival(place: int, at: float, seq: int, uptime_ms: int) -> Arrival:
    sample = Telemetry(DeviceState.RUNNING, Fault(0), 3_950, 87, uptime_ms, 0)
    return Arrival(place, at, 1, seq, sample)


def test_sizes_are_read_from_arm_size_output() -> None:
    sizes = firmware.parse_sizes(SIZE_OUTPUT)
    assert sizes == firmware.Sizes(text=7_248, data=16, bss=1_576, stack=2_048)
    assert sizes.flash == 7_264
    assert sizes.ram == 16 + 1_576 + 2_048


def test_clock_offset_is_the_fastest_frame() -> None:
    frames = [telemetry_arrival(0, 10.0503, 0, 50), telemetry_arrival(1, 10.1001, 1, 100)]
    assert device_timing.clock_offset_s(frames) == pytest.approx(10.0001)
    with pytest.raises(RuntimeError, match="no TELEMETRY"):
        device_timing.clock_offset_s([])


def test_intervals_skip_a_seq_gap_and_count_it_lost() -> None:
    frames = [
        telemetry_arrival(0, 1.05, 65_534, 50),
        telemetry_arrival(1, 1.10, 65_535, 100),
        telemetry_arrival(2, 1.15, 0, 150),  # the seq wraps: consecutive
        telemetry_arrival(3, 1.25, 2, 250),  # seq 1 lost
    ]
    cadence = device_timing.intervals(frames, 0.2)
    assert cadence.device_ms == [50, 50]
    assert cadence.host_ms == pytest.approx([50.0, 50.0])
    assert cadence.lost == 1


def test_log_stop_to_zero_in_either_order() -> None:
    events = [
        {"mono": 1.00, "event": "stop"},  # the handshake's STOP: before any trial
        {"mono": 1.10, "event": "output", "channel": 1, "amplitude_ua": 100},
        # the posix board: the drop is logged first, at the same instant as the stop
        {"mono": 1.20, "event": "output", "channel": 1, "amplitude_ua": 0},
        {"mono": 1.20, "event": "stop"},
        {"mono": 1.30, "event": "output", "channel": 1, "amplitude_ua": 200},
        # a device that logs the stop and then the drop, 0.5 ms later
        {"mono": 1.40, "event": "stop"},
        {"mono": 1.4005, "event": "output", "channel": 1, "amplitude_ua": 0},
    ]
    found = device_timing.log_stop_to_zero_ms(events, [1.19, 1.39])
    assert found == pytest.approx([0.0, 0.5])


def test_rows_mark_targets_and_say_what_was_not_measured() -> None:
    sizes = firmware.parse_sizes(SIZE_OUTPUT)
    load = (0.5, 0.4, 0.3)
    qemu = firmware.TargetFigures("fw-qemu", load, error="qemu-system-arm not installed")
    report = firmware.Report(TINY, sizes, "", None, {"fw-qemu": qemu}, load, load, 1.0)
    rows = firmware.rows(report)
    assert rows[0][4] is True
    assert rows[1][4] is True
    qemu_rows = [r for r in rows if r[0].startswith("fw-qemu:")]
    assert qemu_rows
    assert all("not measured: qemu-system-arm not installed" in r[1] for r in qemu_rows)
    assert all(r[4] is False for r in qemu_rows)
    assert rows[-1][0].startswith("(info) load average")


@pytest.mark.parametrize("name", ["sim", "fw-host"])
def test_a_tiny_run_measures_every_figure(name: str, tmp_path: Path) -> None:
    chosen = TARGETS[name]
    if chosen.needs is not None and not chosen.needs.exists():
        pytest.skip(f"the {name} target is not built: {chosen.build}")
    figures = firmware.measure_target(name, TINY, tmp_path)
    assert figures.error is None
    assert figures.round_trips is not None
    assert len(figures.round_trips.samples_s) + figures.round_trips.lost == TINY.round_trips
    assert len(figures.stops) == TINY.stops
    assert all(s.confirmed for s in figures.stops)
    # the first frame after the ACK: one period of device time (loose: a loaded machine)
    assert all(0 < s.zero_ms <= 200 for s in figures.stops)
    assert figures.log_stop_ms is not None
    assert len(figures.log_stop_ms) == TINY.stops
    assert [w.asked_ms for w in figures.watchdog] == list(firmware.WATCHDOG_PERIODS_MS)
    assert all(w.zeroed for w in figures.watchdog)
    assert all(abs(w.error_ms) <= 60 for w in figures.watchdog)  # loose: a loaded machine
    assert figures.cadence is not None
    assert figures.cadence.device_ms
    report = firmware.Report(
        TINY, None, "not asked", None, {name: figures}, (0, 0, 0), (0, 0, 0), figures.seconds
    )
    assert firmware.rows(report)
