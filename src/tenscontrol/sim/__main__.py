"""``python -m tenscontrol.sim``: run the simulated TENS device as its own process.

The same program as ``tens simulate`` (see :mod:`tenscontrol.sim.run`) without the CLI
package, so that spawning a simulator needs only the simulator. Exit status: 0 after
SIGINT or SIGTERM, 2 for a bad command line, 3 for a device error (the codes ``tens`` uses
for the same errors). There is no ``--self-test`` here: it runs the conformance suite, a
host, which the simulator never imports; ``tens simulate --self-test`` runs it.

Examples::

    python -m tenscontrol.sim --pty
    python -m tenscontrol.sim --tcp 127.0.0.1:5555 --log sim.jsonl
    python -m tenscontrol.sim --pty --corrupt-rate 0.001 --lead-off 1@30 --lead-on 1@40
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tenscontrol.errors import DeviceError, TensError, UserInputError
from tenscontrol.sim.faults import (
    OPTION_HELP,
    OPTION_NAMES,
    REPEATABLE,
    option_flags,
    option_metavar,
)
from tenscontrol.sim.run import MODE_OPTIONS, request_from, run

#: Modes only ``tens simulate`` has: the self-test runs the conformance suite, a host.
TENS_ONLY = frozenset({"self_test"})
#: Exit status for a bad command line and for a device error (as ``tens`` exits).
EXIT_USER_INPUT = 2
EXIT_DEVICE = 3


def build_parser() -> argparse.ArgumentParser:
    """The command line: a mode (``--pty``, ``--tcp``) and the options."""
    parser = argparse.ArgumentParser(
        prog="python -m tenscontrol.sim",
        description="Run the simulated TENS device (model TC-SIM-2, flagged SIMULATOR). "
        'The first line on stdout is "port: <path or URL>"; open that port with the host. '
        "Runs until SIGINT or SIGTERM, then exits 0.",
    )
    for mode in MODE_OPTIONS:
        if mode.name in TENS_ONLY:
            continue
        if mode.metavar is None:
            parser.add_argument(mode.flag, dest=mode.name, action="store_true", help=mode.help)
        else:
            parser.add_argument(mode.flag, dest=mode.name, metavar=mode.metavar, help=mode.help)
    for name in OPTION_NAMES:
        parser.add_argument(
            *option_flags(name),
            dest=name,
            action="append" if name in REPEATABLE else "store",
            metavar=option_metavar(name),
            help=OPTION_HELP[name],
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program; its exit status."""
    args = vars(build_parser().parse_args(argv))
    try:
        run(request_from(args), _out, _err)
    except UserInputError as error:
        return _report(error, EXIT_USER_INPUT)
    except DeviceError as error:
        return _report(error, EXIT_DEVICE)
    return 0


def _report(error: TensError, status: int) -> int:
    """One ``error:`` line (and a ``hint:`` line) on stderr; returns ``status``."""
    _err(f"error: {error}")
    if error.hint:
        _err(f"hint: {error.hint}")
    return status


def _out(line: str) -> None:
    print(line, flush=True)


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
