"""What a conformance check is and what it gives: its stable id, the spec section it
tests, a title, and a result (pass, fail, manual, skip) with what was measured.

A check is a function of the :class:`~tenscontrol.conformance.bench.Bench`; it returns an
:class:`Outcome`, or raises :class:`CheckFailed` or :class:`Skipped` from anywhere inside
it (the helpers of the bench do). Checks are declared with :func:`check` into a module's
own list, and :mod:`tenscontrol.conformance.catalogue` puts the lists in their order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tenscontrol.conformance.bench import Bench


class Result(Enum):
    """What a check found. MANUAL and SKIP are never a pass: the table says why."""

    PASS = "pass"  # noqa: S105 - a result, not a password
    FAIL = "fail"
    MANUAL = "manual"
    SKIP = "skip"


class Kind(Enum):
    """AUTOMATIC checks drive the device; MANUAL ones tell a person what to do."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A result and its detail: what was measured (with units), or why not."""

    result: Result
    detail: str


def passed(detail: str) -> Outcome:
    """A pass, with what was measured."""
    return Outcome(Result.PASS, detail)


def failed(detail: str) -> Outcome:
    """A failure, with what was measured and what the spec asks."""
    return Outcome(Result.FAIL, detail)


def manual(instructions: str) -> Outcome:
    """A duty a person must check by hand, with the instructions."""
    return Outcome(Result.MANUAL, instructions)


class CheckFailed(Exception):
    """Raised inside a check: it fails with this detail."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Skipped(Exception):
    """Raised inside a check: it cannot run on this device or port, for this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def require(condition: bool, detail: str) -> None:
    """Fail the check with ``detail`` unless ``condition`` holds (a device's duty, never a
    safety check of this host: those raise their own errors)."""
    if not condition:
        raise CheckFailed(detail)


CheckFunction = Callable[["Bench"], Outcome]


@dataclass(frozen=True, slots=True)
class Check:
    """One device duty: ``id`` is stable (scripts and CI name it), ``section`` the spec
    section it tests (``4.5``), ``title`` one line."""

    id: str
    section: str
    title: str
    run: CheckFunction
    kind: Kind = Kind.AUTOMATIC
    #: What a person does, for a MANUAL check (its result, given without the device).
    instructions: str = ""

    def by_hand(self) -> Outcome:
        """A MANUAL check's outcome: its instructions."""
        return manual(self.instructions)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A check and what it gave; ``seconds`` is how long it ran."""

    check: Check
    outcome: Outcome
    seconds: float = 0.0

    @property
    def result(self) -> Result:
        """The outcome's result."""
        return self.outcome.result

    def as_dict(self) -> dict[str, Any]:
        """The check as in the ``--json`` document."""
        return {
            "id": self.check.id,
            "section": self.check.section,
            "title": self.check.title,
            "result": self.outcome.result.value,
            "detail": self.outcome.detail,
        }


def check(
    into: list[Check], id: str, section: str, title: str, *, kind: Kind = Kind.AUTOMATIC
) -> Callable[[CheckFunction], CheckFunction]:
    """Declare the decorated function as a check, appended to ``into``."""

    def declare(run: CheckFunction) -> CheckFunction:
        into.append(Check(id, section, title, run, kind))
        return run

    return declare
