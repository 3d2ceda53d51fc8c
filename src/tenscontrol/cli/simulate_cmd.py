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
    collect_options,
    option_flags,
    option_metavar,
)
from tenscontrol.sim.run import RunRequest, run


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
@click.option("--pty", "use_pty", is_flag=True, help="Serve on a new pseudo-terminal (POSIX).")
@click.option("--tcp", metavar="HOST:PORT", help="Serve on TCP (socket:// URL), e.g. 127.0.0.1:0.")
@click.option("--allow-remote", is_flag=True, help="Allow --tcp to bind a non-loopback address.")
@click.option(
    "--self-test",
    is_flag=True,
    help="Start a simulator on a pty, handshake with it, run START/SET/STOP, and exit.",
)
@_fault_options
@report_errors
def simulate(
    use_pty: bool,
    tcp: str | None,
    allow_remote: bool,
    self_test: bool,
    **faults: str | tuple[str, ...] | None,
) -> None:
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
    request = RunRequest(
        options=collect_options(faults),
        pty=use_pty,
        tcp=tcp,
        allow_remote=allow_remote,
        self_test=self_test,
    )
    run(request, _out, _err)


def _out(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


def _err(line: str) -> None:
    click.echo(line, err=True)
