"""``tens start``: run one session (live view on a terminal, else plain lines or JSON lines).

Order, so that bad input never reaches a device: options, profile, intensities and duration
are checked first (exit 2); then the port is opened (a HELLO and a STOP: output 0); a real
device needs a valid screening (``tens screen``); the engine checks the limit chain against
the device (exit 2, nothing sent); the plan is shown and confirmed (``--yes`` skips); the
optional pain score before; the session; the end line; the pain score after. The pain
diary is only asked on a real device (a simulated session changes nobody's pain, and its
scores would skew the per-profile averages of ``tens history``); ``--pain-before N`` is
checked with the other options and stored on any device (a simulated session's log says
it was simulated, and ``tens progress`` leaves it out unless asked). The plan carries the
tolerance note and the skin warnings (:mod:`~tenscontrol.cli.start.advice`): advice only.
After the pain score after: the placement reminder and the skin check
(:mod:`~tenscontrol.cli.start.aftercare`; ``--skin`` is checked with the other options).

While it runs, the session serves its control endpoint (``tens status``, ``tens stop``,
``tens adjust``; :mod:`tenscontrol.control`); only one session runs at a time.

Stop paths: a signal is handled from the first line of the command on
(:class:`~tenscontrol.session.signals.SignalGuard`: every signal that would end or suspend
the process); the session runs in its own thread under :func:`run_supervised`, so the
main thread is always free to send the STOP; stdout and stderr are written by threads of
their own (:mod:`~tenscontrol.cli.start.streams`), and losing either, or the terminal, is a
stop path (``stream_lost``) instead of a blocked engine or a dead thread.

Exit codes (:func:`~tenscontrol.cli.exits.session_exit_code`): 0 completed or stopped by
the user or the system (a key, ``tens stop``, a signal, the terminal or the output's reader
gone), with output 0 confirmed; 1 the output was gone before the session started; 2 bad
input, a screening that blocks, or another session already running (refused before any
port is opened); 3 device or link problem (not found, lost, rebooted, incompatible, the
host starved, or a stop the device did not confirm); 4 safety stop (fault, over-delivery);
128 + N a signal N before the session started (nothing was started).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from typing import Any, TextIO

import click
from click.core import ParameterSource

from tenscontrol.cli.exits import EXIT_OK, EXIT_USER_INPUT, report_errors, session_exit_code, warn
from tenscontrol.cli.outputs import trace_option
from tenscontrol.cli.screen_cmd import run_screening
from tenscontrol.cli.start import aftercare
from tenscontrol.cli.start.advice import plan_advice, skin_advice
from tenscontrol.cli.start.device import OpenedDevice, open_device
from tenscontrol.cli.start.live import LiveSession
from tenscontrol.cli.start.printer import SessionPrinter
from tenscontrol.cli.start.prompts import (
    ask_pain,
    check_speed,
    parse_duration,
    parse_intensities,
    stdin_is_terminal,
)
from tenscontrol.cli.start.streams import LineWriter
from tenscontrol.cli.text import ma, mmss
from tenscontrol.control.server import ControlServer
from tenscontrol.control.slot import ControlSlot
from tenscontrol.errors import Interrupted, TensError, UserInputError
from tenscontrol.profiles.loader import resolve
from tenscontrol.records.diary import PainSource, score_option, store_pain
from tenscontrol.records.screening import outcome_message, valid_screening
from tenscontrol.records.skin import option_checks, skin_option
from tenscontrol.session import SessionEngine, SessionResult, load_caps
from tenscontrol.session.events import StopReason
from tenscontrol.session.limits import check_before_device
from tenscontrol.session.signals import GuardMode, SignalGuard
from tenscontrol.session.supervisor import run_supervised
from tenscontrol.transport import FrameTracer

log = logging.getLogger(__name__)


def _ensure_screening() -> None:
    """A real device needs a passed screening from the last 90 days."""
    if valid_screening() is not None:
        return
    if not stdin_is_terminal():
        raise UserInputError(
            "the safety screening is needed before the first session on a real device",
            hint="run `tens screen` first (or try it out with --simulate)",
        )
    result = run_screening()
    click.echo(outcome_message(result), err=True)
    if not result.passed:
        sys.exit(EXIT_USER_INPUT)


def _show_plan(engine: SessionEngine, printer: SessionPrinter, opened: OpenedDevice) -> None:
    profile = engine.profile
    advice = plan_advice(profile)  # the tolerance note: advice only, it changes nothing
    skin = skin_advice(profile)  # red or irritated skin last time: advice only too
    info = engine.info
    channels = []
    for channel in profile.channels:
        lim = engine.limits.of(channel.number)
        start_ua = engine.intensities_ua.get(channel.number)
        channels.append(
            {
                "channel": channel.number,
                "body_area": channel.body_area,
                "placement": " ".join(channel.placement.split()),
                "ceiling_ua": lim.ceiling_ua,
                "ceiling_binding": lim.binding,
                "start_ua": start_ua,
            }
        )
    printer.record(
        {
            "event": "plan",
            "profile": profile.name,
            "title": profile.title,
            "duration_s": engine.duration_ms / 1_000,
            "soft_start_s": profile.soft_start_ms / 1_000,
            "device": f"{info.identity.model} {info.identity.serial_number}",
            "port": opened.url,
            "channels": channels,
            "tolerance": None if advice is None else advice.as_json(),
            "skin": [warning.as_json() for warning in skin],
        }
    )
    origin = "" if profile.builtin or profile.path is None else f" (from {profile.path})"
    printer.line(f"profile {profile.name}{origin}: {profile.title}")
    printer.line(f"device {info.identity.model} {info.identity.serial_number} on {opened.url}")
    printer.line(
        f"duration {mmss(engine.duration_ms)} (profile maximum {mmss(profile.duration_ms)}), "
        f"soft start {profile.soft_start_ms // 1_000} s"
    )
    for c in channels:
        start = c["start_ua"]
        level = f"start at {ma(start)} mA" if isinstance(start, int) else "stays at 0 mA"
        printer.line(
            f"channel {c['channel']} ({c['body_area']}): {c['placement']}; ceiling "
            f"{ma(c['ceiling_ua'])} mA ({c['ceiling_binding']}); {level}"  # type: ignore[arg-type]
        )
    for text in advice.lines if advice is not None else ():
        printer.line(f"note: {text}")
    for warning in skin:
        for text in warning.lines:
            printer.line(f"warning: {text}")


def _live_wanted(as_json: bool, plain: bool) -> bool:
    """The live view: on a terminal that can draw it, unless --json or --plain."""
    if as_json or plain:
        return False
    return sys.stdout.isatty() and os.environ.get("TERM", "") != "dumb"


@dataclass(frozen=True)
class StartOptions:
    """The options of ``tens start``, as click parsed them (see the option help)."""

    profile_ref: str
    port: str | None
    simulate: bool
    intensities: tuple[str, ...]
    duration: str | None
    speed: float | None
    as_json: bool
    trace_file: TextIO | None
    yes: bool
    no_diary: bool
    pain_before: str | None
    skin: tuple[str, ...]
    plain: bool


class _StderrLog(logging.Handler):
    """Log records of the session as ``warning: ...`` lines on stderr, written by a
    :class:`LineWriter` (a log call in the engine thread never waits for the terminal)."""

    def __init__(self, out: LineWriter) -> None:
        super().__init__(logging.WARNING)
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the record as one line (never raises, never blocks)."""
        try:
            self.out.write(f"{record.levelname.lower()}: {record.getMessage()}")
        except Exception:  # a broken record must not reach the session
            self.handleError(record)


