"""``tens diary SESSION --before N --after N --skin ANSWER``: add or correct a session's pain
scores and skin check later.

The scores go into the session's own log as one more ``pain`` record (appended, never
rewritten; the latest record wins, score by score), so an index rebuild keeps them; the
index is updated too. A skin check goes in as one more ``skin`` record
(``records/skin.py``; the latest wins, channel by channel). Refused with exit 2, before
anything is written: nothing given, a score that is not a whole number 0-10, a skin answer
that is not ok, red or irritated (a skip would record nothing: it never replaces an
answer), a channel the session's profile does not have, a session that does not exist, a
file that is not a session log of this user (``records/diary.py: append_to_log``), and a
session still running (its log is being written).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from tenscontrol.records.skin import (
    SkinAnswer,
    SkinCheck,
    SkinOption,
    channel_areas,
    option_checks,
    skin_checks,
    skin_option,
    store_skin,
)


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
@click.option(
    "--skin",
    "skin_text",
    multiple=True,
    metavar="ANSWER|CH=ANSWER",
    help="Skin under the pads after the session: ok, red or irritated (all channels, or "
    "CH=ANSWER; repeatable).",
)
@click.pass_context
@report_errors
def diary(
    ctx: click.Context,
    /,
    session: str,
    before_text: str | None,
    after_text: str | None,
    skin_text: tuple[str, ...],
) -> None:
    """Add or correct the pain scores (0-10) or the skin check of a recorded session.

    SESSION is a session id, a unique start of one, or "last". Give --before, --after,
    --skin or several; a value given again replaces the earlier one (both stay in the log).

    \b
    Example:
      tens diary last --after 3
      tens diary 20270115T08 --before 7 --after 4
      tens diary last --skin red
      tens diary last --skin 1=ok --skin 2=irritated
    """
    before = score_option(before_text, "--before", from_environment=_from_env(ctx, "before_text"))
    after = score_option(after_text, "--after", from_environment=_from_env(ctx, "after_text"))
    skin = skin_option(skin_text, "--skin", from_environment=_from_env(ctx, "skin_text"))
    if any(answer is SkinAnswer.SKIPPED for _, answer in skin):
        raise UserInputError(
            "--skin skip: a skip records nothing here (it never replaces an answer)",
            hint="give ok, red or irritated",
        )
    if before is None and after is None and not skin:
        raise UserInputError(
            "give --before, --after or both (whole numbers 0-10), or --skin",
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
    checks = _checks(skin, record.profile, record.session_id)
    try:
        store_pain(path, record.duration_ms, before, after, source=PainSource.DIARY, warn=warn)
        store_skin(path, record.duration_ms, checks, source=PainSource.DIARY)
    except OSError as error:
        raise TensError(f"{path}: scores not stored: {error.strerror or error}") from None
    label = "SIMULATED session" if old.simulated else "session"
    what = f"{label} {record.session_id} ({local_time(old.start)}, {record.profile_label})"
    if before is not None or after is not None:
        click.echo(
            f"{what}: pain before {_score_text(old.pain_before, before)}, "
            f"after {_score_text(old.pain_after, after)}"
        )
    if checks:
        was = {c.channel: c.answer for c in skin_checks(record)}
        click.echo(f"{what}: skin " + ", ".join(_skin_text(c, was.get(c.channel)) for c in checks))
    if old.simulated and (before is not None or after is not None):
        click.echo(
            "note: a SIMULATED session: tens progress leaves it out unless --include-simulated"
        )
    if old.simulated and checks:
        click.echo("note: a SIMULATED session: its skin check warns no later session")


def _checks(skin: SkinOption, profile: Mapping[str, Any], session: str) -> tuple[SkinCheck, ...]:
    """The checks ``--skin`` gives the channels of the session's profile as logged."""
    if not skin:
        return ()
    areas = channel_areas(profile)
    if not areas:
        raise UserInputError(f"--skin: session {session} names no body area in its log")
    return option_checks(skin, areas)


def _skin_text(check: SkinCheck, old: SkinAnswer | None) -> str:
    text = f"channel {check.channel} ({check.body_area}) {check.answer.value}"
    return text if old is None or old is check.answer else f"{text} (was {old.value})"
