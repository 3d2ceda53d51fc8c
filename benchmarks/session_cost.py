"""Cost of a session: CPU seconds per minute and peak RSS of ``tens start`` on the real
clock, against ``tens simulate --pty`` in another process.

Run: ``python benchmarks/session_cost.py [--seconds 60]``. Runs ``tens start --port <pty>
--json --yes --no-diary --profile low-back --intensity 20`` (temporary TENS_HOME), waits
until it delivers, measures ``--seconds`` of steady session, then stops it with SIGTERM.
CPU seconds (user + system) over that window come from ``/proc/<pid>/stat`` (10 ms ticks);
the whole process (start-up and stop included) from ``os.wait4``, whose ``ru_maxrss`` (KiB)
gives the peak RSS. The simulator's own cost is printed separately, for information. MB
are 10^6 bytes. Targets: ``tens start`` <= 1.2 CPU s per minute (2 % of a core) and
<= 80 MB peak RSS.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_procs import StartProcess, proc_cpu_s, proc_peak_rss_mb

from tenscontrol.sim.spawn import SimulatorProcess


@dataclass(frozen=True)
class Cost:
    """What one process used. CPU in seconds, memory in MB; None where not measurable."""

    steady_cpu_s: float | None  #: user + system CPU over the steady window
    steady_wall_s: float  #: length of the steady window (delivering -> SIGTERM)
    total_cpu_s: float | None  #: user + system CPU over the process's life
    total_wall_s: float  #: spawn -> exit (or -> the last sample, for the simulator)
    peak_rss_mb: float | None

    @property
    def cpu_s_per_min(self) -> float | None:
        """Steady-state CPU seconds per minute of session."""
        if self.steady_cpu_s is None or self.steady_wall_s <= 0:
            return None
        return self.steady_cpu_s / (self.steady_wall_s / 60)

    @property
    def startup_cpu_s(self) -> float | None:
        """CPU spent outside the steady window (start-up, soft start to delivering, stop)."""
        if self.total_cpu_s is None or self.steady_cpu_s is None:
            return None
        return self.total_cpu_s - self.steady_cpu_s


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def measure(seconds: float) -> tuple[Cost, Cost]:
    """(``tens start``, ``tens simulate``) costs over a session of ``seconds`` steady time."""
    with tempfile.TemporaryDirectory() as tmp, SimulatorProcess(("--pty",)) as simulator:
        sim_pid, sim_began = simulator.process.pid, time.monotonic()
        began = time.monotonic()
        start = StartProcess(simulator.port, Path(tmp))
        try:
            start.wait_delivering(30)
            host0, sim0, t0 = proc_cpu_s(start.pid), proc_cpu_s(sim_pid), time.monotonic()
            time.sleep(seconds)
            host1, sim1, t1 = proc_cpu_s(start.pid), proc_cpu_s(sim_pid), time.monotonic()
            start.process.send_signal(signal.SIGTERM)
            usage = start.wait_rusage()
            ended = time.monotonic()
        finally:
            start.close()
        sim_total, sim_rss, sim_ended = (
            proc_cpu_s(sim_pid),
            proc_peak_rss_mb(sim_pid),
            time.monotonic(),
        )
    host = Cost(
        steady_cpu_s=_minus(host1, host0),
        steady_wall_s=t1 - t0,
        total_cpu_s=usage.ru_utime + usage.ru_stime,
        total_wall_s=ended - began,
        peak_rss_mb=usage.ru_maxrss * 1024 / 1e6,
    )
    sim = Cost(
        steady_cpu_s=_minus(sim1, sim0),
        steady_wall_s=t1 - t0,
        total_cpu_s=sim_total,
        total_wall_s=sim_ended - sim_began,
        peak_rss_mb=sim_rss,
    )
    return host, sim


def describe(name: str, cost: Cost) -> str:
    """One line of figures for ``cost``."""
    per_min = cost.cpu_s_per_min
    steady = "n/a" if per_min is None else f"{per_min:.3f} CPU s/min ({per_min / 60:.2%} of a core)"
    total = "n/a" if cost.total_cpu_s is None else f"{cost.total_cpu_s:.2f} CPU s"
    rss = "n/a" if cost.peak_rss_mb is None else f"{cost.peak_rss_mb:.1f} MB"
    return (
        f"{name:<14} steady {steady}; whole process {total} in {cost.total_wall_s:.1f} s; "
        f"peak RSS {rss}"
    )


def main() -> None:
    """Measure and print both processes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60, help="steady window (default 60)")
    args = parser.parse_args()
    host, sim = measure(args.seconds)
    print(f"steady window {host.steady_wall_s:.1f} s")
    print(describe("tens start", host))
    print(describe("tens simulate", sim))


if __name__ == "__main__":
    main()
