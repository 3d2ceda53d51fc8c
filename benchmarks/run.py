"""Every benchmark in one run: a table of figure | value | baseline | target | met?.

Run: ``python benchmarks/run.py [--quick | --full] [--busy-session-min N] [--json FILE]``.
Prints the machine first, then runs (progress on stderr):

- stop latency (``stop_latency.py``): ``stop()`` -> its ACK and -> confirmed 0 over a pty to
  ``tens simulate --pty``, next to the raw pty round trip (baseline); targets: ACK p99 <=
  5 ms, confirmed p99 <= 60 ms (the next telemetry frame);
- host loss (``host_loss.py``): ``kill -9`` of a delivering ``tens start`` -> 0 on every
  channel in the simulator's log, idle and with two CPU burners, next to the watchdog the
  host asked for (baseline); target worst <= watchdog + 100 ms;
- busy sessions (``busy_session.py``): an N-minute real-time session over a pty with 2, 4
  and 8 CPU burners (N: ``--busy-session-min``, default 10 with ``--full``, 1 otherwise),
  next to a 1-minute session with none (baseline); target 0 watchdog trips and the longest
  gap between two host frames <= 250 ms (half the watchdog);
- setpoint timing (``setpoint_timing.py``, over a pty): SET on the wire - due time;
  target p99 <= 5 ms;
- session cost (``session_cost.py``): ``tens start`` CPU per minute and peak RSS; targets
  <= 1.2 CPU s/min (2 % of a core), <= 80 MB; the simulator's cost for information;
- start-up (``startup_time.py``): ``tens --help`` and ``import tenscontrol``, fresh
  processes, next to ``python -c pass`` (baseline); target max <= 150 ms;
- virtual time (``virtual_session.py``): 60-minute session on a virtual clock; target
  <= 2 s wall;
- codec (``codec_throughput.py``): SET and TELEMETRY frames encoded+decoded per second;
- progress at scale (``progress_scale.py``): ``tens progress`` over 1,000 generated sessions'
  logs, next to ``tens history`` over the same logs (baseline); target median < 1 s;
- FHIR export at scale (``fhir_export.py``): ``tens export --format fhir`` over the same kind
  of 1,000 sessions' logs, next to ``tens export --format jsonl`` (baseline); target median
  < 5 s;
- firmware (``firmware.py``): mps2-an385 flash/RAM; STOP -> 0, watchdog, telemetry cadence and
  host round trip on fw-host and fw-qemu, next to the Python simulator and a raw pty echo
  (baselines); targets in that script's docstring.

``--quick`` runs fewer trials and shorter sessions (a smoke run: the "met?" column then
says less). ``--json FILE`` writes the machine, the rows and the raw figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import busy_session
import codec_throughput
import fhir_export
import firmware
import host_loss
import progress_scale
import session_cost
import setpoint_timing
import startup_time
import stop_latency
import virtual_session
from bench_procs import percentile


@dataclass(frozen=True)
class Row:
    """One line of the table; ``met`` is None where there is no target."""

    figure: str
    value: str
    baseline: str = "-"
    target: str = "-"
    met: bool | None = None


@dataclass(frozen=True)
class Settings:
    """How much of each benchmark to run."""

    stop_trials: int
    loss_trials: int
    busy_session_min: float  #: per busy session (2, 4 and 8 burners)
    busy_baseline_min: float  #: the session with no burners
    setpoint_s: int
    cost_s: float
    startup_runs: int
    virtual_min: int
    codec_frames: int
    progress_runs: int  #: runs of each command over 1,000 sessions (progress, FHIR export)
    fw_quick: bool = False  #: the firmware figures with firmware.QUICK (else NORMAL)


NORMAL = Settings(200, 20, 1.0, 1.0, 60, 60.0, 10, 60, 50_000, 5, fw_quick=False)
QUICK = Settings(50, 3, 0.5, 0.5, 10, 15.0, 3, 60, 10_000, 2, fw_quick=True)
#: Burner counts of the busy sessions (2 = one per core of the reference machine).
BUSY_BURNERS = [2, 4, 8]


def machine() -> dict[str, str]:
    """CPU model, cores, Python version and OS of this machine."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
    }


def ms(seconds: float) -> str:
    """Seconds as a millisecond figure."""
    return f"{seconds * 1_000:.2f} ms"


def at_most(value: float, limit: float) -> bool:
    """Whether ``value`` meets a ``<= limit`` target."""
    return value <= limit


# --- the benchmarks: each returns its rows and its raw figures ------------------------------
Result = tuple[list[Row], dict[str, Any]]


