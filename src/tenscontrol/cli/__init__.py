"""The ``tens`` command line: a thin click layer, the only place errors become exit codes.

:func:`main` takes Ctrl-C before anything else: while Python imports the command (click,
pydantic, rich: ~50-150 ms) a Ctrl-C would otherwise print a KeyboardInterrupt traceback
from deep inside an import. Nothing can have been started yet, so it is one line and exit
130. The command then takes its signals over (``tens start`` installs its
:class:`~tenscontrol.session.signals.SignalGuard` first thing; the others get Python's
usual KeyboardInterrupt back once imported, see :mod:`tenscontrol.cli.main`). Importing
this package changes no signal handler: only running :func:`main` does.
"""

import contextlib
import os
import signal


def _interrupted_early(signum: int, frame: object) -> None:
    with contextlib.suppress(OSError):
        os.write(2, b"error: interrupted: nothing was started\n")
    os._exit(128 + signum)  # nothing to clean up: no file, port or session exists yet


def main() -> None:
    """Console-script entry point: take Ctrl-C, then import and run the command line."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when embedded
        signal.signal(signal.SIGINT, _interrupted_early)
    from tenscontrol.cli.main import main as run

    run()


__all__ = ["main"]
