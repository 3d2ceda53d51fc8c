"""``tens`` run in this process through click's test runner (for the fast CLI tests; the
ones that need a real process, a terminal or signals use :mod:`helpers.processes`)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from tenscontrol.cli.main import cli


def run(*args: str, home: Path | None = None, stdin: str | None = None) -> Result:
    """``tens ARGS`` in-process, stdout and stderr kept apart. ``home``: ``TENS_HOME`` for
    this call only (None: the environment's, e.g. set by ``isolate``); ``stdin``: what the
    command reads. An exception that escapes the command fails the test with its traceback
    (an error the CLI reports is a ``SystemExit`` with its code, as in a real run)."""
    env = None if home is None else {"TENS_HOME": str(home)}
    return CliRunner().invoke(cli, list(args), input=stdin, env=env, catch_exceptions=False)
