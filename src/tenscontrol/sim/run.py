"""The simulator as a program: serve a simulated device on a pty or loopback TCP until
SIGINT or SIGTERM, or self-test it. The code behind ``python -m tenscontrol.sim`` and the
thin ``tens simulate`` command, which differ only in how they parse the command line.

While serving, the first line on stdout is ``port: <path or URL>``; a host opens that.
On SIGINT or SIGTERM the server closes and the call returns (the program exits 0).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from tenscontrol.errors import UserInputError
from tenscontrol.sim.faults import SimOptions
from tenscontrol.sim.self_test import self_test
from tenscontrol.sim.server import PtyServer, SimServer, TcpServer, parse_address

#: How often the serving program looks for a stop signal or an unplug, seconds.
_POLL_S = 0.2

Echo = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What the command line asked for: exactly one of ``pty``, ``tcp`` (``HOST:PORT``)
    and ``self_test``; ``allow_remote`` lets ``tcp`` bind beyond loopback."""

    options: SimOptions
    pty: bool = False
    tcp: str | None = None
    allow_remote: bool = False
    self_test: bool = False


def run(request: RunRequest, out: Echo, err: Echo) -> None:
    """Do what ``request`` asks; ``out`` and ``err`` print one line on stdout, stderr.

    Raises :class:`UserInputError` for a contradictory request or a bad address, and
    :class:`~tenscontrol.errors.DeviceError` when the self-test fails.
    """
    if request.self_test:
        if request.pty or request.tcp:
            raise UserInputError("--self-test runs its own simulator; drop --pty/--tcp")
        self_test(request.options, out)
        return
    if request.pty == (request.tcp is not None):
        raise UserInputError("choose exactly one of --pty and --tcp HOST:PORT")
    server: SimServer
    if request.tcp is not None:
        host, port = parse_address(request.tcp, allow_remote=request.allow_remote)
        server = TcpServer(request.options, host, port)
    else:
        server = PtyServer(request.options)
    serve_until_signal(server, out, err)


def serve_until_signal(server: SimServer, out: Echo, err: Echo) -> None:
    """Start ``server``, print its port, serve until SIGINT or SIGTERM, close it.

    The signal handlers are this call's only; the previous ones are back when it returns.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        out(f"port: {server.port}")
        reported = False
        while not stop.wait(_POLL_S):
            if server.unplugged.is_set() and not reported:
                reported = True
                err("simulator: unplug_at reached, the port is gone")
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
