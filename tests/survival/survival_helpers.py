"""Shared pieces of the fault-survival tests.

``tens start`` runs as a real process (``python -m tenscontrol.cli start ... --json --yes
--no-diary``) against ``tens simulate --pty`` in another process (or the built-in simulator
with ``--simulate --speed X``). Each test looks at four things: the controller's exit code,
its JSON lines, the session log it wrote under ``TENS_HOME``, and the simulator's own JSONL
event log: the ground truth of what the device delivered.

Times: the simulator's log stamps every event with its monotonic time (``mono``:
CLOCK_MONOTONIC of the simulator process, taken at the event's exact device instant);
:func:`read_jsonl` hands it to the tests as ``t``. Latencies are measured between two
stamps of that log, or between a stamp and this process's ``time.monotonic()`` taken right
at a kill or a process exit: one clock for every process of the machine, which a wall-clock
step (NTP, a VM resuming) does not move. (Comparing Unix times across processes failed a CI
run in a burst of 15 tests while the machine's clock was stepped.) Events of one device instant may
differ by a microsecond in their stamps (each is converted on its own), so "after" means
after in the log's order (:func:`after`, :func:`between`), not a larger stamp. Fault times given to
``tens simulate`` count from the simulator's start.

Reading a child's output never blocks without a deadline: :class:`Controller` reads the raw
pipe with ``select`` and splits lines itself (no buffered reader hiding lines from
``select``).

The fixtures built on these (``home``, ``env``, ``sim_log``, ``pty_rig``) are in
``conftest.py``.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from helpers.processes import DEADLINE_S as DEADLINE_S  # re-exported, with the two below
from helpers.processes import child_env as child_env
from helpers.processes import tens as tens
from helpers.targets import device_process
from helpers.waiting import wait_until
from tenscontrol.device.driver import DEFAULT_WATCHDOG_MS

#: The watchdog the host asks for in START (the driver's default), seconds.
WATCHDOG_S = DEFAULT_WATCHDOG_MS / 1_000
#: When an injected fault happens, seconds after the simulator started: late enough that a
#: controller started right after the simulator is delivering on a loaded machine (it
#: usually is after about 0.5 s), early enough to keep the tests short.
FAULT_AT_S = 2.5

Record = dict[str, Any]


def start_command(
    port: str, *view: str, profile: str = "low-back", intensity: str = "20"
) -> list[str]:
    """``tens start`` of a 1-minute ``profile`` session on ``port`` at ``intensity`` mA, no
    questions, with ``view`` options (``--json``, ``--plain``, or none for the live view)."""
    return [
        sys.executable,
        "-m",
        "tenscontrol.cli",
        "start",
        "--profile",
        profile,
        "--port",
        port,
        *view,
        "--yes",
        "--no-diary",
        "--intensity",
        intensity,
        "--duration",
        "1m",
    ]


class Controller:
    """A running ``tens start --json``: its JSON lines (read with deadlines) and its exit."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        command = [
            sys.executable,
            "-m",
            "tenscontrol.cli",
            "start",
            "--profile",
            "low-back",
            "--json",
            "--yes",
            "--no-diary",
            *args,
        ]
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self._out_fd = self.proc.stdout.fileno()
        self._err_fd = self.proc.stderr.fileno()
        self._partial = b""
        self._err = bytearray()
        self._open = {self._out_fd, self._err_fd}
        self.lines: list[Record] = []
        self._consumed = 0
        #: ``time.monotonic()`` when the exit was seen (set by :meth:`finish`).
        self.exited_at: float | None = None

    @property
    def stderr(self) -> str:
        """What the child wrote to stderr so far."""
        return self._err.decode("utf-8", "replace")

    def _pump(self, deadline: float) -> bool:
        """Read what is ready (waiting until ``deadline``); False once both pipes are closed."""
        if not self._open:
            return False
        ready, _, _ = select.select(list(self._open), [], [], max(0.0, deadline - time.monotonic()))
        for fd in ready:
            data = os.read(fd, 65_536)
            if not data:
                self._open.discard(fd)
            elif fd == self._err_fd:
                self._err += data
            else:
                *complete, self._partial = (self._partial + data).split(b"\n")
                self.lines.extend(json.loads(line) for line in complete if line.strip())
        return True

    def wait_for(self, match: Callable[[Record], bool], timeout_s: float = DEADLINE_S) -> Record:
        """The next JSON line (after the ones already returned) that ``match`` accepts."""
        deadline = time.monotonic() + timeout_s
        while True:
            while self._consumed < len(self.lines):
                record = self.lines[self._consumed]
                self._consumed += 1
                if match(record):
                    return record
            if time.monotonic() >= deadline or not self._pump(deadline):
                tail = self.lines[-3:]
                raise AssertionError(f"no matching line in time: last {tail}, stderr {self.stderr}")

    def wait_stimulating(self, timeout_s: float = DEADLINE_S) -> Record:
        """The first status with delivered current above 0."""
        return self.wait_for(
            lambda r: r["event"] == "status" and any(c["delivered_ua"] for c in r["channels"]),
            timeout_s,
        )

    def finish(self, timeout_s: float = DEADLINE_S) -> int:
        """Read to the end and wait for the exit; its code. Notes when the exit was seen."""
        deadline = time.monotonic() + timeout_s
        while self._pump(deadline):
            if time.monotonic() >= deadline:
                raise AssertionError(f"tens start did not end in time; stderr {self.stderr}")
        code = self.proc.wait(max(0.1, deadline - time.monotonic()))
        self.exited_at = time.monotonic()
        return code

    def send_signal(self, sig: int) -> None:
        """Send ``sig`` to the child."""
        self.proc.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL and reap (if still running); close the pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def end(self) -> Record:
        """The final ``end`` line."""
        assert self.lines, f"no JSON lines; stderr {self.stderr}"
        assert self.lines[-1]["event"] == "end", self.lines[-3:]
        return self.lines[-1]

    def events(self, kind: str) -> list[Record]:
        """Every JSON line of ``kind`` (the ``event`` field)."""
        return [r for r in self.lines if r["event"] == kind]


