"""Stop paths, measured: from the event (a signal, the terminal closed, stdout's reader
gone, a key, ``tens stop``) to output 0 in the simulator's own log.

Run: ``python benchmarks/stop_paths.py [--trials 10] [--paths SIGINT,hang-up,...]``. Each
trial starts ``tens start --port <pty> --profile low-back --intensity 20`` against one
``tens simulate --pty --log`` per path (the simulator serves one session after another),
waits until the simulator logs delivered current above 0, notes ``time.monotonic()`` and
makes the event happen. The latency is the ``mono`` of the simulator's first ``output`` line
at 0 after that instant, minus the instant (the machine's monotonic clock; the simulator
stamps each event at its device time). Also shown: the exit codes seen and the reason in
the session log.

Paths: the signals SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP and SIGUSR1 (sent with
``kill``); ``stdout-closed`` (``--json`` to a pipe whose reader closes it); ``hang-up``
(``--plain`` on a pty that is its controlling terminal; the pty's master is closed: the
kernel sends SIGHUP); ``terminal-gone`` (the same pty, not the controlling terminal: no
signal, the writes fail with EIO); ``q-key`` (the live view on a pty; ``q`` typed);
``tens-stop`` (the control endpoint's stop request, from this process).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_procs import child_env, percentile, read_log

from tenscontrol.control.client import request
from tenscontrol.sim.spawn import SimulatorProcess

SIGNALS = {
    "SIGINT": signal.SIGINT,
    "SIGTERM": signal.SIGTERM,
    "SIGHUP": signal.SIGHUP,
    "SIGQUIT": signal.SIGQUIT,
    "SIGTSTP": signal.SIGTSTP,
    "SIGUSR1": signal.SIGUSR1,
}
OTHER_PATHS = ("stdout-closed", "hang-up", "terminal-gone", "q-key", "tens-stop")
PATHS = (*SIGNALS, *OTHER_PATHS)
#: Seconds to wait for delivery, for the zero after the event, for the exit.
DELIVER_TIMEOUT_S = 30.0
ZERO_TIMEOUT_S = 5.0
EXIT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Trial:
    """One stop: seconds from the event to output 0, the exit code, the log's reason."""

    zero_s: float
    exit_code: int | None
    reason: str


@dataclass
class Child:
    """A ``tens start`` child and what the trial needs to make its event happen."""

    process: subprocess.Popen[bytes]
    home: Path
    master: int | None = None  #: the pty's master (pty paths)
    reader: int | None = None  #: the read end of its stdout pipe (stdout-closed)

    def close(self) -> None:
        """Kill if still running; close what this side holds."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for fd in (self.master, self.reader):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)


def _command(port: str, *view: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tenscontrol.cli",
        "start",
        "--profile",
        "low-back",
        "--port",
        port,
        "--yes",
        "--no-diary",
        "--intensity",
        "20",
        "--duration",
        "2m",
        *view,
    ]


def spawn(path: str, port: str, home: Path) -> Child:
    """``tens start`` set up for ``path``."""
    env = {**child_env(home), "TERM": "xterm-256color"}
    if path in ("hang-up", "terminal-gone", "q-key"):
        master, slave = os.openpty()
        name = os.ttyname(slave)
        controlling = path == "hang-up"

        def setup() -> None:
            if controlling:
                fd = os.open(name, os.O_RDWR)
                fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
                os.close(fd)

        view = () if path == "q-key" else ("--plain",)
        process = subprocess.Popen(
            _command(port, *view),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            preexec_fn=setup,
        )
        os.close(slave)
        os.set_blocking(master, False)
        return Child(process, home, master=master)
    reader, writer = os.pipe()
    process = subprocess.Popen(
        _command(port, "--json"),
        stdin=subprocess.DEVNULL,
        stdout=writer,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    os.close(writer)
    os.set_blocking(reader, False)
    return Child(process, home, reader=reader)


def drain(child: Child) -> None:
    """Read what the child wrote so far (its pipe or pty must not fill up)."""
    for fd in (child.master, child.reader):
        if fd is not None:
            with contextlib.suppress(BlockingIOError, OSError):
                while os.read(fd, 65_536):
                    pass


def wait_log(
    log: Path, start: int, match: Callable[[dict[str, Any]], bool], timeout_s: float, child: Child
) -> dict[str, Any]:
    """The first simulator log event from index ``start`` on that ``match`` accepts."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        events = read_log(log)[start:]
        found = next((e for e in events if match(e)), None)
        if found is not None:
            return found
        drain(child)
        time.sleep(0.001)
    raise RuntimeError(f"simulator log never showed it (exit {child.process.poll()})")


