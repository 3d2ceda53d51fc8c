"""The control endpoint cannot be starved, with real processes.

``tens start`` runs against ``tens simulate --pty --log`` with a TENS_HOME of its own. This
process floods its control socket: 100 idle connections, a slow sender (one byte every
100 ms, never a complete line) and a deeply nested request. Then ``tens stop`` runs as a
third process: it exits 0 within 1 s, measured from its spawn to its exit (interpreter
start-up included), and the simulator's own log shows every channel at 0 after its STOP.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from survival.survival_helpers import (
    PtyRig,
    after,
    assert_all_zero_at_end,
    assert_delivered_within_setpoint,
    delivering_before,
    first,
    outputs,
    sim_events,
    tens,
)

#: What ``tens stop`` promises under the flood: exit 0, output 0 confirmed, within this (s).
STOP_WITHIN_S = 1.0
#: Idle connections of the flood.
FLOOD = 100
#: The slow sender's pace: one byte per this many seconds.
TRICKLE_S = 0.1
#: Under the 4 KiB line limit, and deep enough to exhaust the JSON parser's recursion.
DEEP = b"[" * 2_000 + b"]" * 2_000 + b"\n"


def connect(path: Path) -> socket.socket:
    """A connection to ``path``; the connect blocks (on a full listen queue too), what
    follows has a 5 s timeout."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(os.fspath(path))
    sock.settimeout(5)
    return sock


def first_answer(sock: socket.socket) -> dict[str, Any]:
    """The first answer line on ``sock``."""
    data = b""
    while b"\n" not in data and (chunk := sock.recv(4_096)):
        data += chunk
    return dict(json.loads(data.split(b"\n")[0]))


@contextmanager
def slow_sender(path: Path) -> Iterator[socket.socket]:
    """A client sending one byte every :data:`TRICKLE_S` seconds, never a newline, until
    the block ends (or the server drops it)."""
    sock = connect(path)
    done = threading.Event()

    def trickle() -> None:
        pattern = b'{"cmd": "status"' + b" " * 16
        sent = 0
        while not done.wait(TRICKLE_S):  # the pace, not a synchronisation
            try:
                sock.send(pattern[sent % len(pattern) :][:1])
            except OSError:
                return
            sent += 1

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield sock
    finally:
        done.set()
        thread.join(5)
        sock.close()


def test_tens_stop_gets_through_a_flooded_control_socket_within_1_s(
    home: Path, env: dict[str, str], sim_log: Path, pty_rig: PtyRig
) -> None:
    control_sock = home / "run" / "control.sock"
    with pty_rig((), "--intensity", "20") as ctl, ExitStack() as flood:
        ctl.wait_stimulating()
        flood.enter_context(slow_sender(control_sock))
        deep = flood.enter_context(connect(control_sock))
        deep.sendall(DEEP)
        for _ in range(FLOOD):
            flood.enter_context(connect(control_sock))
        with connect(control_sock) as one_more:  # the flood has filled control.sock
            assert first_answer(one_more)["error"].startswith("busy: ")

        stop_at = time.monotonic()
        began = time.monotonic()
        stopped = tens(env, "stop")
        took_s = time.monotonic() - began
        print(
            f"tens stop (a process) through the flood: exit {stopped.returncode} "
            f"in {took_s * 1_000:.0f} ms"
        )
        assert stopped.returncode == 0, stopped.stderr
        assert stopped.stdout.startswith("session stopped (remote): output 0 mA, confirmed")
        assert took_s < STOP_WITHIN_S

        nested = first_answer(deep)
        assert nested["ok"] is False
        assert nested["error"].startswith("request nested deeper than")
        assert ctl.finish() == 0, ctl.stderr
    end = ctl.end()
    assert (end["reason"], end["stop_confirmed"], end["exit_code"]) == ("remote", True, 0)
    assert "Traceback" not in ctl.stderr

    events = sim_events(sim_log)
    assert delivering_before(events, stop_at).get(1, 0) > 0  # it was on when asked
    assert_all_zero_at_end(events)
    stop = first(events, "stop", after=stop_at)
    assert not [e for e in outputs(after(events, stop)) if e["amplitude_ua"]]
    assert_delivered_within_setpoint(events, ceiling_ua=20_000)