class _Streams:
    """stdout and stderr of one ``tens start`` behind :class:`LineWriter` threads.

    A loss of either (or of the terminal) before the session starts is an error on the
    next step; during the session it is a stop path (``stream_lost``); the handler on the
    ``tenscontrol`` logger is removed again at the end.
    """

    def __init__(self) -> None:
        self.guard: SignalGuard | None = None
        self.engine: SessionEngine | None = None
        self.lost: tuple[str, str] | None = None
        self.out = LineWriter(sys.stdout, "stdout", self.on_lost)
        self.err = LineWriter(sys.stderr, "stderr", self.on_lost)
        self._handler = _StderrLog(self.err)
        self._logger = logging.getLogger("tenscontrol")
        self._logger.addHandler(self._handler)
        self._propagate = self._logger.propagate
        self._logger.propagate = False  # no second copy through the last-resort handler

    def on_lost(self, stream: str, what: str) -> None:
        """A stream is gone (any thread): stop the session, if there is one."""
        if self.lost is None:
            self.lost = (stream, what)
        engine = self.engine
        if engine is not None:
            engine.request_stop(StopReason.STREAM_LOST, {"stream": stream, "cause": what})

    def close(self) -> None:
        """Write what is queued (at most 2 s each), then unhook the log handler."""
        self.out.close()
        self._logger.removeHandler(self._handler)
        self._logger.propagate = self._propagate
        self.err.close()


