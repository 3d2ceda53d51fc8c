"""Entry point of ``tens``: the click group and its sub-commands (one module each)."""

from __future__ import annotations

import click

from tenscontrol import __version__
from tenscontrol.cli.control_cmd import adjust, status, stop
from tenscontrol.cli.devices_cmd import devices
from tenscontrol.cli.export_cmd import export
from tenscontrol.cli.history_cmd import history
from tenscontrol.cli.profile_cmd import profile
from tenscontrol.cli.report_cmd import report
from tenscontrol.cli.screen_cmd import screen
from tenscontrol.cli.simulate_cmd import simulate
from tenscontrol.cli.start_cmd import start


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tens")
def cli() -> None:
    """Control a USB TENS pain-relief device safely.

    \b
    Example:
      tens simulate --pty          # run a simulated device on a pseudo-terminal
    """


def main() -> None:
    """Console-script entry point."""
    cli(auto_envvar_prefix="TENS")


cli.add_command(profile)
cli.add_command(devices)
cli.add_command(simulate)
cli.add_command(history)
cli.add_command(report)
cli.add_command(export)
cli.add_command(start)
cli.add_command(screen)
cli.add_command(status)
cli.add_command(stop)
cli.add_command(adjust)
