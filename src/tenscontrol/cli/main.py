"""Entry point of ``tens``: the click group and its sub-commands (one module each).

Sub-commands are imported only when they run (:class:`LazyGroup`): ``tens --help``,
``tens --version`` and shell completion then start without loading pydantic, rich or
pyserial (start-up target: 150 ms). The one-line help of each command lives in
:data:`COMMANDS`, next to where its module is.
"""

from __future__ import annotations

import importlib
import signal

import click

from tenscontrol import __version__

#: Commands that install their own signal handlers first thing (the early Ctrl-C handler
#: of :mod:`tenscontrol.cli` stays until they do).
OWN_SIGNALS = frozenset({"start"})

#: name -> (module, attribute, one-line help shown by ``tens --help``), in display order.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "start": (
        "tenscontrol.cli.start.command",
        "start",
        "Run one session of a profile on a device (or the simulator).",
    ),
    "status": (
        "tenscontrol.cli.control_cmd",
        "status",
        "Show the running session (from another terminal).",
    ),
    "adjust": (
        "tenscontrol.cli.control_cmd",
        "adjust",
        "Change the running session's intensity one step, or set it.",
    ),
    "stop": (
        "tenscontrol.cli.control_cmd",
        "stop",
        "Stop the running session: returns once the device confirms 0.",
    ),
    "screen": (
        "tenscontrol.cli.screen_cmd",
        "screen",
        "Answer the safety questions needed before the first real session.",
    ),
    "history": (
        "tenscontrol.cli.history_cmd",
        "history",
        "List recorded sessions, with a summary per profile.",
    ),
    "report": (
        "tenscontrol.cli.report_cmd",
        "report",
        "Show one session: setpoint and delivered current, events.",
    ),
    "export": (
        "tenscontrol.cli.export_cmd",
        "export",
        "Export every recorded session as CSV or JSON lines.",
    ),
    "profile": (
        "tenscontrol.cli.profile_cmd",
        "profile",
        "Stimulation profiles: list, show, check (dose), preview, schema.",
    ),
    "devices": ("tenscontrol.cli.devices_cmd", "devices", "List TENS devices (USB 1209:7e4e)."),
    "simulate": (
        "tenscontrol.cli.simulate_cmd",
        "simulate",
        "Run the simulated TENS device on a pty or loopback TCP.",
    ),
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, in :data:`COMMANDS` order."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the command ``cmd_name`` (None if there is no such command)."""
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, attribute, short_help = entry
        command = getattr(importlib.import_module(module), attribute)
        if cmd_name not in OWN_SIGNALS and signal.getsignal(signal.SIGINT) is not (
            signal.default_int_handler
        ):
            # Imported: from here Ctrl-C is the command's usual KeyboardInterrupt again.
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module}.{attribute} is not a click command")
        command.short_help = short_help
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``tens --help``, from :data:`COMMANDS` (nothing imported)."""
        rows = [(name, short_help) for name, (_, _, short_help) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tens")
def cli() -> None:
    """Control a USB TENS pain-relief device safely.

    \b
    Example:
      tens start --profile low-back --simulate --intensity 20   # try it out
      tens simulate --pty                  # a simulated device on a pseudo-terminal
    """


def main() -> None:
    """Console-script entry point."""
    cli(auto_envvar_prefix="TENS")
