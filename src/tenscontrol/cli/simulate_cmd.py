"""``tens simulate``: the simulator program of :mod:`tenscontrol.sim.run` as a ``tens``
command (``python -m tenscontrol.sim`` is the same program without the CLI)."""

from __future__ import annotations

import sys

import click

from tenscontrol.cli.exits import report_errors
from tenscontrol.sim.faults import (
    OPTION_HELP,
    OPTION_NAMES,
    REPEATABLE,
    option_flags,
    option_metavar,
)
from tenscontrol.sim.run import MODE_OPTIONS, request_from, run


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
    run(request_from(values), _out, _err)


def _out(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


def _err(line: str) -> None:
    click.echo(line, err=True)
