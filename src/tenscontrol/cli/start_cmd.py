"""``tens start``: run one session (live view on a terminal, else plain lines or JSON lines).

Order, so that bad input never reaches a device: options, profile, intensities and duration
are checked first (exit 2); then the port is opened (a HELLO and a STOP: output 0); a real
device needs a valid screening (``tens screen``); the engine checks the limit chain against
the device (exit 2, nothing sent); the plan is shown and confirmed (``--yes`` skips); the
optional pain score before; the session; the end line; the pain score after. The pain
diary is only asked on a real device (a simulated session changes nobody's pain, and its
scores would skew the per-profile averages of ``tens history``).

While it runs, the session serves its control endpoint (``tens status``, ``tens stop``,
``tens adjust``; :mod:`tenscontrol.session.control`); only one session runs at a time.

Exit codes (``session_exit_code``): 0 completed or stopped by the user (Ctrl-C, SIGTERM,
``tens stop``), with output 0 confirmed; 2 bad input, a screening that blocks, or another
session already running (refused before any port is opened); 3 device or link problem
(not found, lost, rebooted, incompatible, or a stop the device did not confirm); 4 safety
stop (fault, over-delivery).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

import click
from click.core import ParameterSource

from tenscontrol.cli.exits import (
    EXIT_DEVICE,
    EXIT_NOTHING,
    EXIT_OK,
    EXIT_SAFETY,
    EXIT_USER_INPUT,
    exit_code_for,
    report_errors,
)
from tenscontrol.cli.screen_cmd import outcome_message, run_screening, valid_screening
from tenscontrol.cli.start_device import OpenedDevice, open_device
from tenscontrol.cli.start_input import (
    ask_pain,
    check_speed,
    parse_duration,
    parse_intensities,
    stdin_is_terminal,
)
from tenscontrol.cli.start_live import LiveSession
from tenscontrol.cli.start_output import SessionPrinter, ma, mmss
from tenscontrol.errors import TensError, UserInputError
from tenscontrol.profiles.loader import resolve
from tenscontrol.session import SessionEngine, SessionResult, load_caps, stop_on_signals
from tenscontrol.session import index as session_index
from tenscontrol.session.control import ControlSlot
from tenscontrol.session.control_server import ControlServer
from tenscontrol.session.limits import check_before_device
from tenscontrol.session.logwriter import append_record
from tenscontrol.transport import FrameTracer

log = logging.getLogger(__name__)


def session_exit_code(result: SessionResult) -> int:
    """The exit code of a finished session (the one place this mapping lives)."""
    if result.reason in ("completed", "user", "signal", "remote"):
        return EXIT_OK if result.stop_confirmed else EXIT_DEVICE
    if result.reason == "fault":
        return EXIT_SAFETY
    if result.reason == "device_lost":
        return EXIT_DEVICE
    if isinstance(result.error, TensError):
        return exit_code_for(result.error)
    return EXIT_NOTHING


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
    info = engine.info
    channels = []
    for channel in profile.channels:
        lim = engine.limits.of(channel.number)
        start_ua = engine.intensities_ua.get(channel.number)
        channels.append({
            "channel": channel.number, "body_area": channel.body_area,
            "placement": " ".join(channel.placement.split()), "ceiling_ua": lim.ceiling_ua,
            "ceiling_binding": lim.binding, "start_ua": start_ua,
        })  # fmt: skip
    printer.record({
        "event": "plan", "profile": profile.name, "title": profile.title,
        "duration_s": engine.duration_ms / 1_000, "soft_start_s": profile.soft_start_ms / 1_000,
        "device": f"{info.identity.model} {info.identity.serial_number}", "port": opened.url,
        "channels": channels,
    })  # fmt: skip
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


def _live_wanted(as_json: bool, plain: bool) -> bool:
    """The live view: on a terminal that can draw it, unless --json or --plain."""
    if as_json or plain:
        return False
    return sys.stdout.isatty() and os.environ.get("TERM", "") != "dumb"


def _confirm(as_json: bool, simulated: bool) -> bool:
    label = "SIMULATED session" if simulated else "Start stimulating"
    try:
        return click.confirm(f"{label}: start now?", default=False, err=as_json)
    except click.Abort:
        raise UserInputError(
            "not confirmed: nothing was started", hint="answer y, or pass --yes"
        ) from None


def _store_pain(result: SessionResult, before: int | None, after: int | None) -> None:
    if result.log_path is None or (before is None and after is None):
        return
    record: dict[str, object] = {"type": "event", "t_ms": result.duration_ms,
                                 "event": "pain", "before": before, "after": after}  # fmt: skip
    try:
        append_record(result.log_path, record)
        session_index.record_session(result.log_path)
    except (OSError, TensError) as error:
        click.echo(f"warning: pain scores not stored: {error}", err=True)


@click.command("start")
@click.option("--profile", "profile_ref", required=True, metavar="NAME|FILE",
              help="Built-in or user profile name, or a .toml file.")  # fmt: skip
@click.option("--port", envvar="TENS_PORT", metavar="URL|PATH",
              help="Device path or URL (default: the one device found).")  # fmt: skip
@click.option("--simulate", is_flag=True, help="Use the built-in simulated device.")
@click.option("--intensity", "intensities", multiple=True, metavar="MA|CH=MA",
              help="Starting intensity in mA (all channels, or CH=MA; repeatable).")  # fmt: skip
@click.option("--duration", metavar="LENGTH", help="Session length, e.g. 20m, 90s, 1h.")
@click.option("--speed", type=float, metavar="X", help="Fast-forward X times (--simulate only).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line on stdout.")
@click.option("--trace", "trace_file", type=click.File("w"), help="Trace frames to FILE.")
@click.option("--yes", "-y", is_flag=True, help="Start without asking for confirmation.")
@click.option("--no-diary", is_flag=True, help="Do not ask for pain scores before and after.")
@click.option("--plain", is_flag=True, help="Plain lines even on a terminal (no live view).")
@click.pass_context
@report_errors
def start(
    ctx: click.Context,
    profile_ref: str,
    port: str | None,
    simulate: bool,
    intensities: tuple[str, ...],
    duration: str | None,
    speed: float | None,
    as_json: bool,
    trace_file: TextIO | None,
    yes: bool,
    no_diary: bool,
    plain: bool,
) -> None:
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
    if simulate and port is not None:
        if ctx.get_parameter_source("port") is not ParameterSource.ENVIRONMENT:
            raise UserInputError("--port and --simulate: choose one")
        port = None  # TENS_PORT does not apply to the simulator
    check_speed(speed, simulate)
    profile = resolve(profile_ref, warn=lambda text: click.echo(f"warning: {text}", err=True))
    wanted = parse_intensities(intensities, profile)
    duration_ms = parse_duration(duration, profile)
    caps = load_caps()
    check_before_device(profile, caps, wanted)
    tracer = FrameTracer(trace_file) if trace_file else None
    slot = ControlSlot.claim()  # one session at a time (exit 2), before any port is opened
    try:
        opened = open_device(port, simulate=simulate, speed=speed, tracer=tracer)
    except BaseException:
        slot.release()
        raise
    try:
        simulated = simulate or opened.simulated
        if not simulated:
            _ensure_screening()
        engine = SessionEngine(
            profile, opened.device, intensities_ua=wanted, duration_ms=duration_ms, caps=caps
        )
        printer = SessionPrinter(engine, as_json=as_json, simulated=simulated)
        _show_plan(engine, printer, opened)
        if not yes and not _confirm(as_json, simulated):
            click.echo("Not started: nothing was sent to the device.", err=True)
            return
        diary = not no_diary and not simulated  # no pain change to measure on a simulator
        before = ask_pain("before") if diary else None
        view: LiveSession | SessionPrinter = (
            LiveSession(engine) if _live_wanted(as_json, plain) else printer
        )
        view.attach()
        try:
            with ControlServer(engine, slot), stop_on_signals(engine):
                result = engine.run()
        finally:
            view.close()
    finally:
        opened.close()
        slot.release()
    code = session_exit_code(result)
    printer.end(result, code)
    after = ask_pain("after") if diary else None
    _store_pain(result, before, after)
    sys.exit(code)
