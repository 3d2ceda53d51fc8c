"""Busy machine: does the watchdog stay fed? Real-time sessions over a pty with N CPU-burner
processes running, for N in 2, 4, 8, against a baseline with none from the same run.

Run: ``python benchmarks/busy_session.py [--minutes 10] [--burners 2,4,8]
[--baseline-minutes 1] [--sim-edge K] [--keep DIR] [--json FILE]``.

Each session is ``tens simulate --pty --log FILE`` in one process and ``tens start --port
<pty> --json --yes --no-diary --profile low-back --intensity 20 --duration <minutes>
--trace FILE`` in another (its own TENS_HOME), with N processes spinning ``while True:
pass`` at the same nice level as ``tens start``. Per session:

- watchdog trips: ``watchdog`` lines in the simulator's log, and for each one whether the
  host was to blame: the host's trace shows when it last wrote a frame before the trip. A
  trip less than a watchdog period after the host's last frame is the simulator's (it did
  not read that frame in time; its ``late`` lines say for how long it did not run);
- how the session ended: the exit code and the ``end`` line's reason;
- the gaps between two frames the host wrote, from the trace (longest, p99, how many over
  250 ms and over the watchdog): the host's truth, stamped just after each write (a stall
  between a write and its trace line shows as a longer gap before it and a shorter after);
- the same gaps as the simulator saw them, from its ``host_gap`` lines (every gap of
  250 ms or more between host bytes while the watchdog was armed: the device's truth, the
  simulator's own delays and the pty's included), and its ``late`` lines (its thread woke
  100 ms or more after it meant to: a starved simulator stamps host frames late and may
  report a trip the host did not cause);
- the 1-minute load average before and after.

``--sim-edge K`` runs ``tens start`` and the burners at nice K (any user may lower a
priority) and the simulator at nice 0: the simulator stands in for a device with a CPU of
its own, so this measures the host alone. The default, 0, runs everything at the same
nice level (the simulator's own delays then count, and are shown). Goal: 0 watchdog trips
and the longest host frame gap <= 250 ms with 4 burners (the watchdog is 500 ms; the host
heartbeats every 100 ms).
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import itertools
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench_procs import StartProcess, cpu_burners, percentile, read_log

from tenscontrol.sim.spawn import SimulatorProcess

#: The goal: longest gap between two host frames, ms (half the 500 ms watchdog).
GAP_TARGET_MS = 250.0
#: Extra seconds a session may take beyond its length before it counts as hung.
EXIT_SLACK_S = 120.0


@dataclass(frozen=True)
class Trip:
    """One ``watchdog`` line: when, and how long before it the host last wrote a frame."""

    at_s: float  #: seconds after the session's first host frame
    host_quiet_ms: float | None  #: trip time - the host's last frame before it (None: unknown)
    sim_late_ms: float  #: the longest ``late`` wake-up of the simulator that spans the trip
    host_fault: bool  #: the host really was quiet for a watchdog period


@dataclass(frozen=True)
class SessionRun:
    """One real-time session with ``burners`` CPU burners. Times in ms unless named."""

    burners: int
    minutes_planned: float
    minutes_run: float  #: wall minutes from spawning ``tens start`` to its exit
    sim_edge: int  #: nice of ``tens start`` and the burners (the simulator at 0)
    exit_code: int
    reason: str  #: the ``end`` line's reason ("completed": it ran its length)
    watchdog_ms: int  #: from the simulator's ``start`` line
    trips: list[Trip]
    host_frames: int
    host_gap_max_ms: float
    host_gap_p99_ms: float
    host_gap_max_at_s: float  #: where the longest gap ended, s after the first host frame
    host_gaps_over_250: int
    host_gaps_over_watchdog: int
    device_gaps_over_250: int  #: ``host_gap`` lines: gaps >= 250 ms the simulator saw
    device_gap_max_ms: float | None  #: the longest of them (None: none that long)
    sim_late_events: int  #: ``late`` lines (wake-ups >= 100 ms late)
    sim_late_max_ms: float | None  #: the longest of them (None: none that late)
    load_before: float
    load_after: float
    folder: str = ""
    longest_gaps_ms: list[float] = field(default_factory=list)  #: the 5 longest, descending

    @property
    def host_trips(self) -> int:
        """Trips the host caused (quiet for a watchdog period before them)."""
        return sum(1 for t in self.trips if t.host_fault)

    @property
    def met(self) -> bool:
        """0 trips, ran its length, and the longest host frame gap within the goal."""
        return (
            not self.trips
            and self.exit_code == 0
            and self.reason == "completed"
            and self.host_gap_max_ms <= GAP_TARGET_MS
        )


def trace_times(trace: Path) -> list[float]:
    """Seconds of the UTC day at which the host wrote each frame (``>`` lines of a
    ``--trace`` file), made monotonic across midnight."""
    times: list[float] = []
    for line in trace.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ", 2)
        if len(parts) < 2 or parts[1] != ">":
            continue
        clock = datetime.datetime.strptime(parts[0], "%H:%M:%S.%f").time()
        seconds = clock.hour * 3600 + clock.minute * 60 + clock.second + clock.microsecond / 1e6
        if times and seconds < times[-1] - 43_200:  # the trace's clock passed midnight
            seconds += 86_400
        times.append(seconds)
    return times


def day_seconds(unix: float, reference: float) -> float:
    """Unix time ``unix`` as seconds of the UTC day, on the same day numbering as a trace
    whose first frame is at ``reference`` seconds of the day."""
    seconds = unix % 86_400
    while seconds < reference - 43_200:
        seconds += 86_400
    return seconds


def classify_trips(events: list[dict[str, Any]], host: list[float], watchdog_ms: int) -> list[Trip]:
    """Each ``watchdog`` event of the simulator's log, blamed on the host or not.

    ``host``: the host's frame times (:func:`trace_times`). The host is to blame when its
    last frame before the trip is a watchdog period or more older than the trip (less, and
    the frame was waiting for a simulator that did not read it).
    """
    if not host:
        return [Trip(0.0, None, 0.0, True) for e in events if e["event"] == "watchdog"]
    lates = [e for e in events if e["event"] == "late"]
    trips: list[Trip] = []
    for event in (e for e in events if e["event"] == "watchdog"):
        at = day_seconds(float(event["t"]), host[0])
        before = bisect.bisect_right(host, at) - 1
        quiet_ms = (at - host[before]) * 1_000 if before >= 0 else None
        spans = [
            float(e["late_ms"])
            for e in lates
            if e["t"] - e["late_ms"] / 1_000 - 0.001 <= event["t"] <= e["t"] + 0.001
        ]
        host_fault = quiet_ms is None or quiet_ms >= watchdog_ms - 1  # 1 ms: stamp rounding
        trips.append(Trip(at - host[0], quiet_ms, max(spans, default=0.0), host_fault))
    return trips


def gaps_ms(times: list[float]) -> list[float]:
    """Gaps (ms) between consecutive times (s)."""
    return [(b - a) * 1_000 for a, b in itertools.pairwise(times)]


def run_session(burners: int, minutes: float, folder: Path, *, sim_edge: int = 0) -> SessionRun:
    """One ``minutes``-long real-time session with ``burners`` burners (nice ``sim_edge``,
    as is ``tens start``; the simulator at nice 0). Keeps its files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    log, trace = folder / "sim.jsonl", folder / "trace.txt"
    load_before = os.getloadavg()[0]
    with (
        cpu_burners(burners, nice=sim_edge),
        SimulatorProcess(("--pty", "--log", str(log))) as simulator,
    ):
        began = time.monotonic()
        start = StartProcess(
            simulator.port,
            folder,
            "--duration",
            f"{round(minutes * 60)}s",
            "--trace",
            str(trace),
            nice=sim_edge,
        )
        try:
            code = start.process.wait(timeout=minutes * 60 + EXIT_SLACK_S)
        finally:
            start.close()
        ran = time.monotonic() - began
    load_after = os.getloadavg()[0]
    events = read_log(log)
    ends = [r for r in start.records() if r.get("event") == "end"]
    starts = [e for e in events if e["event"] == "start"]
    watchdog_ms = int(starts[-1]["watchdog_ms"]) if starts else 500
    device_gaps = [float(e["gap_ms"]) for e in events if e["event"] == "host_gap"]
    lates = [float(e["late_ms"]) for e in events if e["event"] == "late"]
    host = trace_times(trace)
    gaps = gaps_ms(host)
    longest = max(range(len(gaps)), key=gaps.__getitem__, default=None)
    return SessionRun(
        burners=burners,
        minutes_planned=minutes,
        minutes_run=ran / 60,
        sim_edge=sim_edge,
        exit_code=code,
        reason=str(ends[-1]["reason"]) if ends else "no end line",
        watchdog_ms=watchdog_ms,
        trips=classify_trips(events, host, watchdog_ms),
        host_frames=len(host),
        host_gap_max_ms=max(gaps, default=float("nan")),
        host_gap_p99_ms=percentile(gaps, 0.99) if gaps else float("nan"),
        host_gap_max_at_s=host[longest + 1] - host[0] if longest is not None else float("nan"),
        host_gaps_over_250=sum(1 for g in gaps if g > GAP_TARGET_MS),
        host_gaps_over_watchdog=sum(1 for g in gaps if g >= watchdog_ms),
        device_gaps_over_250=len(device_gaps),
        device_gap_max_ms=max(device_gaps, default=None),
        sim_late_events=len(lates),
        sim_late_max_ms=max(lates, default=None),
        load_before=load_before,
        load_after=load_after,
        folder=str(folder),
        longest_gaps_ms=sorted(gaps, reverse=True)[:5],
    )