def trigger(path: str, child: Child) -> None:
    """Make ``path``'s event happen now."""
    if path in SIGNALS:
        child.process.send_signal(SIGNALS[path])
    elif path == "stdout-closed" and child.reader is not None:
        os.close(child.reader)
        child.reader = None
    elif path in ("hang-up", "terminal-gone") and child.master is not None:
        os.close(child.master)
        child.master = None
    elif path == "q-key" and child.master is not None:
        os.write(child.master, b"q")
    elif path == "tens-stop":
        old = os.environ.get("TENS_HOME")
        os.environ["TENS_HOME"] = str(child.home)
        try:
            request({"cmd": "stop"}, timeout_s=ZERO_TIMEOUT_S)
        finally:
            if old is None:
                os.environ.pop("TENS_HOME", None)
            else:
                os.environ["TENS_HOME"] = old


def session_reason(home: Path) -> str:
    """``reason`` (and signal or stream) of the session's summary line."""
    for log in sorted((home / "sessions").glob("*.jsonl")):
        for line in reversed(log.read_text(encoding="utf-8").splitlines()):
            record = json.loads(line)
            if record.get("type") == "summary":
                what = record.get("signal") or record.get("stream")
                return f"{record['reason']}" + (f" {what}" if what else "")
    return "no summary"


def run_trials(path: str, trials: int, folder: Path) -> list[Trial]:
    """``trials`` stops of one path against one simulator."""
    log = folder / f"{path}.jsonl"
    results: list[Trial] = []
    with SimulatorProcess(("--pty", "--log", str(log))) as sim:
        for n in range(trials):
            home = folder / f"{path}-{n}"
            start = len(read_log(log))
            child = spawn(path, sim.port, home)
            try:
                wait_log(
                    log,
                    start,
                    lambda e: e["event"] == "output" and e["amplitude_ua"] > 0,
                    DELIVER_TIMEOUT_S,
                    child,
                )
                time.sleep(0.3)  # well into the soft start
                mark = len(read_log(log))
                event_at = time.monotonic()
                trigger(path, child)
                zero = wait_log(
                    log,
                    mark,
                    lambda e: e["event"] == "output" and e["amplitude_ua"] == 0,
                    ZERO_TIMEOUT_S,
                    child,
                )
                try:
                    code: int | None = child.process.wait(EXIT_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    code = None
                results.append(Trial(zero["mono"] - event_at, code, session_reason(home)))
            finally:
                child.close()
    return results


def summary(path: str, results: list[Trial]) -> dict[str, Any]:
    """Median, p90 and worst latency in ms, the exit codes and reasons seen."""
    ms = [t.zero_s * 1_000 for t in results]
    return {
        "path": path,
        "n": len(results),
        "median_ms": round(statistics.median(ms), 1),
        "p90_ms": round(percentile(ms, 0.9), 1),
        "max_ms": round(max(ms), 1),
        "exit_codes": sorted({t.exit_code for t in results}, key=str),
        "reasons": sorted({t.reason for t in results}),
    }


def measure(paths: tuple[str, ...], trials: int) -> list[dict[str, Any]]:
    """Every path's summary."""
    with tempfile.TemporaryDirectory(prefix="tens-stop-paths-") as tmp:
        return [summary(p, run_trials(p, trials, Path(tmp))) for p in paths]


def main() -> None:
    """Print one line per path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--paths", default=",".join(PATHS), help="comma-separated")
    args = parser.parse_args()
    paths = tuple(p for p in args.paths.split(",") if p)
    unknown = [p for p in paths if p not in PATHS]
    if unknown:
        parser.error(f"unknown paths {unknown}; choose from {', '.join(PATHS)}")
    print("| stop path | n | event -> output 0: median | p90 | worst | exit | reason in the log |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in measure(paths, args.trials):
        codes = ", ".join(str(c) for c in row["exit_codes"])
        print(
            f"| {row['path']} | {row['n']} | {row['median_ms']} ms | {row['p90_ms']} ms | "
            f"{row['max_ms']} ms | {codes} | {'; '.join(row['reasons'])} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