def bench_stop(s: Settings) -> Result:
    """Stop latency over a pty (to the ACK, i.e. output 0; and to the telemetry that
    confirms it), next to the raw pty round trip."""
    raw, acks, confirmed = stop_latency.measure(s.stop_trials)
    n = f"n={len(acks)}"
    raw_median = f"raw pty round trip {ms(statistics.median(raw))}"
    raw_p99 = f"raw pty round trip {ms(percentile(raw, 0.99))}"
    rows = [
        Row(f"stop -> ACK (output 0), median ({n})", ms(statistics.median(acks)), raw_median),
        Row(
            f"stop -> ACK (output 0), p99 ({n})",
            ms(percentile(acks, 0.99)),
            raw_p99,
            "p99 <= 5 ms",
            at_most(percentile(acks, 0.99), 0.005),
        ),
        Row(
            f"stop -> confirmed by telemetry, median ({n})",
            ms(statistics.median(confirmed)),
            "the next 50 ms telemetry frame",
        ),
        Row(
            f"stop -> confirmed by telemetry, p99 ({n})",
            ms(percentile(confirmed, 0.99)),
            "the next 50 ms telemetry frame",
            "p99 <= 60 ms",
            at_most(percentile(confirmed, 0.99), 0.060),
        ),
    ]
    return rows, {"raw_round_trip_s": raw, "stop_ack_s": acks, "stop_confirmed_s": confirmed}


def bench_host_loss(s: Settings) -> Result:
    """kill -9 of a delivering host, idle and busy."""
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    for label, busy in (("idle", False), ("2 CPU burners", True)):
        results = host_loss.trials(s.loss_trials, busy=busy)
        raw[label] = [asdict(r) for r in results]
        watchdog_ms = max(r.watchdog_ms for r in results)
        limit_s = (watchdog_ms + 100) / 1_000
        zero = [r.zero_s for r in results]
        seen = [r.seen_s for r in results]
        trips = sum(1 for r in results if r.watchdog_s is not None)
        base = f"watchdog {watchdog_ms} ms (START)"
        target = f"<= {watchdog_ms + 100} ms"
        n = f"n={len(results)}"
        rows.append(
            Row(
                f"host loss, {label}: kill -9 -> log 0, worst ({n}, {trips} watchdog trips)",
                f"{max(zero) * 1_000:.1f} ms (median {statistics.median(zero) * 1_000:.1f})",
                base,
                target,
                at_most(max(zero), limit_s),
            )
        )
        rows.append(
            Row(
                f"host loss, {label}: kill -9 -> 0-line seen in log file, worst ({n})",
                f"{max(seen) * 1_000:.1f} ms (median {statistics.median(seen) * 1_000:.1f})",
                base,
                target,
                at_most(max(seen), limit_s),
            )
        )
    return rows, raw


def bench_busy(s: Settings) -> Result:
    """Real-time sessions with 2, 4, 8 CPU burners against one with none."""
    baseline, runs = busy_session.measure(
        s.busy_session_min, BUSY_BURNERS, baseline_minutes=s.busy_baseline_min
    )
    base = (
        f"0 burners ({baseline.minutes_run:.1f} min): longest {baseline.host_gap_max_ms:.1f} "
        f"ms, p99 {baseline.host_gap_p99_ms:.1f}, {len(baseline.trips)} trips"
    )
    rows = []
    for run in runs:
        rows.append(
            Row(
                f"busy session, {run.burners} CPU burners ({s.busy_session_min:g} min, watchdog "
                f"{run.watchdog_ms} ms): trips (host's), longest / p99 gap between host frames",
                f"{len(run.trips)} ({run.host_trips}); {run.host_gap_max_ms:.1f} / "
                f"{run.host_gap_p99_ms:.1f} ms; exit {run.exit_code} {run.reason} after "
                f"{run.minutes_run:.2f} min; simulator {run.sim_late_events}x late >= 100 ms",
                base,
                f"0 trips, longest <= {busy_session.GAP_TARGET_MS:.0f} ms",
                run.met,
            )
        )
    raw = {
        "conditions": busy_session.conditions(0),
        "runs": [asdict(r) for r in (baseline, *runs)],
    }
    return rows, raw


def bench_setpoint(s: Settings) -> Result:
    """Setpoint lateness over a pty to ``tens simulate``."""
    timing = setpoint_timing.measure(s.setpoint_s, pty=True)
    wire, calls = timing.wire_s, timing.calls_s
    where = f"pty, {s.setpoint_s} s, n={len(wire)}, {timing.skipped_ticks} ticks skipped"
    p99 = percentile(wire, 0.99)
    rows = [
        Row(
            f"setpoint lateness (SET on the wire - due), median ({where})",
            ms(statistics.median(wire)),
            f"engine->driver {ms(statistics.median(calls))}",
        ),
        Row(
            f"setpoint lateness (SET on the wire - due), p99 ({where})",
            ms(p99),
            f"engine->driver {ms(percentile(calls, 0.99))}",
            "p99 <= 5 ms",
            at_most(p99, 0.005),
        ),
    ]
    return rows, asdict(timing)


