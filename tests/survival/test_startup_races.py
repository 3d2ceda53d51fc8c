"""Start-up and shut-down without races: Ctrl-C at any instant from the
process's start, and every way connecting can fail (unplug, silence, garbage, the port
closing), each ends with its documented exit code, one ``error:`` line and no traceback;
once output could be on, the simulator's log shows it at 0."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import threading
import time
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from helpers.targets import device_process
from survival.survival_helpers import (
    DEADLINE_S,
    child_env,
    last_output_by_channel,
    sim_events,
    start_command,
    tens,
)

#: Exit code of a signal before the session started: 128 + N, as a shell reports it.
INTERRUPTED = 128 + signal.SIGINT


def _read_until(proc: subprocess.Popen[bytes], text: bytes | None, delay_s: float) -> bytes:
    """Wait ``delay_s`` after the spawn, or until ``text`` is on stdout."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + (delay_s if text is None else DEADLINE_S)
    while text is None or text not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if text is None:
                return seen
            raise AssertionError(f"never saw {text!r}: {seen[-300:]!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 65_536)
            if not chunk:
                return seen
            seen += chunk
    return seen


#: When the Ctrl-C comes: seconds after the spawn (imports, option parsing, connecting),
#: or right after a line (the plan: connected, output 0; start: START sent; stimulating).
INSTANTS = [0.08, 0.2, 0.4, 0.7, b'"event": "plan"', b'"event": "start"', b'"delivered_ua": 2']


@pytest.mark.parametrize("when", INSTANTS, ids=lambda w: w if isinstance(w, float) else w.decode())
def test_ctrl_c_at_any_instant_gives_no_traceback_and_a_confirmed_0(
    env: dict[str, str], sim_log: Path, when: float | bytes
) -> None:
    with device_process(("--pty", "--log", str(sim_log))) as sim:
        proc = subprocess.Popen(
            start_command(sim.port, "--json"),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            seen = _read_until(
                proc,
                None if isinstance(when, float) else when,
                when if isinstance(when, float) else 0.0,
            )
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=DEADLINE_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stderr = err.decode()
    if _before_tenscontrol(proc.returncode, stderr):
        return  # the interpreter's own start-up (the README says so): nothing was opened
    assert "Traceback" not in stderr, stderr
    assert proc.returncode in (0, INTERRUPTED), (proc.returncode, stderr)
    if proc.returncode == INTERRUPTED:
        assert [line for line in stderr.splitlines() if line.startswith("error:")], stderr
    else:
        assert b'"stop_confirmed": true' in seen + out
    last = last_output_by_channel(sim_events(sim_log))
    assert all(e["amplitude_ua"] == 0 for e in last.values()), last


def _before_tenscontrol(code: int, stderr: str) -> bool:
    """True when the Ctrl-C landed while the Python interpreter itself was starting, before
    any tenscontrol code ran (possible only for the earliest instant on a loaded machine):
    Python's own handling then shows, and no frame of ours is in its traceback."""
    return (
        code in (-signal.SIGINT, 1)
        and "tenscontrol" not in stderr
        and (not stderr or stderr.rstrip().endswith("KeyboardInterrupt"))
    )


# --- ports that fail while connecting ----------------------------------------------------
@contextmanager
def fake_port(behaviour: Callable[[int], None]) -> Iterator[str]:
    """A pty whose device side runs ``behaviour(master_fd)`` in a thread; yields its path."""
    master, slave = os.openpty()
    tty.setraw(slave)
    name = os.ttyname(slave)
    thread = threading.Thread(target=behaviour, args=(master,), daemon=True)
    thread.start()
    try:
        yield name
    finally:
        os.close(slave)
        with suppress(OSError):
            os.close(master)
        thread.join(timeout=2)


def silent(master: int) -> None:
    """Reads everything, answers nothing."""
    try:
        while os.read(master, 4096):
            pass
    except OSError:
        return


def garbage(master: int) -> None:
    """Answers every read with random bytes (no valid frame)."""
    rng = random.Random(7)
    try:
        while os.read(master, 4096):
            os.write(master, bytes(rng.randrange(1, 256) for _ in range(64)))
    except OSError:
        return


def closes(master: int) -> None:
    """Takes the first bytes, then goes away (the port closes under the host)."""
    try:
        os.read(master, 4096)
        os.close(master)
    except OSError:
        return


@pytest.mark.parametrize(
    ("behaviour", "runs"),
    [(silent, 5), (garbage, 2), (closes, 3)],
    ids=["silent", "garbage", "closes"],
)
def test_a_port_that_fails_while_connecting_is_exit_3_with_one_error_line(
    env: dict[str, str], behaviour: Callable[[int], None], runs: int
) -> None:
    for _ in range(runs):
        with fake_port(behaviour) as port:
            done = tens(
                env,
                "start",
                "--profile",
                "low-back",
                "--port",
                port,
                "--yes",
                "--no-diary",
                "--intensity",
                "20",
            )
        assert "Traceback" not in done.stderr, done.stderr
        assert "Exception in thread" not in done.stderr, done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, done.stderr
        assert done.returncode == 3, done.stderr
        with fake_port(behaviour) as port:
            probed = tens(env, "devices", "--probe", "--port", port)
        assert "Traceback" not in probed.stderr + probed.stdout
        assert "Exception in thread" not in probed.stderr


@pytest.mark.parametrize("at_s", ["0", "0.01", "0.05"])
def test_unplugged_while_connecting_is_exit_3_with_one_error_line(home: Path, at_s: str) -> None:
    env = child_env(home, sim_options=f"unplug_at={at_s}")
    done = tens(
        env,
        "start",
        "--profile",
        "low-back",
        "--simulate",
        "--yes",
        "--no-diary",
        "--intensity",
        "20",
        "--duration",
        "10s",
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 3, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert "went away" in errors[0]
