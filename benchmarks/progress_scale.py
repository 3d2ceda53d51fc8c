"""``tens progress`` over a generated history of 1,000 sessions, next to ``tens history``.

Run: ``python benchmarks/progress_scale.py [--sessions 1000] [--runs 5] [--telemetry-s 60]``.
Writes the sessions' logs into a temporary data folder through the product's own log writer
(``SessionLogWriter``): a header with a built-in profile as run, start, telemetry and
setpoints (every ``--telemetry-s`` s of a 20-45 min session; the product writes them at
about 1 Hz, so 1 keeps the logs at their real size), stop, end, the summary and, for most
sessions, a ``pain`` record as the diary appends it. About three sessions a day, so 1,000
sessions cover about a year; some lack scores, a few are simulated.

Then times fresh ``tens`` processes (wall, median of ``--runs``): ``tens progress --days
36500`` (text, ``--json`` and ``--png``), next to ``tens history`` over the same logs (the
baseline: its first run builds the index from every log, later runs only check it) and
``python -c pass``. Target: ``tens progress`` < 1 s.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tenscontrol.profiles import resolve
from tenscontrol.records.diary import PainSource, pain_record
from tenscontrol.records.logwriter import SessionLogWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers.processes import child_env

#: Profiles of the generated history and the mean pain change each gets (points, after
#: minus before; invented numbers, only so that the output has something to show).
PROFILES = {"low-back": -2.0, "sciatic-leg": -1.5, "mixed-frequency": -1.8, "calf": -0.5}
#: Target of the issue: ``tens progress`` over 1,000 sessions.
TARGET_S = 1.0


def _header(session_id: str, started: float, name: str, simulated: bool) -> dict[str, object]:
    profile = resolve(name)
    data = asdict(profile)
    data["path"] = None
    data["builtin"] = True
    return {
        "type": "header",
        "schema": 1,
        "software": "bench",
        "session_id": session_id,
        "started_wall": round(started, 3),
        "simulated": simulated,
        "device": {"model": "TC-SIM-2" if simulated else "TC-1", "serial_number": "B1"},
        "limits": {str(c.number): {"ceiling_ua": c.ceiling_ua} for c in profile.channels},
        "profile": data,
        "intensities_ua": {str(c.number): 20_000 for c in profile.channels},
        "duration_ms": 1_800_000,
        "period_ms": 100,
    }


def write_session(
    root: Path, started: float, name: str, rng: random.Random, *, telemetry_s: int
) -> str:
    """One finished session's log in the data folder ``root``; its id."""
    simulated = rng.random() < 0.05
    stamp = datetime.fromtimestamp(started).strftime("%Y%m%dT%H%M%S")
    writer = SessionLogWriter.create(f"{stamp}Z-{name}", root)
    header = _header(writer.session_id, started, name, simulated)
    writer.write(header, sync=False)
    channels = [str(n) for n in header["intensities_ua"]]  # type: ignore[attr-defined]
    duration_ms = rng.randrange(20, 46) * 60_000
    writer.write({"type": "event", "t_ms": 0, "event": "start", "channels": channels}, sync=False)
    level = {ch: rng.randrange(12_000, 30_000, 500) for ch in channels}
    for t_ms in range(telemetry_s * 1_000, duration_ms, telemetry_s * 1_000):
        for ch in channels:
            setpoint = {"channel": int(ch), "amplitude_ua": level[ch]}
            writer.write(
                {"type": "event", "t_ms": t_ms, "event": "setpoint", **setpoint}, sync=False
            )
        telemetry = {"setpoint_ua": level, "delivered_ua": level}
        writer.write({"type": "event", "t_ms": t_ms, "event": "telemetry", **telemetry}, sync=False)
    for kind in ("stop", "end"):
        writer.write(
            {"type": "event", "t_ms": duration_ms, "event": kind, "reason": "completed"}, sync=False
        )
    summary = {"type": "summary", "reason": "completed", "duration_ms": duration_ms}
    summary |= {"max_delivered_ua": level, "ended_wall": started + duration_ms / 1_000}
    writer.write(summary, sync=False)
    if rng.random() < 0.85:
        before = rng.randrange(3, 9)
        after = min(10, max(0, round(before + PROFILES[name] + rng.gauss(0, 1.2))))
        given = started + duration_ms / 1_000 + 60
        kept = after if rng.random() < 0.95 else None
        writer.write(pain_record(duration_ms, before, kept, PainSource.PROMPT, given), sync=False)
    writer.close()
    return writer.session_id


