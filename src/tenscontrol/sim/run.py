"""The simulator as a program: serve a simulated device on a pty or loopback TCP until
SIGINT or SIGTERM (``--self-test`` is ``tens simulate``'s alone). The code behind
``python -m tenscontrol.sim`` and the thin ``tens simulate`` command, which differ only in
how they parse the command line.

While serving, the first line on stdout is ``port: <path or URL>``; a host opens that.
On SIGINT or SIGTERM the server closes and the call returns (the program exits 0).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FrameType

from tenscontrol.errors import UserInputError
from tenscontrol.sim.faults import OPTION_NAMES, SimOptions, collect_options
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


@dataclass(frozen=True, slots=True)
class ModeOption:
    """One option of the program's mode, declared once for both command lines."""

    #: The :class:`RunRequest` field it sets.
    name: str
    flag: str
    help: str
    #: The value's placeholder; None for a flag (no value).
    metavar: str | None = None


#: The mode options, in the order ``--help`` shows them (the fault options follow).
MODE_OPTIONS = (
    ModeOption("pty", "--pty", "Serve on a new pseudo-terminal (POSIX)."),
    ModeOption("tcp", "--tcp", "Serve on TCP (socket:// URL), e.g. 127.0.0.1:0.", "HOST:PORT"),
    ModeOption("allow_remote", "--allow-remote", "Allow --tcp to bind a non-loopback address."),
    ModeOption(
        "self_test",
        "--self-test",
        "Run the conformance suite (tens conformance) on a fresh simulator, and exit.",
    ),
)


def request_from(values: Mapping[str, object]) -> RunRequest:
    """The request a parsed command line stands for: the mode options by their
    :attr:`ModeOption.name`, the fault options by theirs (see
    :func:`~tenscontrol.sim.faults.collect_options`). Raises :class:`UserInputError`."""
    faults = {name: _given(values.get(name)) for name in OPTION_NAMES}
    tcp = values.get("tcp")
    return RunRequest(
        options=collect_options(faults),
        pty=bool(values.get("pty")),
        tcp=str(tcp) if tcp is not None else None,
        allow_remote=bool(values.get("allow_remote")),
        self_test=bool(values.get("self_test")),
    )


def _given(value: object) -> str | tuple[str, ...] | None:
    """A fault option's parsed value: None (not given), a string, or the strings of a
    repeated option (argparse gives a list, click a tuple)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return str(value)


def run(request: RunRequest, out: Echo, err: Echo) -> None:
    """Do what ``request`` asks; ``out`` and ``err`` print one line on stdout, stderr.

    Raises :class:`UserInputError` for a contradictory request, a bad address, or
    ``self_test`` (the conformance suite is a host: ``tens simulate --self-test`` runs it).
    """
    if request.self_test:
        if request.pty or request.tcp:
            raise UserInputError("--self-test runs its own simulator; drop --pty/--tcp")
        # the suite is a host, which the simulator never imports: `tens simulate` runs it
        raise UserInputError(
            "--self-test runs the conformance suite", hint="run `tens simulate --self-test`"
        )
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
