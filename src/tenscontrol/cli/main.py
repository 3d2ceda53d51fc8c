"""Entry point of ``tens`` and the mapping from errors to exit codes.

Exit codes: 0 done, 1 nothing to act on, 2 bad user input, 3 device or link problem,
4 safety stop.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click

from tenscontrol import __version__
from tenscontrol.errors import DeviceError, SafetyStop, TensError, UserInputError

EXIT_OK = 0
EXIT_NOTHING = 1
EXIT_USER_INPUT = 2
EXIT_DEVICE = 3
EXIT_SAFETY = 4

P = ParamSpec("P")
R = TypeVar("R")


def exit_code_for(error: TensError) -> int:
    """Exit code for a deliberate error (the one place this mapping lives)."""
    if isinstance(error, UserInputError):
        return EXIT_USER_INPUT
    if isinstance(error, SafetyStop):
        return EXIT_SAFETY
    if isinstance(error, DeviceError):
        return EXIT_DEVICE
    return EXIT_NOTHING


def report_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`TensError` into one line on stderr (plus a hint line) and its exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except TensError as error:
            click.echo(f"error: {error}", err=True)
            extra = getattr(error, "problems", None)
            if isinstance(extra, list) and len(extra) > 1:
                for line in extra:
                    click.echo(f"  {line}", err=True)
            if error.hint:
                click.echo(f"hint: {error.hint}", err=True)
            sys.exit(exit_code_for(error))

    return wrapper


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


# --- Sub-commands: each lives in its own module; register it here, one line each. -------
