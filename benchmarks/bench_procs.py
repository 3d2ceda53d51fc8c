"""Helpers for the benchmarks that run ``tens start`` and ``tens simulate`` as processes:
the child's environment, a ``tens start --json`` child with its output in files, CPU-burner
processes, the simulator's event log, and per-process CPU and memory from ``/proc`` (Linux).

Not a benchmark by itself; imported by ``host_loss.py`` and ``session_cost.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# The tests' own copy of the child environment: benchmarks and tests start `tens` alike.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers.processes import child_env as child_env

#: ``tens start`` arguments every process benchmark uses (the issue's session).
START_ARGS = ("--profile", "low-back", "--json", "--yes", "--no-diary", "--intensity", "20")


def _niced(nice: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that lowers the child's priority by ``nice`` (None for 0). Set before
    ``exec``, so every thread the child starts inherits it (Linux nice is per thread)."""
    if not nice:
        return None
    return lambda: os.setpriority(os.PRIO_PROCESS, 0, nice)


class StartProcess:
    """``tens start --port PORT`` + :data:`START_ARGS` + ``extra`` in a child process.

    Its stdout and stderr go to files in ``folder`` (a pipe nobody reads would fill up in a
    long session and block the child), and ``TENS_HOME`` is ``folder/home``. ``nice``: run
    it at that nice level (0: this process's).
    """

    def __init__(self, port: str, folder: Path, *extra: str, nice: int = 0) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.stdout_path = folder / "start.out"
        self.stderr_path = folder / "start.err"
        command = [
            sys.executable,
            "-m",
            "tenscontrol.cli",
            "start",
            "--port",
            port,
            *START_ARGS,
            *extra,
        ]
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=child_env(folder / "home"),
                preexec_fn=_niced(nice),  # the benchmarks start no threads
            )

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def records(self) -> list[dict[str, Any]]:
        """Every complete JSON line written so far."""
        text = self.stdout_path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]

    def wait_delivering(self, timeout_s: float) -> None:
        """Return once a ``status`` line shows delivered current above 0 on some channel.

        Polls the output file every 5 ms; raises :class:`RuntimeError` (with the child's
        stderr) if the child exits first or ``timeout_s`` seconds pass.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for record in self.records():
                if record.get("event") == "status" and any(
                    c["delivered_ua"] for c in record["channels"]
                ):
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.005)
        self.close()
        err = self.stderr_path.read_text(encoding="utf-8", errors="replace").strip()
        raise RuntimeError(f"tens start never delivered (exit {self.process.returncode}): {err}")

    def wait_rusage(self) -> resource.struct_rusage:
        """Reap the child with ``os.wait4`` and return its resource usage."""
        _, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        return usage

    def close(self) -> None:
        """Kill the child if it still runs and reap it. Idempotent."""
        if self.process.returncode is None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def cpu_burners(count: int, *, nice: int = 0) -> Iterator[None]:
    """``count`` processes spinning ``while True: pass`` (one core each) for the block, at
    nice level ``nice`` (0: this process's)."""
    burners = [
        subprocess.Popen(
            [sys.executable, "-c", "while True: pass"],
            stdin=subprocess.DEVNULL,
            preexec_fn=_niced(nice),  # the benchmarks start no threads
        )
        for _ in range(count)
    ]
    try:
        time.sleep(0.2)  # let them get going
        yield
    finally:
        for burner in burners:
            burner.kill()
        for burner in burners:
            burner.wait()


def read_log(path: Path) -> list[dict[str, Any]]:
    """The simulator's JSON-lines event log (complete lines only; ``[]`` if no file yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]


def proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a running process, from ``/proc`` (None elsewhere).

    Resolution is one clock tick (usually 10 ms).
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # fields from 3 (state) on
    ticks = int(fields[11]) + int(fields[12])  # utime (14), stime (15)
    return ticks / os.sysconf("SC_CLK_TCK")


def proc_peak_rss_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a running process in MB (10^6 bytes), or None."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return None


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