def measure(
    minutes: float,
    burner_counts: list[int],
    *,
    baseline_minutes: float = 1.0,
    sim_edge: int = 0,
    keep: Path | None = None,
    progress: bool = True,
) -> tuple[SessionRun, list[SessionRun]]:
    """The baseline (no burners, ``baseline_minutes``) and one session per burner count."""
    root = Path(tempfile.mkdtemp(prefix="busy-session-", dir=keep))
    try:
        runs: list[SessionRun] = []
        plan = [(0, baseline_minutes), *((n, minutes) for n in burner_counts)]
        for burners, length in plan:
            if progress:
                print(f"  {burners} burners, {length:g} min ...", file=sys.stderr, flush=True)
            run = run_session(burners, length, root / f"n{burners}", sim_edge=sim_edge)
            runs.append(run)
            if progress:
                print(f"    {describe(run)}", file=sys.stderr, flush=True)
        return runs[0], runs[1:]
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def _ms(value: float | None, below: str) -> str:
    return below if value is None else f"{value:.1f}"


def describe(run: SessionRun) -> str:
    """One line: trips, the end, and the gaps."""
    trips = f"{len(run.trips)} trips ({run.host_trips} the host's)"
    return (
        f"N={run.burners}: {trips}, exit {run.exit_code} {run.reason} after "
        f"{run.minutes_run:.2f} min; host frame gaps: longest {run.host_gap_max_ms:.1f} ms "
        f"(at {run.host_gap_max_at_s:.0f} s), p99 {run.host_gap_p99_ms:.1f}, "
        f">250 ms {run.host_gaps_over_250}; as the simulator saw them: "
        f"{run.device_gaps_over_250} >= 250 ms (longest {_ms(run.device_gap_max_ms, '-')}); "
        f"simulator woke >= 100 ms late {run.sim_late_events} times (worst "
        f"{_ms(run.sim_late_max_ms, '-')} ms); load {run.load_before:.1f} -> "
        f"{run.load_after:.1f}"
    )


