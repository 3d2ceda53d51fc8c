"""Wall time of a 60-minute session in virtual time (a simulator on a VirtualClock, manual driver).

Run: ``python benchmarks/virtual_session.py [--minutes 60] [--profile]``. The profile is the
built-in ``low-back`` stretched to the length asked for, at 20 mA, with a session log in a
temporary folder. ``--profile`` prints where the time goes (engine vs driver vs simulator).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from tenscontrol import sim
from tenscontrol.clock import VirtualClock
from tenscontrol.device import TensDevice
from tenscontrol.profiles import resolve
from tenscontrol.session import SessionEngine, UserCaps


def run(minutes: int, folder: Path) -> tuple[float, str, int]:
    """One virtual session; (wall seconds, end reason, log bytes)."""
    base = resolve("low-back")
    ms = minutes * 60_000
    profile = replace(base, duration_ms=ms, phases=(replace(base.phases[0], duration_ms=ms),))
    clock = VirtualClock()
    with TensDevice(sim.open_simulator(clock=clock), clock=clock, threaded=False) as device:
        device.connect()
        engine = SessionEngine(
            profile, device, intensities_ua={1: 20_000}, caps=UserCaps(), data_root=folder
        )
        began = time.perf_counter()
        result = engine.run()
        wall = time.perf_counter() - began
    size = result.log_path.stat().st_size if result.log_path else 0
    return wall, result.reason, size


def main() -> None:
    """Run and print the wall time."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--profile", action="store_true", help="show a cProfile breakdown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
        wall, reason, size = run(args.minutes, Path(tmp))
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print(f"virtual {args.minutes}-minute session: {reason}, wall {wall:.2f} s, log {size} bytes")


if __name__ == "__main__":
    main()
