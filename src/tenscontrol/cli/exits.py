"""Exit codes and the one place errors become them.

0 done, 1 nothing to act on, 2 bad user input, 3 device or link problem, 4 safety stop,
5 the session log could not be written (a full disk: output was stopped),
128 + N: signal N before anything was started (:class:`~tenscontrol.errors.Interrupted`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import IO, Any, ParamSpec, TypeVar

import click

from tenscontrol.errors import (
    ConformanceFailed,
    DeviceError,
    Interrupted,
    SafetyStop,
    TensError,
    UserInputError,
    WatchdogTripped,
)
from tenscontrol.session.events import SessionResult, StopReason

EXIT_OK = 0
EXIT_NOTHING = 1
EXIT_USER_INPUT = 2
EXIT_DEVICE = 3
EXIT_SAFETY = 4
#: The session log could not be written (disk full): the session was stopped for it.
EXIT_LOG_WRITE = 5
#: A signal N before anything started exits 128 + N, as a shell reports a death by N.
EXIT_SIGNAL_BASE = 128

P = ParamSpec("P")
R = TypeVar("R")


#: Errors -> exit codes, first match wins (the one table; see :func:`exit_code_for`). A
#: watchdog trip is the device losing its host, a lost device like an unplug (3), although
#: it is also a safety stop in the error tree.
_ERROR_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (UserInputError, EXIT_USER_INPUT),
    (ConformanceFailed, EXIT_NOTHING),
    (WatchdogTripped, EXIT_DEVICE),
    (SafetyStop, EXIT_SAFETY),
    (DeviceError, EXIT_DEVICE),
)
#: How a session ended -> its exit code, once the device has confirmed output 0.
_REASON_CODES = {
    StopReason.COMPLETED: EXIT_OK,
    StopReason.USER: EXIT_OK,
    StopReason.REMOTE: EXIT_OK,
    StopReason.SIGNAL: EXIT_OK,
    StopReason.STREAM_LOST: EXIT_OK,
    StopReason.FAULT: EXIT_SAFETY,
    StopReason.DEVICE_LOST: EXIT_DEVICE,
    StopReason.HOST_STARVED: EXIT_DEVICE,
    StopReason.LOG_WRITE_FAILED: EXIT_LOG_WRITE,
}


def exit_code_for(error: BaseException) -> int:
    """Exit code for an error (the one place this mapping lives, with
    :func:`session_exit_code`); anything not in the table is 1."""
    for kind, code in _ERROR_CODES:
        if isinstance(error, kind):
            return code
    return EXIT_NOTHING


def session_exit_code(result: SessionResult) -> int:
    """The exit code of a finished session: a safety stop is 4 whatever else; a stop the
    device did not confirm is 3 (the output may still be on); then by the reason; an
    ``error`` end by its error (1 when it is not one of ours)."""
    if result.reason is StopReason.FAULT:
        return EXIT_SAFETY
    if not result.stop_confirmed:
        return EXIT_DEVICE
    code = _REASON_CODES.get(result.reason)
    if code is not None:
        return code
    return EXIT_NOTHING if result.error is None else exit_code_for(result.error)


def say(text: str) -> None:
    """One line on stderr; a stderr that is gone swallows it (the exit code still tells)."""
    with contextlib.suppress(OSError, ValueError):
        click.echo(text, err=True)


def warn(text: str) -> None:
    """``warning: text`` on stderr (see :func:`say`)."""
    say(f"warning: {text}")


class UsageLine(click.UsageError):
    """A usage error of click (a missing or unknown option, a bad value or choice) shown as
    the documented one line ``error: ...`` plus ``hint: try `tens CMD --help```, exit 2,
    instead of click's usage block and ``Error:``."""

    exit_code = EXIT_USER_INPUT

    @classmethod
    def of(cls, error: click.UsageError) -> click.UsageError:
        """``error`` as a one-line usage error (itself when it already is one, and click's
        "no arguments: here is the help" as it is)."""
        if isinstance(error, UsageLine | click.exceptions.NoArgsIsHelpError):
            return error
        return cls(error.format_message(), error.ctx)

    def show(self, file: IO[Any] | None = None) -> None:
        """The error line and the hint line, on stderr."""
        say(f"error: {one_line(self.format_message())}")
        if self.ctx is not None:
            say(f"hint: try `{self.ctx.command_path} --help`")


def one_line(message: str) -> str:
    """click's message as one line in our style: ``Missing option '--profile'.`` ->
    ``missing option '--profile'``."""
    text = " ".join(message.split()).rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


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
        except BrokenPipeError:
            # The reader of stdout stopped reading (`| head`): it has what it wanted, and any
            # file the command writes is already written (they come before the text). Quiet,
            # exit 0; stdout goes to /dev/null so Python's exit-time flush cannot complain.
            # (`tens start` has its own handling: there a lost stream is a stop reason.)
            _discard_stdout()
            sys.exit(EXIT_OK)

    return wrapper


def _discard_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