@contextmanager
def controller(env: dict[str, str], *args: str) -> Iterator[Controller]:
    """A :class:`Controller`, killed (SIGKILL) on the way out whatever happened."""
    child = Controller(env, *args)
    try:
        yield child
    finally:
        child.kill()


@contextmanager
def on_pty_simulator(
    env: dict[str, str], sim_log: Path, sim_args: tuple[str, ...] = (), *args: str
) -> Iterator[Controller]:
    """``tens simulate --pty --log SIM_LOG SIM_ARGS``, then ``tens start --port <pty> ARGS``
    (default ``--intensity 20 --duration 1m``) right after it. The controller is killed and
    the simulator stopped (SIGTERM) on the way out; its log is then complete."""
    start_args = args or ("--intensity", "20", "--duration", "1m")
    with (
        device_process(("--pty", "--log", str(sim_log), *sim_args)) as simulator,
        controller(env, "--port", simulator.port, *start_args) as child,
    ):
        yield child


class PtyRig(Protocol):
    """The ``pty_rig`` fixture: :func:`on_pty_simulator` with the test's ``env`` and
    ``sim_log`` (both fixtures too)."""

    def __call__(
        self, sim_args: tuple[str, ...] = (), *args: str
    ) -> AbstractContextManager[Controller]: ...


# --- the simulator's event log ---------------------------------------------------------------
def sim_events(path: Path) -> list[Record]:
    """Every event of the simulator's JSONL log (complete lines only)."""
    return read_jsonl(path)


def read_jsonl(path: Path) -> list[Record]:
    """The complete lines of a JSON-lines file (a line still being written is left out). A
    simulator event's ``t`` is its ``mono`` stamp (see the module docstring)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    records = [json.loads(line) for line in text.split("\n")[:-1] if line.strip()]
    for record in records:
        if "mono" in record:
            record["t"] = record["mono"]
    return records


def wait_jsonl(
    path: Path, match: Callable[[Record], bool], timeout_s: float = DEADLINE_S
) -> Record:
    """The first line of a JSON-lines file that ``match`` accepts, within ``timeout_s``."""
    return wait_until(
        lambda: next((e for e in read_jsonl(path) if match(e)), None),
        timeout_s,
        lambda: f"{path.name} never had it: {read_jsonl(path)[-5:]}",
    )


def outputs(events: list[Record], channel: int | None = None) -> list[Record]:
    """The ``output`` events (delivered current), of one channel or all."""
    return [e for e in events if e["event"] == "output" and channel in (None, e["channel"])]


def first(events: list[Record], kind: str, after: float = float("-inf")) -> Record:
    """The first event of ``kind`` stamped at or after ``after``."""
    found = [e for e in events if e["event"] == kind and e["t"] >= after]
    assert found, f"no {kind} event after {after}"
    return found[0]


def after(events: list[Record], event: Record) -> list[Record]:
    """The events logged after ``event`` (log order: a ramp sample and the drop that follows
    it at the same instant carry the same stamp)."""
    return events[events.index(event) + 1 :]


def between(events: list[Record], start: Record, stop: Record) -> list[Record]:
    """The events logged after ``start`` and before ``stop`` (log order)."""
    return events[events.index(start) + 1 : events.index(stop)]


def last_output_by_channel(events: list[Record]) -> dict[int, Record]:
    """Each channel's last ``output`` event."""
    return {int(e["channel"]): e for e in outputs(events)}


def delivering_before(events: list[Record], when: float) -> dict[int, int]:
    """Delivered current per channel just before ``when`` (from the output events)."""
    level: dict[int, int] = {}
    for e in outputs(events):
        if e["t"] < when:
            level[int(e["channel"])] = int(e["amplitude_ua"])
    return level


def assert_delivered_within_setpoint(events: list[Record], ceiling_ua: int) -> None:
    """Delivered current never above the setpoint the device accepted (its ``set`` events,
    logged after the setpoint is in force), and no accepted setpoint above ``ceiling_ua``:
    a corrupted frame taken for a valid SET would show up here."""
    accepted: dict[int, int] = {}
    for e in events:
        if e["event"] == "set":
            assert e["amplitude_ua"] <= ceiling_ua, e
            accepted[int(e["channel"])] = int(e["amplitude_ua"])
        elif e["event"] == "output":
            assert e["amplitude_ua"] <= accepted.get(int(e["channel"]), 0), e


def assert_all_zero_at_end(events: list[Record]) -> None:
    """Every channel's last logged delivered current is 0 (and something was delivered)."""
    last = last_output_by_channel(events)
    assert last, "nothing was ever delivered"
    assert all(e["amplitude_ua"] == 0 for e in last.values()), last


# --- the session log -------------------------------------------------------------------------
def session_log(home: Path) -> Path:
    """The one session log under ``home``."""
    logs = sorted((home / "sessions").glob("*.jsonl"))
    assert len(logs) == 1, logs
    return logs[0]
