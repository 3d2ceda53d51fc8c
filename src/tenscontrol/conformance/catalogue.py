"""Every check of the suite, in the order it runs, and the look-up of ``--only`` ids.

The order matters once: every check before the STOP checks leaves the device IDLE, so a
device that does not stop fails ``stop.confirmed`` before anything else relies on a STOP
(the suite ends at the first STOP it cannot confirm). The manual checks come last but one;
``frames.well-formed`` judges every device frame of the run, so it is last.
"""

from __future__ import annotations

from collections.abc import Iterable

from tenscontrol.conformance import (
    checks_faults,
    checks_frames,
    checks_handshake,
    checks_output,
    checks_requests,
    checks_watchdog,
    manual,
)
from tenscontrol.conformance.results import Check
from tenscontrol.errors import UserInputError

_LAST = [c for c in checks_faults.CHECKS if c.id == "frames.well-formed"]

#: The suite, in order.
CHECKS: tuple[Check, ...] = (
    *checks_handshake.CHECKS,
    *checks_frames.CHECKS,
    *checks_requests.CHECKS,
    *checks_output.STOP_CHECKS,
    *checks_handshake.RUNNING_CHECKS,
    *checks_requests.RUNNING_CHECKS,
    *checks_output.CHECKS,
    *checks_watchdog.CHECKS,
    *(c for c in checks_faults.CHECKS if c not in _LAST),
    *manual.CHECKS,
    *_LAST,
)
#: Checks by id.
BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}


def select(ids: Iterable[str]) -> tuple[Check, ...]:
    """The checks named by ``ids`` (all of them when none is named), in the suite's order.

    Raises :class:`UserInputError` naming an id that is not a check."""
    wanted = list(ids)
    unknown = [i for i in wanted if i not in BY_ID]
    if unknown:
        raise UserInputError(
            f"--only {unknown[0]}: no such check",
            hint="`tens conformance --list` shows every check id",
        )
    if not wanted:
        return CHECKS
    chosen = set(wanted)
    return tuple(c for c in CHECKS if c.id in chosen)
