"""Host loss: ``kill -9`` of a delivering ``tens start`` -> every channel at 0 in the
simulator's own log, over a pty to ``tens simulate --pty`` in another process.

Run: ``python benchmarks/host_loss.py [--trials 20] [--busy-session-min 0]``. Each trial
starts a fresh simulator (with ``--log``) and ``tens start --port <pty> --json --yes
--no-diary --profile low-back --intensity 20`` with a temporary TENS_HOME, waits for a
status with delivered current above 0, notes ``time.monotonic()`` and sends SIGKILL. The
latency is the ``mono`` of the log line that left every channel at 0, minus that instant:
both are seconds of the machine's monotonic clock (the simulator stamps each event at its
device time), which a wall-clock step does not move. Also shown: when the line was seen
in the file (the log is polled every 1 ms), which adds any delay of the simulator process
itself in getting to run.
The trials run once idle and once with two CPU-burner processes (one per core of a 2-core
machine). Target: worst case <= watchdog (the ``watchdog_ms`` the host asked for in START,
500 ms) + 100 ms.

``--busy-session-min N`` then runs an N-minute real-clock session (``--duration``) with two
CPU burners and ``--trace``, and checks that the simulator's log has no ``watchdog`` event;
it prints the longest gap between two frames the host wrote, against the watchdog (the
session of :mod:`busy_session`, which also runs 4 and 8 burners against a baseline).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import signal
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import busy_session
from bench_procs import StartProcess, cpu_burners, read_log

from tenscontrol.sim.spawn import SimulatorProcess

#: Seconds to wait for a session to deliver, and for the log to show 0 after the kill.
DELIVER_TIMEOUT_S = 30.0
ZERO_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Trial:
    """One kill: seconds from the kill to the events, and the watchdog asked for (ms)."""

    zero_s: float  #: kill -> ``t`` of the log line that left every channel at 0
    watchdog_s: float | None  #: kill -> ``t`` of the ``watchdog`` line (None: no trip logged)
    seen_s: float  #: kill -> that zero line seen in the file (1 ms polling)
    watchdog_ms: int  #: from the simulator's ``start`` line


def all_zero_after_delivery(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The log line after which every channel is at 0 for good, once some channel was above
    0 (None if output is not all 0 at the end of ``events``)."""
    level: dict[int, int] = {}
    zero_line: dict[str, Any] | None = None
    for event in events:
        if event["event"] != "output":
            continue
        level[event["channel"]] = event["amplitude_ua"]
        if any(level.values()):
            zero_line = None
        elif zero_line is None:
            zero_line = event
    return zero_line


def trial(folder: Path) -> Trial:
    """One fresh simulator and ``tens start``, killed with SIGKILL once delivering."""
    folder.mkdir(parents=True)
    log = folder / "sim.jsonl"
    with SimulatorProcess(("--pty", "--log", str(log))) as simulator:
        start = StartProcess(simulator.port, folder)
        try:
            start.wait_delivering(DELIVER_TIMEOUT_S)
            killed_at = time.monotonic()
            os.kill(start.pid, signal.SIGKILL)
            deadline = time.monotonic() + ZERO_TIMEOUT_S
            while True:
                events = read_log(log)
                zero = all_zero_after_delivery(events)
                if zero is not None:
                    seen_at = time.monotonic()
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"output not 0 {ZERO_TIMEOUT_S} s after the kill")
                time.sleep(0.001)
        finally:
            start.close()
    starts = [e for e in events if e["event"] == "start"]
    trips = [e for e in events if e["event"] == "watchdog" and e["mono"] >= killed_at]
    return Trial(
        zero_s=zero["mono"] - killed_at,
        watchdog_s=trips[0]["mono"] - killed_at if trips else None,
        seen_s=seen_at - killed_at,
        watchdog_ms=int(starts[-1]["watchdog_ms"]),
    )


def trials(count: int, *, busy: bool) -> list[Trial]:
    """``count`` trials, with two CPU burners running throughout if ``busy``."""
    burners = cpu_burners(2) if busy else contextlib.nullcontext()
    with tempfile.TemporaryDirectory() as tmp, burners:
        return [trial(Path(tmp) / f"trial{i}") for i in range(count)]


def frame_gaps_ms(trace: Path) -> list[float]:
    """Gaps (ms) between consecutive frames written by the host, from a ``--trace`` file."""
    return [(b - a) * 1_000 for a, b in itertools.pairwise(busy_session.trace_times(trace))]


def report(name: str, results: list[Trial]) -> None:
    """Median and worst of the three latencies, in ms."""

    def line(label: str, values: list[float]) -> str:
        ms = [v * 1_000 for v in values]
        return f"  {label:<34} median {statistics.median(ms):6.1f} ms   worst {max(ms):6.1f} ms"

    print(f"{name} (n={len(results)}, watchdog {results[0].watchdog_ms} ms):")
    print(line("kill -> log shows 0 (log mono)", [r.zero_s for r in results]))
    trips = [r.watchdog_s for r in results if r.watchdog_s is not None]
    if trips:
        print(line(f"kill -> watchdog line (n={len(trips)})", trips))
    print(line("kill -> zero line seen in the file", [r.seen_s for r in results]))


def main() -> None:
    """Run the idle and busy trials, then the busy session if asked."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=20, help="kills per condition (20)")
    parser.add_argument(
        "--busy-session-min",
        type=float,
        default=0.0,
        help="then a session of N minutes with both cores busy (default 0: none)",
    )
    args = parser.parse_args()
    report("idle", trials(args.trials, busy=False))
    report("2 CPU burners", trials(args.trials, busy=True))
    if args.busy_session_min > 0:
        with tempfile.TemporaryDirectory() as tmp:
            run = busy_session.run_session(2, args.busy_session_min, Path(tmp))
        print(f"busy session (watchdog {run.watchdog_ms} ms): {busy_session.describe(run)}")


if __name__ == "__main__":
    main()