def bench_cost(s: Settings) -> Result:
    """CPU and memory of ``tens start`` (and, for information, of the simulator)."""
    host, sim = session_cost.measure(s.cost_s)
    window = f"{host.steady_wall_s:.0f} s steady"
    rows: list[Row] = []
    per_min = host.cpu_s_per_min
    if per_min is not None:
        rows.append(
            Row(
                f"session cost: tens start CPU per minute ({window})",
                f"{per_min:.3f} CPU s/min ({per_min / 60:.2%} of a core)",
                "-",
                "<= 1.2 CPU s/min (2 %)",
                at_most(per_min, 1.2),
            )
        )
    if host.total_cpu_s is not None:
        rows.append(
            Row(
                "session cost: tens start whole process (start-up and stop included)",
                f"{host.total_cpu_s:.2f} CPU s in {host.total_wall_s:.1f} s "
                f"(start-up etc. {host.startup_cpu_s or 0:.2f} CPU s)",
            )
        )
    if host.peak_rss_mb is not None:
        rows.append(
            Row(
                "session cost: tens start peak RSS",
                f"{host.peak_rss_mb:.1f} MB",
                "-",
                "<= 80 MB",
                at_most(host.peak_rss_mb, 80),
            )
        )
    sim_min = sim.cpu_s_per_min
    rows.append(
        Row(
            f"(info) tens simulate CPU per minute ({window}), peak RSS",
            ("n/a" if sim_min is None else f"{sim_min:.3f} CPU s/min")
            + ("" if sim.peak_rss_mb is None else f", {sim.peak_rss_mb:.1f} MB"),
        )
    )
    raw = {"tens_start": asdict(host), "tens_simulate": asdict(sim)}
    return rows, raw


def bench_startup(s: Settings) -> Result:
    """Start-up wall time of fresh processes."""
    times = startup_time.measure(s.startup_runs)
    bare = times["python -c pass"]
    base = f"python -c pass {statistics.median(bare) * 1_000:.1f} ms"
    rows = []
    for name in ("tens --help", "import tenscontrol"):
        samples = times[name]
        rows.append(
            Row(
                f"start-up: {name} (n={len(samples)}, fresh processes)",
                f"median {statistics.median(samples) * 1_000:.1f} ms,"
                f" max {max(samples) * 1_000:.1f}, first {samples[0] * 1_000:.1f}",
                base,
                "max <= 150 ms",
                at_most(max(samples), 0.150),
            )
        )
    raw: dict[str, Any] = {"wall_s": times}
    if max(times["tens --help"]) > 0.150:
        costs = startup_time.import_costs()
        raw["import_tenscontrol_cli_top_packages_ms"] = startup_time.top_packages(costs, 5)
        raw["import_tenscontrol_cli_top_modules_ms"] = sorted(costs, key=lambda c: -c[1])[:5]
        top = ", ".join(f"{name} {own:.0f}" for name, own in startup_time.top_packages(costs, 5))
        rows.append(Row("(info) import tenscontrol.cli: top self time by package, ms", top))
    return rows, raw


def bench_virtual(s: Settings) -> Result:
    """A long session in virtual time."""
    with tempfile.TemporaryDirectory() as tmp:
        wall, reason, size = virtual_session.run(s.virtual_min, Path(tmp))
    limit = 2.0 * s.virtual_min / 60
    row = Row(
        f"virtual time: {s.virtual_min}-min session on sim:// virtual clock, wall",
        f"{wall:.2f} s ({reason}, log {size} B)",
        "-",
        f"<= {limit:g} s",
        at_most(wall, limit),
    )
    return [row], {"wall_s": wall, "reason": reason, "log_bytes": size}


def scale_rows(
    sessions: int,
    figures: dict[str, list[float]],
    cpu: dict[str, list[float]],
    names: tuple[str, ...],
    base: str,
    target: tuple[str, float],
) -> list[Row]:
    """One row per command of a benchmark over a generated history; the first of
    ``names`` is held to ``target`` (its text, and the median it must stay below, s)."""
    rows = []
    for name in names:
        median = statistics.median(figures[name])
        main = name == names[0]
        rows.append(
            Row(
                f"{name} over {sessions} sessions (n={len(figures[name])}, fresh processes)",
                f"median {median:.2f} s, max {max(figures[name]):.2f} "
                f"(CPU {statistics.median(cpu[name]):.2f} s)",
                base,
                target[0] if main else "-",
                median < target[1] if main else None,
            )
        )
    return rows


