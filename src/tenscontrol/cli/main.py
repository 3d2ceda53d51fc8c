"""Entry point of ``tens``: the click group and its sub-commands (one module each).

Sub-commands are imported only when they run (:class:`LazyGroup`): ``tens --help``,
``tens --version`` and shell completion then start without loading pydantic, rich or
pyserial (start-up target: 150 ms). The one-line help of each command lives in
:data:`COMMANDS`, next to where its module is.

Environment defaults: every option of every command (sub-commands too) reads
``TENS_<COMMAND>_<OPTION>``, named after its long flag (``--profile`` of ``tens start`` is
``TENS_START_PROFILE``, ``--json`` of ``tens history`` is ``TENS_HISTORY_JSON``, ``--intensity``
of ``tens profile check`` is ``TENS_PROFILE_CHECK_INTENSITY``). click's own
``auto_envvar_prefix`` would name them after the Python parameter (``TENS_START_PROFILE_REF``),
so :func:`name_env_vars` sets each option's ``envvar`` when its command is loaded, in this
one place. ``--help`` and ``--version`` act rather than set, and read nothing.

click's usage errors (a missing or unknown option, a bad choice) become the documented one
line ``error: ...`` and a ``hint:`` line, exit 2 (:class:`~tenscontrol.cli.exits.UsageLine`).
"""

from __future__ import annotations

import importlib
import signal
from typing import Any

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
    "progress": (
        "tenscontrol.cli.progress_cmd",
        "progress",
        "Pain before and after over time, per day and profile, with 95 % intervals.",
    ),
    "diary": (
        "tenscontrol.cli.diary_cmd",
        "diary",
        "Add or correct a recorded session's pain scores (0-10) or skin check.",
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
    "conformance": (
        "tenscontrol.cli.conformance_cmd",
        "conformance",
        "Check a device against the protocol spec, duty by duty.",
    ),
    "simulate": (
        "tenscontrol.cli.simulate_cmd",
        "simulate",
        "Run the simulated TENS device on a pty or loopback TCP.",
    ),
}


#: First word of every environment variable of the command line.
ENV_PREFIX = "TENS"


def env_token(name: str) -> str:
    """A command or flag name as it appears in an environment variable: ``no-diary`` ->
    ``NO_DIARY``."""
    return name.strip("-").upper().replace("-", "_")


def option_env_name(prefix: str, option: click.Option) -> str | None:
    """``PREFIX_OPTION`` from the option's first long flag (None: no long flag)."""
    longs = [flag for flag in (*option.opts, *option.secondary_opts) if flag.startswith("--")]
    return f"{prefix}_{env_token(longs[0])}" if longs else None


def name_env_vars(command: click.Command, prefix: str) -> None:
    """Give every option of ``command`` (and of its sub-commands) its documented variable
    ``PREFIX_OPTION`` (before any variable it already reads, e.g. ``TENS_PORT``), and turn
    off click's name-derived variables so that only documented names are read."""
    for param in command.params:
        if not isinstance(param, click.Option) or not param.expose_value:
            continue  # --help, --version: they act, they do not set a value
        name = option_env_name(prefix, param)
        if name is None:
            continue
        existing = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or ())
        param.envvar = [name, *(e for e in existing if e != name)]
        param.allow_from_autoenv = False
    if isinstance(command, click.Group):
        for sub_name, sub in command.commands.items():
            name_env_vars(sub, f"{prefix}_{env_token(sub_name)}")


def _one_line(error: click.UsageError) -> click.UsageError:
    """``error`` as :class:`~tenscontrol.cli.exits.UsageLine` (imported only on an error,
    so that ``tens --help`` stays light)."""
    from tenscontrol.cli.exits import UsageLine

    return UsageLine.of(error)


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
        name_env_vars(command, f"{ENV_PREFIX}_{env_token(cmd_name)}")
        return command

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """The top-level context; its usage errors as one line (see :class:`UsageLine`)."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            raise _one_line(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a usage error of any command below, as one line."""
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise _one_line(error) from None

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
    Example (try it out: a 2-minute simulated session, 60 times fast, about 2 s):
      tens start --profile low-back --simulate --intensity 20 --speed 60 --duration 2m --yes
      tens simulate --pty                  # a simulated device on a pseudo-terminal
    """


def main() -> None:
    """Console-script entry point."""
    cli()