def generate(root: Path, sessions: int, *, telemetry_s: int = 60, seed: int = 1) -> Path:
    """``sessions`` logs ending today, about three a day, in the data folder ``root``."""
    rng = random.Random(seed)
    days = -(-sessions // 3)
    first = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    first -= timedelta(days=days)
    names = list(PROFILES)
    for n in range(sessions):
        day = first + timedelta(days=n // 3, hours=(7, 13, 19)[n % 3], minutes=rng.randrange(60))
        name = names[(n // 3 // 5) % len(names)]  # a profile for five days, then the next
        write_session(root, day.timestamp(), name, rng, telemetry_s=telemetry_s)
    return root


def wall_times(
    command: list[str], env: dict[str, str], runs: int, cpu: list[float] | None = None
) -> list[float]:
    """Seconds from spawning ``command`` to its exit, ``runs`` times; the CPU seconds
    (user + system) of each run are appended to ``cpu`` (a busy machine stretches wall
    time, not CPU time)."""
    samples = []
    for _ in range(runs):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        samples.append(time.perf_counter() - began)
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        if cpu is not None:
            cpu.append(done.ru_utime - used.ru_utime + done.ru_stime - used.ru_stime)
    return samples


@dataclass(frozen=True)
class Timings:
    """Wall seconds of each command, fresh processes (first run first)."""

    sessions: int
    log_bytes: int
    generate_s: float
    figures: dict[str, list[float]]
    cpu: dict[str, list[float]]


def measure(sessions: int, runs: int, telemetry_s: int = 60) -> Timings:
    """Generate ``sessions`` logs and time the commands over them."""
    tens = [sys.executable, "-m", "tenscontrol.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        began = time.perf_counter()
        generate(root, sessions, telemetry_s=telemetry_s)
        generated = time.perf_counter() - began
        size = sum(p.stat().st_size for p in (root / "sessions").iterdir())
        env = child_env(root)
        png = str(Path(tmp) / "progress.png")
        days = ["--days", "36500"]
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], runs),
            "tens history (first: builds the index)": ([*tens, "history"], 1),
            "tens history (index up to date)": ([*tens, "history"], runs),
            "tens progress": ([*tens, "progress", *days], runs),
            "tens progress --json": ([*tens, "progress", *days, "--json"], runs),
            "tens progress --png": ([*tens, "progress", *days, "--png", png], runs),
        }
        figures: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        for name, (command, count) in commands.items():
            cpu[name] = []
            figures[name] = wall_times(command, env, count, cpu[name])
    return Timings(sessions, size, generated, figures, cpu)


def parse_args(description: str) -> argparse.Namespace:
    """The command line of a benchmark over a generated history (this one's and
    ``fhir_export.py``'s): ``--sessions``, ``--runs``, ``--telemetry-s``."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--telemetry-s", type=int, default=60)
    return parser.parse_args()


def print_figures(figures: dict[str, list[float]], cpu: dict[str, list[float]]) -> None:
    """One line per command: median and max wall time, median CPU time (s)."""
    for name, samples in figures.items():
        used = statistics.median(cpu[name])
        print(
            f"{name}: median {statistics.median(samples):.3f} s, max {max(samples):.3f} s "
            f"(CPU {used:.3f} s)"
        )


def main() -> None:
    """Generate, time and print."""
    args = parse_args(__doc__ or "")
    result = measure(args.sessions, args.runs, args.telemetry_s)
    print(
        f"{result.sessions} sessions, {result.log_bytes / 1e6:.1f} MB of logs, "
        f"generated in {result.generate_s:.1f} s"
    )
    print_figures(result.figures, result.cpu)
    best = statistics.median(result.figures["tens progress"])
    print(f"target tens progress < {TARGET_S:g} s: {'met' if best < TARGET_S else 'NOT met'}")


if __name__ == "__main__":
    main()