def bench_progress(s: Settings) -> Result:
    """``tens progress`` over 1,000 sessions' logs, next to ``tens history``."""
    timing = progress_scale.measure(1_000, s.progress_runs)
    figures, cpu = timing.figures, timing.cpu
    history = statistics.median(figures["tens history (index up to date)"])
    cold = figures["tens history (first: builds the index)"][0]
    base = f"tens history {history:.2f} s (first run, index built: {cold:.2f} s)"
    names = ("tens progress", "tens progress --json", "tens progress --png")
    rows = scale_rows(
        timing.sessions, figures, cpu, names, base, ("median < 1 s", progress_scale.TARGET_S)
    )
    raw = {"sessions": timing.sessions, "log_bytes": timing.log_bytes}
    return rows, {**raw, "wall_s": figures, "cpu_s": cpu}


def bench_fhir(s: Settings) -> Result:
    """``tens export --format fhir`` over 1,000 sessions' logs, next to the jsonl export."""
    timing = fhir_export.measure(1_000, s.progress_runs)
    figures, cpu = timing.figures, timing.cpu
    jsonl = figures["tens export --format jsonl"]
    base = f"tens export --format jsonl {statistics.median(jsonl):.2f} s"
    names = ("tens export --format fhir", "tens export --format fhir --include-simulated")
    target = ("median < 5 s", fhir_export.TARGET_S)
    rows = scale_rows(timing.sessions, figures, cpu, names, base, target)
    inside = ", ".join(f"{part} {seconds:.2f} s" for part, seconds in timing.parts_s.items())
    rows.append(
        Row(
            "(info) FHIR export in one process: parts; Bundle size",
            f"{inside}; {timing.resources} resources, {timing.bundle_bytes / 1e6:.1f} MB",
        )
    )
    raw = {"sessions": timing.sessions, "log_bytes": timing.log_bytes, "parts_s": timing.parts_s}
    return rows, {**raw, "wall_s": figures, "cpu_s": cpu}


def bench_firmware(s: Settings) -> Result:
    """The reference firmware: mps2-an385 size; STOP, watchdog, cadence and round trip on
    fw-host and fw-qemu, next to the simulator and a raw pty echo."""
    report = firmware.measure(firmware.QUICK if s.fw_quick else firmware.NORMAL)
    return [Row(*r) for r in firmware.rows(report)], firmware.raw(report)


def bench_codec(s: Settings) -> Result:
    """Frames encoded+decoded per second."""
    results = codec_throughput.measure_all(s.codec_frames)
    rows = [
        Row(
            f"codec: {r.name} encode+decode ({r.frame_bytes} B/frame)",
            f"{r.both:,.0f} frames/s",
            f"encode {r.encode:,.0f}/s, decode {r.decode:,.0f}/s",
        )
        for r in results
    ]
    return rows, {"rates": [asdict(r) for r in results]}


BENCHMARKS: list[tuple[str, Callable[[Settings], Result]]] = [
    ("stop latency", bench_stop),
    ("host loss", bench_host_loss),
    ("busy sessions", bench_busy),
    ("setpoint timing", bench_setpoint),
    ("session cost", bench_cost),
    ("start-up", bench_startup),
    ("virtual time", bench_virtual),
    ("codec", bench_codec),
    ("progress at scale", bench_progress),
    ("FHIR export at scale", bench_fhir),
    ("firmware", bench_firmware),
]


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    header = ("figure", "value", "baseline", "target", "met?")
    cells = [header] + [
        (r.figure, r.value, r.baseline, r.target, {True: "yes", False: "NO", None: "-"}[r.met])
        for r in rows
    ]
    return "\n".join(
        "| " + " | ".join(line) + " |" for line in [cells[0], ("---",) * 5, *cells[1:]]
    )


def main() -> None:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", help="fewer trials, shorter runs")
    speed.add_argument("--full", action="store_true", help="10-minute busy session")
    parser.add_argument(
        "--busy-session-min", type=float, help="length of each busy session (minutes)"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results to FILE")
    args = parser.parse_args()
    settings = QUICK if args.quick else NORMAL
    minutes = args.busy_session_min
    if minutes is None:
        minutes = 10.0 if args.full else settings.busy_session_min
    settings = Settings(**{**asdict(settings), "busy_session_min": minutes})

    info = machine()
    mode = "quick" if args.quick else "full" if args.full else "normal"
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['python']}, {info['os']}")
    print(f"mode: {mode}; {settings}", flush=True)
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    began = time.monotonic()
    for name, bench in BENCHMARKS:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        try:
            got, raw[name] = bench(settings)
        except Exception as error:
            traceback.print_exc()
            got, raw[name] = [Row(name, f"error: {error}", met=False)], {"error": repr(error)}
        rows.extend(got)
        print(f"  {name}: {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
    print(table(rows))
    print(f"total {time.monotonic() - began:.0f} s")
    if args.json:
        document = {
            "machine": info,
            "mode": mode,
            "settings": asdict(settings),
            "rows": [asdict(r) for r in rows],
            "raw": raw,
        }
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