def _confirm(as_json: bool, simulated: bool) -> bool:
    label = "SIMULATED session" if simulated else "Start stimulating"
    try:
        return click.confirm(f"{label}: start now?", default=False, err=as_json)
    except click.Abort:
        raise UserInputError(
            "not confirmed: nothing was started", hint="answer y, or pass --yes"
        ) from None


def _store_pain(
    result: SessionResult, before: int | None, after: int | None, source: PainSource
) -> None:
    if result.log_path is None:
        return
    try:
        store_pain(result.log_path, result.duration_ms, before, after, source=source, warn=warn)
    except (OSError, TensError) as error:
        warn(f"pain scores not stored: {error}")


@click.command("start")
@click.option(
    "--profile",
    "profile_ref",
    required=True,
    metavar="NAME|FILE",
    help="Built-in or user profile name, or a .toml file.",
)
@click.option(
    "--port",
    envvar="TENS_PORT",
    metavar="URL|PATH",
    help="Device path or URL (default: the one device found).",
)
@click.option("--simulate", is_flag=True, help="Use the built-in simulated device.")
@click.option(
    "--intensity",
    "intensities",
    multiple=True,
    metavar="MA|CH=MA",
    help="Starting intensity in mA (all channels, or CH=MA; repeatable).",
)
@click.option("--duration", metavar="LENGTH", help="Session length, e.g. 20m, 90s, 1h.")
@click.option("--speed", type=float, metavar="X", help="Fast-forward X times (--simulate only).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line on stdout.")
@trace_option
@click.option("--yes", "-y", is_flag=True, help="Start without asking for confirmation.")
@click.option("--no-diary", is_flag=True, help="Do not ask for pain scores before and after.")
@click.option("--pain-before", metavar="0-10", help="Pain now, 0-10 (stored; not asked then).")
@click.option(
    "--skin",
    multiple=True,
    metavar="ANSWER|CH=ANSWER",
    help="Skin under the pads after the session: ok, red, irritated or skip (all channels, "
    "or CH=ANSWER; stored; not asked then).",
)
@click.option("--plain", is_flag=True, help="Plain lines even on a terminal (no live view).")
@click.pass_context
@report_errors
def start(ctx: click.Context, /, **options: Any) -> None:
    """Run one session of a profile on a device (or the simulator).

    On a terminal a live view shows the session; keys: up/down or +/- channel 1, [ and ]
    channel 2, space pause/resume, q or Esc stop. Not a terminal (or --plain): one line
    per change or every 5 s; --json: one JSON object per line.

    Ctrl-C, SIGTERM or `tens stop` stops at once (output 0, confirmed by the device; exit
    0). Exit codes: 2 bad input, screening, or another session running, 3 device or link
    problem, 4 safety stop.

    \b
    Examples:
      tens start --profile low-back --simulate --intensity 20 --speed 60 --yes
      tens start --profile sciatic-leg --intensity 1=18 --intensity 2=15 --duration 20m
    """
    guard = SignalGuard().install()  # first: any signal from here on is a stop path
    streams = _Streams()
    try:
        code = _start(ctx, guard, streams, StartOptions(**options))
    finally:
        guard.mode = GuardMode.NOTE
        streams.close()
    sys.exit(code)


