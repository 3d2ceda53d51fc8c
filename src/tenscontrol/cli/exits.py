"""Exit codes and the one place errors become them.

0 done, 1 nothing to act on, 2 bad user input, 3 device or link problem, 4 safety stop,
128 + N: signal N before anything was started (:class:`~tenscontrol.errors.Interrupted`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click

from tenscontrol.errors import DeviceError, Interrupted, SafetyStop, TensError, UserInputError

EXIT_OK = 0
EXIT_NOTHING = 1
EXIT_USER_INPUT = 2
EXIT_DEVICE = 3
EXIT_SAFETY = 4
#: A signal N before anything started exits 128 + N, as a shell reports a death by N.
EXIT_SIGNAL_BASE = 128

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


def say(text: str) -> None:
    """One line on stderr; a stderr that is gone swallows it (the exit code still tells)."""
    with contextlib.suppress(OSError, ValueError):
        click.echo(text, err=True)


def report_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`TensError` into one line on stderr (plus a hint line) and its exit
    code, and :class:`Interrupted` (a signal before anything started) into one line and
    128 + the signal's number."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except TensError as error:
            say(f"error: {error}")
            extra = getattr(error, "problems", None)
            if isinstance(extra, list) and len(extra) > 1:
                for line in extra:
                    say(f"  {line}")
            if error.hint:
                say(f"hint: {error.hint}")
            sys.exit(exit_code_for(error))
        except Interrupted as interrupted:
            say(f"error: stopped by {interrupted.name} before the session started: nothing started")
            sys.exit(EXIT_SIGNAL_BASE + interrupted.signum)

    return wrapper
