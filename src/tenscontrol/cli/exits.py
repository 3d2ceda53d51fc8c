"""Exit codes and the one place errors become them.

0 done, 1 nothing to act on, 2 bad user input, 3 device or link problem, 4 safety stop.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click

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
