"""Stop paths the operating system provides: every signal that would end or
suspend ``tens start``, a closed terminal, a closed or stuck output stream.

Each test runs ``tens start`` as a real process against ``tens simulate --pty --log`` as
another, and takes the simulator's own log as the evidence: output was on before the event
and every channel is at 0 after it, with the STOP confirmed; the session log is complete and
names what happened (for a signal, which one); no traceback reaches the user.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from helpers.targets import device_process
from survival.survival_helpers import (
    DEADLINE_S,
    PtyRig,
    after,
    assert_all_zero_at_end,
    delivering_before,
    first,
    outputs,
    read_jsonl,
    session_log,
    sim_events,
    start_command,
    wait_jsonl,
)
from tenscontrol.records.logreader import read_log
from tenscontrol.session.signals import STOP_SIGNALS, signal_name

#: fcntl's F_SETPIPE_SZ (Linux): the smallest pipe, so a test can fill it at once.
F_SETPIPE_SZ = 1031

#: One of each kind: the terminal's (HUP, QUIT, TSTP, TTIN), the user's (USR1), timers
#: (ALRM, XCPU), abort, and a real-time signal. Every other one is covered in-process by
#: tests/session/test_signal_guard.py, through the same handler.
SIGNALS = [
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGALRM,
    signal.SIGABRT,
    signal.SIGXCPU,
    signal.SIGTSTP,
    signal.SIGTTIN,
    signal.SIGRTMIN + 3,
]


def _assert_stopped_after(sim_log: Path, when: float) -> None:
    """Output was on before ``when``; the first STOP after it left every channel at 0."""
    events = sim_events(sim_log)
    assert delivering_before(events, when).get(1, 0) > 0
    assert_all_zero_at_end(events)
    stop = first(events, "stop", after=when)
    assert not [e for e in outputs(after(events, stop)) if e["amplitude_ua"]]
    assert not [e for e in events if e["event"] == "watchdog"], "the host did not stop it"


@pytest.mark.parametrize("sig", SIGNALS, ids=[signal_name(s) for s in SIGNALS])
def test_every_kind_of_signal_stops_with_output_0_confirmed(
    home: Path, sim_log: Path, pty_rig: PtyRig, sig: int
) -> None:
    assert sig in STOP_SIGNALS
    with pty_rig() as ctl:
        ctl.wait_stimulating()
        signalled = time.monotonic()
        ctl.send_signal(sig)
        assert ctl.finish() == 0, ctl.stderr
    assert "Traceback" not in ctl.stderr
    end = ctl.end()
    name = signal_name(sig)
    assert (end["reason"], end["signal"], end["stop_confirmed"]) == ("signal", name, True)
    assert [(r["reason"], r["signal"]) for r in ctl.events("stop")] == [("signal", name)]
    _assert_stopped_after(sim_log, signalled)
    record = read_log(session_log(home))
    assert (record.status, record.reason) == ("complete", "signal")
    assert record.summary is not None
    assert (record.summary["signal"], record.summary["stop_confirmed"]) == (name, True)


def test_sigpipe_is_ignored_so_a_client_hanging_up_cannot_stop_a_session(pty_rig: PtyRig) -> None:
    with pty_rig() as ctl:
        ctl.wait_stimulating()
        ctl.send_signal(signal.SIGPIPE)
        later = ctl.wait_for(lambda r: r["event"] == "status", timeout_s=5)
        assert later["output"] == "STIMULATING"
        ctl.send_signal(signal.SIGTERM)
        assert ctl.finish() == 0, ctl.stderr
    assert ctl.end()["signal"] == "SIGTERM"


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_closed_output_pipe_is_a_stop_path(
    home: Path, sim_log: Path, pty_rig: PtyRig, stream: str
) -> None:
    """The reader of stdout goes away (``tens start --json | head``), or of stderr (which a
    session rarely writes to: the loss is seen by polling, not by a failed write)."""
    with pty_rig() as ctl:
        ctl.wait_stimulating()
        pipe, other = (
            (ctl.proc.stdout, ctl.proc.stderr) if stream == "stdout" else (ctl.proc.stderr, None)
        )
        assert pipe is not None
        closed = time.monotonic()
        pipe.close()
        assert ctl.proc.wait(DEADLINE_S) == 0
        rest = other.read().decode() if other is not None else ""
    assert "Traceback" not in rest
    assert "Exception ignored" not in rest
    _assert_stopped_after(sim_log, closed)
    record = read_log(session_log(home))
    assert (record.status, record.reason) == ("complete", "stream_lost")
    assert record.summary is not None
    assert record.summary["stream"] == stream
    assert record.summary["cause"] in ("EPIPE: Broken pipe", "error (no reader)")
    assert record.summary["stop_confirmed"] is True


def test_stuck_stdout_never_holds_the_session_up(
    home: Path, env: dict[str, str], sim_log: Path
) -> None:
    """Nobody reads stdout (a paused pager, Ctrl-S): the pipe is full from the start, yet
    the session runs (a modulated profile: a SET every 100 ms) and SIGTERM still stops it
    at once, confirmed."""
    with device_process(("--pty", "--log", str(sim_log))) as sim:
        command = start_command(sim.port, "--json", profile="low-back-modulated")
        read_end, write_end = os.pipe()
        fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
        os.set_blocking(write_end, False)
        with contextlib.suppress(BlockingIOError):
            while True:
                os.write(write_end, b"x" * 512)  # full before the child writes a byte
        proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=write_end, stderr=subprocess.PIPE, env=env
        )
        os.close(write_end)
        try:
            on = wait_jsonl(sim_log, lambda e: e["event"] == "output" and e["amplitude_ua"] > 0)
            wait_jsonl(sim_log, lambda e: e["t"] > on["t"] + 3.0)
            sets = [e for e in read_jsonl(sim_log) if e["event"] == "set" and e["t"] > on["t"]]
            assert len(sets) >= 20, "the engine was held up by its stuck stdout"
            signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            zero = wait_jsonl(
                sim_log, lambda e: e["event"] == "stop" and e["t"] >= signalled, timeout_s=5
            )
            assert zero["t"] - signalled < 1.0
            assert proc.wait(DEADLINE_S) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(read_end)
    _assert_stopped_after(sim_log, signalled)
    record = read_log(session_log(home))
    assert (record.status, record.reason) == ("complete", "signal")


def _on_terminal(
    env: dict[str, str], port: str, controlling: bool, live: bool
) -> tuple[subprocess.Popen[bytes], int]:
    """``tens start`` (``--plain``, or the live view) with a pty as its stdin, stdout and
    stderr; as its controlling terminal when ``controlling`` (then closing the master hangs
    it up with SIGHUP)."""
    master, slave = os.openpty()
    slave_name = os.ttyname(slave)

    def child_setup() -> None:
        if controlling:
            fd = os.open(slave_name, os.O_RDWR)
            fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
            os.close(fd)

    command = start_command(port, *(() if live else ("--plain",)))
    proc = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        preexec_fn=child_setup,
    )
    os.close(slave)
    return proc, master


def _read_until(master: int, text: bytes, timeout_s: float = DEADLINE_S) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout_s
    while text not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"never saw {text!r}: {seen[-300:]!r}")
        try:
            seen += os.read(master, 4096)
        except OSError as error:
            if error.errno != errno.EIO:
                raise
    return seen


@pytest.mark.parametrize("live", [False, True], ids=["plain", "live-view"])
@pytest.mark.parametrize("controlling", [True, False], ids=["hang-up", "terminal-gone"])
def test_closing_the_terminal_is_a_stop_path(
    home: Path, env: dict[str, str], sim_log: Path, controlling: bool, live: bool
) -> None:
    """Closing the window: SIGHUP when it is the controlling terminal; else the writes fail
    (EIO) and the loss of the terminal stops the session by itself."""
    with device_process(("--pty", "--log", str(sim_log))) as sim:
        proc, master = _on_terminal({**env, "TERM": "xterm-256color"}, sim.port, controlling, live)
        try:
            _read_until(master, b"STIMULATING")
            wait_jsonl(sim_log, lambda e: e["event"] == "output" and e["amplitude_ua"] > 0)
            closed = time.monotonic()
            os.close(master)
            assert proc.wait(DEADLINE_S) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    _assert_stopped_after(sim_log, closed)
    record = read_log(session_log(home))
    assert record.status == "complete"
    assert record.summary is not None
    assert record.summary["stop_confirmed"] is True
    if controlling and not (live and record.reason == "stream_lost"):
        # (the live view's key reader may see the hang-up a moment before the SIGHUP lands)
        assert (record.reason, record.summary["signal"]) == ("signal", "SIGHUP")
    else:
        assert record.reason == "stream_lost"
        assert record.summary["stream"] in ("stdout", "stderr", "terminal")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_stdout_on_a_full_disk_starts_nothing(home: Path, env: dict[str, str]) -> None:
    """stdout redirected to a full disk (``/dev/full``: every write fails with ENOSPC) is
    seen when the plan is written: nothing starts, one error line, exit 1, no log."""
    with Path("/dev/full").open("w") as full:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "tenscontrol.cli",
                "start",
                "--profile",
                "low-back",
                "--simulate",
                "--intensity",
                "20",
                "--speed",
                "20",
                "--duration",
                "1m",
                "--yes",
                "--json",
            ],
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=DEADLINE_S,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        "error: stdout is gone (ENOSPC: No space left on device): nothing was started"
    ]
    assert not list(home.glob("sessions/*.jsonl"))
