"""Start-up time: wall time of ``tens --help`` and of ``python -c "import tenscontrol"``,
each a fresh process, next to a bare ``python -c pass``.

Run: ``python benchmarks/startup_time.py [--runs 10] [--importtime]``. Each command runs
``--runs`` times in a row; the first run is also shown on its own (the coldest: nothing of
it in the page cache from this script). ``tens`` is the console script next to this
interpreter (``python -m tenscontrol.cli`` if there is none). ``--importtime`` adds where
``import tenscontrol.cli`` spends its time (``python -X importtime``): the top packages by
self time, and the top single modules. Target: ``tens --help`` <= 150 ms.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def tens_command() -> list[str]:
    """The ``tens`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "tens"
    if script.exists():
        return [str(script)]
    found = shutil.which("tens")
    return [found] if found else [sys.executable, "-m", "tenscontrol.cli"]


#: name -> command, in the order printed.
COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import tenscontrol": [sys.executable, "-c", "import tenscontrol"],
    "tens --help": [*tens_command(), "--help"],
}


def wall_times(command: list[str], runs: int) -> list[float]:
    """Seconds from spawning ``command`` to its exit, ``runs`` times (output discarded)."""
    samples: list[float] = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - began)
    return samples


def measure(runs: int) -> dict[str, list[float]]:
    """Wall times (s) of every command in :data:`COMMANDS`, first run first."""
    return {name: wall_times(command, runs) for name, command in COMMANDS.items()}


def import_costs(module: str = "tenscontrol.cli") -> list[tuple[str, float, float]]:
    """``(name, self ms, cumulative ms)`` of every module ``import module`` loads."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    costs: list[tuple[str, float, float]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        costs.append((name.strip(), int(own) / 1_000, int(cumulative) / 1_000))
    return costs


def package_of(name: str, *, split_ours: bool) -> str:
    """Grouping key: the top-level package, or ``tenscontrol.<subpackage>`` if ``split_ours``."""
    parts = name.split(".")
    if split_ours and parts[0] == "tenscontrol" and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def top_packages(
    costs: list[tuple[str, float, float]], count: int, *, split_ours: bool = True
) -> list[tuple[str, float]]:
    """The ``count`` packages with the most self time (ms), summed over their modules."""
    totals: dict[str, float] = {}
    for name, own, _ in costs:
        key = package_of(name, split_ours=split_ours)
        totals[key] = totals.get(key, 0.0) + own
    return sorted(totals.items(), key=lambda item: -item[1])[:count]


def summary(name: str, samples: list[float]) -> str:
    """One line: median, max and first run in ms."""
    ms = [s * 1_000 for s in samples]
    return (
        f"{name:<20} n={len(ms):<3} median {statistics.median(ms):6.1f} ms   "
        f"max {max(ms):6.1f} ms   first {ms[0]:6.1f} ms"
    )


def main() -> None:
    """Time the commands; optionally show the import breakdown."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="runs per command (default 10)")
    parser.add_argument("--importtime", action="store_true", help="where the import time goes")
    args = parser.parse_args()
    for name, samples in measure(args.runs).items():
        print(summary(name, samples))
    if args.importtime:
        costs = import_costs()
        total = sum(own for _, own, _ in costs)
        print(f"import tenscontrol.cli: {total:.1f} ms of self time in {len(costs)} modules")
        print("top-level packages by self time:")
        for package, own in top_packages(costs, 5, split_ours=False):
            print(f"  {package:<32} {own:6.1f} ms")
        print("top packages by self time (tenscontrol split by subpackage):")
        for package, own in top_packages(costs, 5):
            print(f"  {package:<32} {own:6.1f} ms")
        print("top modules by self time:")
        for name, own, cumulative in sorted(costs, key=lambda c: -c[1])[:5]:
            print(f"  {name:<32} {own:6.1f} ms (cumulative {cumulative:.1f} ms)")


if __name__ == "__main__":
    main()
