"""``tens conformance``: run the device conformance suite (:mod:`tenscontrol.conformance`)
on a port and print what it found: a table, or one JSON document with ``--json``.

Exit status: 0 no automatic check failed (``manual`` and ``skip`` are listed, never counted
as a pass), 1 a check failed, 2 bad input (an unknown ``--only`` id, no ``--port``, the
load-resistor question not answered yes), 3 the device did not answer, went away, or the
final STOP was not confirmed (then: remove the pads and unplug it). A signal ends the
suite with its confirmed final STOP and exits 128 + N.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import click

from tenscontrol.cli.exits import EXIT_SIGNAL_BASE, report_errors, say
from tenscontrol.cli.table import print_table
from tenscontrol.conformance import CONFORMANCE_MAX_UA, Report, Result, Suite, select
from tenscontrol.conformance.results import Check
from tenscontrol.errors import (
    ConformanceFailed,
    Interrupted,
    StopNotConfirmed,
    UserInputError,
)
from tenscontrol.protocol import Identity
from tenscontrol.session.signals import SignalGuard
from tenscontrol.transport import open_port


def list_rows(checks: tuple[Check, ...]) -> list[list[str]]:
    """``--list``: id, section, kind, title of each check."""
    return [[c.id, c.section, c.kind.value, c.title] for c in checks]


def device_line(report: Report) -> str:
    """The device the report is about, in one line."""
    d = report.device
    if "model" not in d:
        return f"device on {d['port']}: no IDENTITY"
    label = " [SIMULATED]" if d["simulated"] else ""
    return f"device: {d['model']} serial {d['serial_number']}{label}"


def summary_line(report: Report) -> str:
    """``61 pass, 0 fail, 6 manual, 0 skip in 15.2 s``."""
    counts = ", ".join(f"{report.count(r)} {r.value}" for r in Result)
    return f"{counts} in {report.seconds:.1f} s"


def stop_line(report: Report) -> str:
    """Whether every STOP, the final one included, was confirmed."""
    if report.stop_confirmed:
        return "final STOP confirmed: output back to 0 uA on every channel"
    if report.unconfirmed_stop is not None:
        return f"a STOP was NOT confirmed ({report.unconfirmed_stop})"
    detail = report.stop.detail if report.stop is not None else "no STOP was confirmed"
    return f"final STOP NOT confirmed: {detail}"


def finish(report: Report) -> None:
    """Raise what the report's exit status calls for (nothing when every check passed)."""
    if not report.stop_confirmed:
        raise StopNotConfirmed(f"the stop was not confirmed: {stop_line(report)}")
    failed = [r.check.id for r in report.results if r.result is Result.FAIL]
    if failed:
        raise ConformanceFailed(
            f"{len(failed)} check(s) failed: {', '.join(failed)}",
            hint="each failure names what was measured and the spec section it tests",
        )


def load_question(yes: bool, as_json: bool) -> Callable[[Identity], bool]:
    """The question asked of a device that is not a simulator (``--yes`` answers it)."""

    def ask(identity: Identity) -> bool:
        if yes:
            return True
        if sys.stdin is None or not sys.stdin.isatty():
            return False
        question = (
            f"{identity.model} {identity.serial_number} is not a simulator: the suite drives "
            f"its outputs at up to {CONFORMANCE_MAX_UA / 1000:g} mA. Is a load resistor "
            "(about 500 ohm) connected to every channel, and NO person?"
        )
        try:
            return click.confirm(question, default=False, err=as_json)
        except click.Abort:
            return False

    return ask


def run_on_port(
    port_name: str,
    only: tuple[str, ...],
    confirm: Callable[[Identity], bool],
    guard: SignalGuard | None = None,
) -> Report:
    """Open ``port_name`` and run the suite (``only`` those ids); the report. The final
    STOP runs on every way out; a signal (``guard`` raises it as :class:`Interrupted`)
    ends the command after it, saying whether it was confirmed, with 128 + N."""
    checks = select(only)
    opened = open_port(port_name)
    suite = Suite(opened, port_name)
    interrupted: Interrupted | None = None
    try:
        suite.run(checks, confirm)
    except Interrupted as caught:
        interrupted = caught
    finally:
        if guard is not None:
            guard.detach()  # a second signal must not cut the final STOP short
        try:
            suite.finish()
        finally:
            opened.close()
    if interrupted is not None:
        say(f"error: stopped by {interrupted.name}: {stop_line(suite.report)}")
        sys.exit(EXIT_SIGNAL_BASE + interrupted.signum)
    return suite.report


def print_report(report: Report) -> None:
    """The report as a table, then its summary lines."""
    rows = [
        [r.check.id, r.check.section, r.check.title, r.result.value, r.outcome.detail]
        for r in report.results
    ]
    d = report.device
    title = f"conformance of {device_line(report).removeprefix('device: ')} on {d['port']}"
    if "protocol" in d:
        title += f" (protocol {d['protocol']})"
    print_table(title, ["id", "section", "title", "result", "measured"], rows)
    if report.ended_early:
        click.echo(f"ended early: {report.ended_early}")
    click.echo(summary_line(report))
    click.echo(stop_line(report))


@click.command("conformance")
@click.option(
    "--port", envvar="TENS_PORT", metavar="URL|PATH", help="Device path or URL (sim://, socket://)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option(
    "--only", "only", multiple=True, metavar="ID", help="Run only this check (repeatable)."
)
@click.option("--list", "list_only", is_flag=True, help="List the checks; touch no device.")
@click.option(
    "--yes", "-y", is_flag=True, help="Confirm a load resistor, not a person, is connected."
)
@report_errors
def conformance(
    port: str | None, as_json: bool, only: tuple[str, ...], list_only: bool, yes: bool
) -> None:
    """Check a device against firmware_protocol.md, duty by duty.

    Every check has a stable id and names the spec section it tests; each gives pass,
    fail, manual (a person must check it; instructions given) or skip (with the reason).
    On a device that is not a simulator the suite never commands more than 2 mA, asks you
    to confirm a load resistor and not a person is connected, and always ends with a
    confirmed STOP.

    \b
    Examples:
      tens conformance --list
      tens conformance --port sim://?overdeliver=2@0:50
      tens conformance --port /dev/ttyACM0 --json > report.json
      tens conformance --port /dev/ttyACM0 --only watchdog.expiry.500ms --yes
    """
    checks = select(only)
    if list_only:
        _print_list(checks, as_json)
        return
    if not port:
        raise UserInputError("--port is required", hint="name the device, e.g. --port /dev/ttyACM0")
    say(f"conformance: running {len(checks)} checks on {port}")
    guard = SignalGuard().install()
    try:
        report = run_on_port(port, only, load_question(yes, as_json), guard)
    finally:
        guard.uninstall()
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        print_report(report)
    finish(report)


def _print_list(checks: tuple[Check, ...], as_json: bool) -> None:
    if as_json:
        listed = [
            {"id": c.id, "section": c.section, "title": c.title, "kind": c.kind.value}
            for c in checks
        ]
        click.echo(json.dumps({"checks": listed}, indent=2))
        return
    print_table(f"{len(checks)} checks", ["id", "section", "kind", "title"], list_rows(checks))