def _start(ctx: click.Context, guard: SignalGuard, streams: _Streams, o: StartOptions) -> int:
    """The body of ``tens start``; returns the exit code. A signal before the session runs
    raises :class:`Interrupted` out of here (the port is closed with a STOP on the way)."""
    port = o.port
    if o.simulate and port is not None:
        if ctx.get_parameter_source("port") is not ParameterSource.ENVIRONMENT:
            raise UserInputError("--port and --simulate: choose one")
        port = None  # TENS_PORT does not apply to the simulator
    check_speed(o.speed, o.simulate)
    from_env = ctx.get_parameter_source("pain_before") is ParameterSource.ENVIRONMENT
    pain_before = score_option(o.pain_before, "--pain-before", from_environment=from_env)
    skin_from_env = ctx.get_parameter_source("skin") is ParameterSource.ENVIRONMENT
    skin = skin_option(o.skin, "--skin", from_environment=skin_from_env)
    profile = resolve(o.profile_ref, warn=lambda text: click.echo(f"warning: {text}", err=True))
    skin_given = option_checks(skin, {c.number: c.body_area for c in profile.channels})
    wanted = parse_intensities(o.intensities, profile)
    duration_ms = parse_duration(o.duration, profile)
    caps = load_caps()
    check_before_device(profile, caps, wanted)
    tracer = FrameTracer(o.trace_file) if o.trace_file else None
    slot = ControlSlot.claim()  # one session at a time (exit 2), before any port is opened
    try:
        opened = open_device(port, simulate=o.simulate, speed=o.speed, tracer=tracer)
    except BaseException:
        slot.release()
        raise
    try:
        simulated = o.simulate or opened.simulated
        if not simulated:
            _ensure_screening()
        engine = SessionEngine(
            profile, opened.device, intensities_ua=wanted, duration_ms=duration_ms, caps=caps
        )
        printer = SessionPrinter(
            engine, streams.out, as_json=o.as_json, simulated=simulated, speed=o.speed or 1.0
        )
        _show_plan(engine, printer, opened)
        streams.out.flush()  # the plan is on the screen before any question
        if not o.yes and not _confirm(o.as_json, simulated):
            click.echo("Not started: nothing was sent to the device.", err=True)
            return EXIT_OK
        diary = not o.no_diary and not simulated  # no pain change to measure on a simulator
        before = pain_before if pain_before is not None else ask_pain("before") if diary else None
        if streams.lost is not None:
            stream, what = streams.lost
            raise TensError(f"{stream} is gone ({what}): nothing was started")
        live = _live_wanted(o.as_json, o.plain)
        view: LiveSession | SessionPrinter = (
            LiveSession(engine, on_lost=streams.on_lost) if live else printer
        )
        streams.engine = engine  # from here a lost stream stops the session
        view.attach()
        try:
            with ControlServer(engine, slot):
                result = run_supervised(engine, guard)
        finally:
            view.close()
    finally:
        opened.close()
        slot.release()
    code = session_exit_code(result)
    care = bool(skin_given) or not simulated  # no pads on anyone, unless --skin says so
    printer.end(result, code, aftercare.reminder_json(profile) if care else None)
    if care:
        aftercare.print_reminder(printer, profile)
    after = _ask_after(guard) if diary else None
    source = PainSource.PROMPT if pain_before is None else PainSource.OPTION
    _store_pain(result, before, after, source)
    if care:
        ask = not simulated and stdin_is_terminal()  # one key: a terminal only
        aftercare.check_skin(printer, profile, result, given=skin_given, ask=ask, guard=guard)
    return code


def _ask_after(guard: SignalGuard) -> int | None:
    """The pain score after the session; a signal (Ctrl-C) while asking skips it."""
    guard.mode = GuardMode.RAISE
    try:
        return ask_pain("after")
    except Interrupted:
        return None
    finally:
        guard.mode = GuardMode.NOTE
