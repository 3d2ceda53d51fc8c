"""``tens simulate``: the simulator program of :mod:`tenscontrol.sim.run` as a ``tens``
command (``python -m tenscontrol.sim`` is the same program without the CLI), and
``--self-test``: the conformance suite (:mod:`tenscontrol.conformance`) against a fresh
simulator on a pty, which only the ``tens`` command can do (the simulator never imports
a host)."""

from __future__ import annotations

import sys

import click

from tenscontrol.cli.conformance_cmd import run_on_port, stop_line, summary_line
from tenscontrol.cli.exits import report_errors
from tenscontrol.conformance import Result
from tenscontrol.errors import DeviceError, UserInputError
from tenscontrol.sim.faults import (
    OPTION_HELP,
    OPTION_NAMES,
    REPEATABLE,
    option_flags,
    option_metavar,
)
from tenscontrol.sim.run import MODE_OPTIONS, request_from, run
from tenscontrol.sim.server import PtyServer

#: The self-test's simulator over-delivers 50 % on its last channel, so that the
#: conformance checks of the device's own over-delivery trip run too.
SELF_TEST_OVERDELIVER = "{channel}@0:50"


def _mode_options(func: click.decorators.FC) -> click.decorators.FC:
    """Add the mode options (:data:`~tenscontrol.sim.run.MODE_OPTIONS`), in their order."""
    for mode in reversed(MODE_OPTIONS):
        flag = mode.metavar is None
        option = click.option(
            mode.flag, mode.name, is_flag=flag, metavar=mode.metavar, help=mode.help
        )
        func = option(func)
    return func


def _fault_options(func: click.decorators.FC) -> click.decorators.FC:
    """Add one click option per fault option, spelled ``--corrupt-rate`` or ``--corrupt_rate``."""
    for name in reversed(OPTION_NAMES):
        func = click.option(
            *option_flags(name),
            name,
            multiple=name in REPEATABLE,
            metavar=option_metavar(name),
            help=OPTION_HELP[name],
        )(func)
    return func


@click.command("simulate")
@_mode_options
@_fault_options
@report_errors
def simulate(**values: object) -> None:
    """Run the simulated TENS device (model TC-SIM-2, flagged SIMULATOR).

    The first line on stdout is "port: <path or URL>"; open that port with the host.
    Runs until SIGINT or SIGTERM, then exits 0. Fault options take the same names as the
    ``sim://`` URL query; seconds count from the simulator's start.

    \b
    Examples:
      tens simulate --pty
      tens simulate --tcp 127.0.0.1:5555 --log sim.jsonl
      tens simulate --pty --corrupt-rate 0.001 --lead-off 1@30 --lead-on 1@40
      tens simulate --self-test
    """
    if values.get("self_test"):
        _self_test(values)
        return
    run(request_from(values), _out, _err)


def _self_test(values: dict[str, object]) -> None:
    """Serve a fresh simulator on a pty and run every conformance check on it; a few lines
    of what it found. Raises :class:`DeviceError` (exit 3) when a check fails."""
    if values.get("pty") or values.get("tcp"):
        raise UserInputError("--self-test runs its own simulator; drop --pty/--tcp")
    given = {**values, "self_test": False}
    channels = int(str(values.get("channels") or 2))
    if not values.get("overdeliver") and channels >= 2:
        given["overdeliver"] = (SELF_TEST_OVERDELIVER.format(channel=channels),)
    server = PtyServer(request_from(given).options)
    server.start()
    try:
        _out(f"port: {server.port}")
        # never asked: the simulator's IDENTITY carries the SIMULATOR flag (else: refused)
        report = run_on_port(server.port, (), lambda identity: False)
    finally:
        server.close()
    d = report.device
    _out(f"device: {d['model']} serial {d['serial_number']} [SIMULATED]")
    versions = "-".join(str(v) for v in d["device_versions"])
    _out(f"firmware {d['firmware']}, protocol {d['protocol']} (device speaks {versions})")
    _out(f"conformance: {summary_line(report)} (tens conformance --list names them)")
    failed = [r for r in report.results if r.result is Result.FAIL]
    for r in failed:
        _out(f"fail {r.check.id} (section {r.check.section}): {r.outcome.detail}")
    _out(stop_line(report))
    if failed or not report.stop_confirmed:
        raise DeviceError(f"self-test failed: {len(failed)} conformance check(s) failed")
    _out("self-test passed")


def _out(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


def _err(line: str) -> None:
    click.echo(line, err=True)
