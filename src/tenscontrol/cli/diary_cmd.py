"""``tens diary SESSION --before N --after N``: add or correct a session's pain scores later.

The scores go into the session's own log as one more ``pain`` record (appended, never
rewritten; the latest record wins, score by score), so an index rebuild keeps them; the
index is updated too. Refused with exit 2, before anything is written: no score given, a
score that is not a whole number 0-10, a session that does not exist, a file that is not
a session log of this user (``records/diary.py: append_to_log``), and a session still
running (its log is being written).
"""

from __future__ import annotations

import click
from click.core import ParameterSource

from tenscontrol.cli.exits import report_errors, warn
from tenscontrol.cli.text import local_time
from tenscontrol.control.slot import session_running
from tenscontrol.errors import TensError, UserInputError
from tenscontrol.records.diary import PainSource, score_option, store_pain
from tenscontrol.records.index_db import row_of
from tenscontrol.records.logreader import read_log
from tenscontrol.records.lookup import find_session


def _from_env(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) is ParameterSource.ENVIRONMENT


def _score_text(old: int | None, new: int | None) -> str:
    if new is None:
        return "-" if old is None else f"{old} (kept)"
    if old is None or old == new:
        return str(new)
    return f"{new} (was {old})"


@click.command("diary")
@click.argument("session")
@click.option("--before", "before_text", metavar="0-10", help="Pain before the session.")
@click.option("--after", "after_text", metavar="0-10", help="Pain after the session.")
@click.pass_context
@report_errors
def diary(
    ctx: click.Context, /, session: str, before_text: str | None, after_text: str | None
) -> None:
    """Add or correct the pain scores (0-10) of a recorded session.

    SESSION is a session id, a unique start of one, or "last". Give --before, --after or
    both; a score given again replaces the earlier one (both stay in the log).

    \b
    Example:
      tens diary last --after 3
      tens diary 20270115T08 --before 7 --after 4
    """
    before = score_option(before_text, "--before", from_environment=_from_env(ctx, "before_text"))
    after = score_option(after_text, "--after", from_environment=_from_env(ctx, "after_text"))
    if before is None and after is None:
        raise UserInputError(
            "give --before, --after or both (whole numbers 0-10)",
            hint="for example: tens diary last --before 6 --after 3",
        )
    path = find_session(session, warn=warn)
    record = read_log(path)  # not a session log: exit 2, nothing written
    try:
        old = row_of(record)
    except (KeyError, TypeError, ValueError) as error:  # a header of another shape
        raise UserInputError(f"{path}: not a session log ({error!r} missing or wrong)") from None
    if record.summary is None and session_running():
        raise UserInputError(
            f"session {record.session_id} has not ended (a session is running)",
            hint="add its scores once it has ended",
        )
    try:
        store_pain(path, record.duration_ms, before, after, source=PainSource.DIARY, warn=warn)
    except OSError as error:
        raise TensError(f"{path}: scores not stored: {error.strerror or error}") from None
    label = "SIMULATED session" if old.simulated else "session"
    click.echo(
        f"{label} {record.session_id} ({local_time(old.start)}, {record.profile_label}): "
        f"pain before {_score_text(old.pain_before, before)}, "
        f"after {_score_text(old.pain_after, after)}"
    )
    if old.simulated:
        click.echo(
            "note: a SIMULATED session: tens progress leaves it out unless --include-simulated"
        )
