"""``tens screen``: the safety screening before the first real session (hazards 10 and 12).

The questions, their messages and the stored answers are in
:mod:`tenscontrol.records.screening`; this command asks them. Any yes ends the screening
with a kind message and no session starts; a passed screening is asked again after
``VALID_DAYS`` days.

Exit codes: 0 passed (stored, valid for 90 days); 2 a "yes" blocked it (stored, with a kind
message to ask a clinician or, for a red flag, to get urgent care), or an answer that is not
y/n. A block is "user input" (2), not a device or safety-stop code: nothing was started.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from tenscontrol.cli.exits import EXIT_USER_INPUT, report_errors
from tenscontrol.records.screening import (
    QUESTIONS,
    VALID_DAYS,
    Screening,
    load,
    outcome_message,
    save,
    screening_path,
)

Ask = Callable[[str], bool]


def ask_stdin(question: str) -> bool:
    """Ask one yes/no question on the terminal (or read one answer line from a pipe)."""
    if sys.stdin is not None and sys.stdin.isatty():
        return click.confirm(question, default=None, err=True)
    click.echo(f"{question} [y/n]: ", err=True, nl=False)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    answer = line.strip().lower()
    click.echo(answer, err=True)
    if answer in ("y", "yes"):
        return True
    if answer in ("n", "no"):
        return False
    raise click.UsageError(f"answer {answer[:20]!r} to {question!r}: expected y or n")


def run_screening(ask: Ask = ask_stdin, root: Path | None = None) -> Screening:
    """Ask every question, store the answers with the date, and return them.

    Every question is asked (a yes does not end it early), so a red flag is never hidden
    behind an earlier yes. A blocked screening is stored too; it never counts as valid.
    """
    click.echo(
        "Safety questions before using TENS (answer y or n; a 'yes' is no failure, "
        "it means a clinician should advise you first):",
        err=True,
    )
    answers: dict[str, bool] = {}
    for qid, _, text in QUESTIONS:
        answers[qid] = ask(text)
    result = Screening(time.time(), answers)
    save(result, root)
    return result


def screen_and_report() -> Screening:
    """Run the screening, say how it went; exits 2 when it blocks."""
    result = run_screening()
    click.echo(outcome_message(result), err=not result.passed)
    if not result.passed:
        sys.exit(EXIT_USER_INPUT)
    return result


@click.command("screen")
@click.option("--show", is_flag=True, help="Only show when the last screening was done.")
@report_errors
def screen(show: bool) -> None:
    """Answer the safety questions needed before the first session on a real device.

    Any "yes" means: ask a clinician before using TENS (nothing starts). Answers are stored
    with the date in the data folder ($TENS_HOME), readable only by you; after 90 days
    they are asked again. Answers can be piped, one y/n per line.

    \b
    Examples:
      tens screen
      tens screen --show
    """
    if show:
        found = load()
        if found is None:
            click.echo(f"no screening stored ({screening_path()})")
            sys.exit(1)
        day = time.strftime("%Y-%m-%d", time.localtime(found.completed_wall))
        left = VALID_DAYS - int((time.time() - found.completed_wall) // 86_400)
        state = "passed" if found.passed else "blocked (ask a clinician)"
        valid = f", valid for {left} more days" if found.valid_at(time.time()) else ", expired"
        click.echo(f"screening of {day}: {state}{valid if found.passed else ''}")
        return
    screen_and_report()