def table(baseline: SessionRun, runs: list[SessionRun]) -> str:
    """The runs as a Markdown table, the baseline first."""
    lines = [
        "| N burners | minutes | trips (host's) | longest gap ms | p99 gap ms | gaps > 250 ms "
        "(sim-side) | sim late >= 100 ms (worst) | exit | met? |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in (baseline, *runs):
        met = "-" if run is baseline else ("yes" if run.met else "NO")
        lines.append(
            f"| {run.burners}{' (baseline)' if run is baseline else ''} | "
            f"{run.minutes_run:.2f} | {len(run.trips)} ({run.host_trips}) | "
            f"{run.host_gap_max_ms:.1f} | {run.host_gap_p99_ms:.1f} | "
            f"{run.host_gaps_over_250} ({run.device_gaps_over_250}) | "
            f"{run.sim_late_events} ({_ms(run.sim_late_max_ms, '-')}) | "
            f"{run.exit_code} {run.reason} | {met} |"
        )
    return "\n".join(lines)


def conditions(sim_edge: int) -> str:
    """How the processes were scheduled, said plainly."""
    if sim_edge:
        return (
            f"tens start and the burners at nice {sim_edge}, the simulator at nice 0 (it "
            "stands in for a device with its own CPU: this measures the host alone)"
        )
    return "tens start, the simulator and the burners all at nice 0 (simulator delays count)"


def main() -> None:
    """Run the baseline and the busy sessions, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="per busy session (10)")
    parser.add_argument("--burners", default="2,4,8", help="burner counts (2,4,8)")
    parser.add_argument("--baseline-minutes", type=float, default=1.0, help="N=0 session (1)")
    parser.add_argument(
        "--sim-edge",
        type=int,
        default=0,
        metavar="K",
        help="run tens start and the burners at nice K, the simulator at 0 (default 0)",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the run folders in DIR")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results to FILE")
    args = parser.parse_args()
    counts = [int(n) for n in args.burners.split(",") if n.strip()]
    print(f"{os.cpu_count()} cores; {conditions(args.sim_edge)}", flush=True)
    baseline, runs = measure(
        args.minutes,
        counts,
        baseline_minutes=args.baseline_minutes,
        sim_edge=args.sim_edge,
        keep=args.keep,
    )
    print(table(baseline, runs))
    for run in (baseline, *runs):
        print(describe(run))
        for trip in run.trips:
            print(f"  trip at {trip.at_s:.1f} s: {asdict(trip)}")
    if args.json:
        document = {
            "conditions": conditions(args.sim_edge),
            "runs": [asdict(r) for r in (baseline, *runs)],
        }
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
