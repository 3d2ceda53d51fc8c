"""``tens export --format fhir`` over a generated history of 1,000 sessions, next to
``tens export --format jsonl`` over the same logs.

Run: ``python benchmarks/fhir_export.py [--sessions 1000] [--runs 5] [--telemetry-s 60]``.
The history is ``progress_scale.py``'s (the product's own log writer: a built-in profile as
run, telemetry and setpoints every ``--telemetry-s`` s of a 20-45 min session, most
sessions scored, a few simulated; 1 gives the logs their real size), and most sessions get
a skin check appended as ``tens start`` stores it (``records/skin.py``).

Then times fresh ``tens`` processes (wall, median of ``--runs``, and their CPU): the FHIR
export to a file, with and without ``--include-simulated``, next to the JSON lines export
(the baseline: it reads every log whole) and ``python -c pass``; and, in this process, the
parts of one FHIR export (reading the logs, building the Bundle, the JSON text). Target of
the issue: the FHIR export < 5 s.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import progress_scale

from tenscontrol.records import fastread, fhir
from tenscontrol.records.index_db import log_paths
from tenscontrol.records.skin import SkinAnswer, SkinCheck, channel_areas, store_skin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers.processes import child_env

#: Target of the issue: the FHIR export of 1,000 sessions.
TARGET_S = 5.0
#: Share of sessions with a skin check, and the answers given (invented, as the pain
#: scores of the history are).
SKIN_SHARE = 0.8
ANSWERS = [SkinAnswer.OK] * 8 + [SkinAnswer.RED, SkinAnswer.SKIPPED]


def add_skin_checks(root: Path, seed: int = 2) -> int:
    """Append a skin check (every channel) to most finished logs in ``root``; how many."""
    rng = random.Random(seed)
    count = 0
    for path in log_paths(root):
        if rng.random() >= SKIN_SHARE:
            continue
        record = fastread.read_session(path)
        if record.summary is None:
            continue
        areas = channel_areas(record.profile)
        checks = [SkinCheck(ch, area, rng.choice(ANSWERS)) for ch, area in sorted(areas.items())]
        given = float(record.summary["ended_wall"]) + 30
        store_skin(path, record.duration_ms, checks, given_wall=given)
        count += 1
    return count


@dataclass(frozen=True)
class Timings:
    """Wall (and CPU) seconds of each command in fresh processes, the parts of one export
    in this process, and what was exported."""

    sessions: int
    skin_checks: int
    log_bytes: int
    generate_s: float
    figures: dict[str, list[float]]
    cpu: dict[str, list[float]]
    parts_s: dict[str, float]
    bundle_bytes: int
    resources: int


def parts(root: Path) -> tuple[dict[str, float], int, int]:
    """One FHIR export in this process, timed part by part: (seconds per part, bytes of
    the JSON text, resources in the Bundle)."""
    began = time.perf_counter()
    records = list(fastread.sessions(root))
    read = time.perf_counter()
    export = fhir.build(records, include_simulated=True)
    built = time.perf_counter()
    text = fhir.to_json(export.document)
    done = time.perf_counter()
    seconds = {"read logs": read - began, "build Bundle": built - read, "JSON text": done - built}
    return seconds, len(text.encode("utf-8")), len(export.document["entry"])


def measure(sessions: int, runs: int, telemetry_s: int = 60) -> Timings:
    """Generate ``sessions`` logs and time the commands over them."""
    tens = [sys.executable, "-m", "tenscontrol.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        began = time.perf_counter()
        progress_scale.generate(root, sessions, telemetry_s=telemetry_s)
        skin = add_skin_checks(root)
        generated = time.perf_counter() - began
        size = sum(p.stat().st_size for p in (root / "sessions").iterdir())
        env = child_env(root)
        out = str(Path(tmp) / "out")
        export = [*tens, "export", "--output", out, "--format"]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "tens export --format jsonl": [*export, "jsonl"],
            "tens export --format fhir": [*export, "fhir"],
            "tens export --format fhir --include-simulated": [
                *export,
                "fhir",
                "--include-simulated",
            ],
        }
        figures: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        for name, command in commands.items():
            cpu[name] = []
            figures[name] = progress_scale.wall_times(command, env, runs, cpu[name])
        seconds, size_out, count = parts(root)
    return Timings(sessions, skin, size, generated, figures, cpu, seconds, size_out, count)


def main() -> None:
    """Generate, time and print."""
    args = progress_scale.parse_args(__doc__ or "")
    result = measure(args.sessions, args.runs, args.telemetry_s)
    print(
        f"{result.sessions} sessions ({result.skin_checks} with a skin check), "
        f"{result.log_bytes / 1e6:.1f} MB of logs, generated in {result.generate_s:.1f} s"
    )
    progress_scale.print_figures(result.figures, result.cpu)
    inside = ", ".join(f"{part} {s:.3f} s" for part, s in result.parts_s.items())
    print(
        f"in this process: {inside}; Bundle of {result.resources} resources, "
        f"{result.bundle_bytes / 1e6:.1f} MB"
    )
    best = statistics.median(result.figures["tens export --format fhir"])
    verdict = "met" if best < TARGET_S else "NOT met"
    print(f"target tens export --format fhir < {TARGET_S:g} s: {verdict}")


if __name__ == "__main__":
    main()
