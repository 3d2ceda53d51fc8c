"""``tens progress``: pain before and after over time, per session, per day and per profile,
with an honest uncertainty; days and times of use; stimulation per day; what is missing.

Read from the session logs alone (:mod:`tenscontrol.records.digest`; the index is not
needed). The numbers and sentences come from :mod:`tenscontrol.records.progress`; this
module only prints them. Units in ``--json``: ms, Unix ms, pain points 0-10 (change: after
minus before). ``--png`` draws the same (:mod:`tenscontrol.cli.progress_chart`,
matplotlib, imported only then).
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from pathlib import Path

import click

from tenscontrol.cli.exits import report_errors, say, warn
from tenscontrol.cli.progress_json import CAVEAT, progress_json
from tenscontrol.cli.table import print_table
from tenscontrol.cli.text import clock_text, local_time
from tenscontrol.files import is_stdout
from tenscontrol.records.digest import SessionDigest, digests
from tenscontrol.records.progress import PartOfDay, Progress, Summary, build, count, signed
from tenscontrol.records.tolerance import STREAK_DAYS, Streak, current_streak, use_of

#: Longest window, days (100 years: anything a person can have).
MAX_DAYS = 36_500
DEFAULT_DAYS = 30


def _clock_of_day(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s).strftime("%H:%M")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _signed(value: float | None) -> str:
    return "-" if value is None else signed(value)


def tolerance_streak(found: list[SessionDigest], today: date) -> Streak | None:
    """The current run of days of one frequency class (real sessions that delivered
    current), or None."""
    uses = (
        use_of(d.row.start, d.profile) for d in found if not d.row.simulated and d.row.max_ua > 0
    )
    return current_streak((u for u in uses if u is not None), today)


def _summary_row(s: Summary) -> list[str]:
    kind = "-" if s.frequency_class is None else s.frequency_class.value
    label = s.profile + (f" ({s.simulated} SIMULATED)" if s.simulated else "")  # marked
    return [
        label,
        kind,
        str(s.sessions),
        clock_text(s.stimulation_ms),
        str(s.scored),
        _number(s.before_mean),
        _number(s.after_mean),
        _signed(s.change_mean if s.interval is not None else None),
    ]


def _print_use(progress: Progress, streak: Streak | None) -> None:
    click.echo("Use")
    click.echo(f"  days with a session: {len(progress.days)} of {progress.window_days}")
    parts = ", ".join(f"{p.value} {progress.parts_of_day.get(p, 0)}" for p in PartOfDay)
    click.echo(f"  sessions started: {parts}")
    click.echo(
        f"  lacked a score: {progress.unscored} of {count(len(progress.sessions), 'session')} "
        f"({progress.without_any_score} without any)"
    )
    if progress.simulated_left_out:
        click.echo(
            f"  left out: {count(progress.simulated_left_out, 'SIMULATED session')} "
            "(--include-simulated shows them)"
        )
    if streak is not None and streak.days >= STREAK_DAYS:
        click.echo(
            f"  frequency: {streak.frequency_class.words} on {streak.days} days in a row, "
            f"to {streak.last.isoformat()} (tens start suggests another class)"
        )
    click.echo("")


def print_text(progress: Progress, streak: Streak | None) -> None:
    """The tables and sentences of ``tens progress``."""
    n = len(progress.sessions)
    sim = " (SIMULATED sessions included)" if progress.include_simulated else ""
    click.echo(
        f"Progress: {progress.first_day.isoformat()} to {progress.last_day.isoformat()} "
        f"({count(progress.window_days, 'day')}), {count(n, 'session')}{sim}"
    )
    click.echo(CAVEAT + "\n")
    if not n:
        click.echo("No sessions in this window. Try: tens progress --days 365\n")
        _print_use(progress, streak)
        return
    rows = [_summary_row(s) for s in progress.summaries]
    headers = ["profile", "class", "sessions", "time", "scored", "before", "after", "change"]
    print_table("Per profile (change: after minus before, mean points)", headers, rows)
    for s in progress.summaries:
        click.echo(f"  {s.profile}: {s.sentence}")
    click.echo("")
    _print_use(progress, streak)
    days = [
        [
            d.day.isoformat(),
            str(d.sessions),
            clock_text(d.stimulation_ms),
            " ".join(_clock_of_day(t) for t in d.starts),
            _number(d.before_mean),
            _number(d.after_mean),
            str(d.unscored),
        ]
        for d in progress.days
    ]
    day_headers = ["day", "sessions", "stimulation", "started", "before", "after", "unscored"]
    print_table("Per day (mean scores)", day_headers, days)
    sessions = [
        [
            local_time(p.start),
            p.profile,
            "-" if p.frequency_class is None else p.frequency_class.value,
            "SIMULATED" if p.simulated else "real",
            clock_text(p.duration_ms),
            "-" if p.pain_before is None else str(p.pain_before),
            "-" if p.pain_after is None else str(p.pain_after),
            p.id,
        ]
        for p in progress.sessions
    ]
    session_headers = ["start", "profile", "class", "device", "duration", "before", "after", "id"]
    print_table("Sessions", session_headers, sessions)


@click.command("progress")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (ms, points).")
@click.option(
    "--png",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Also save a chart as PNG, mode 0600 ('-': standard output; needs the plot extra).",
)
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    default=DEFAULT_DAYS,
    show_default=True,
    metavar="N",
    help="The last N days, today included.",
)
@click.option(
    "--include-simulated", is_flag=True, help="Count SIMULATED sessions too (marked as such)."
)
@report_errors
def progress(as_json: bool, png: Path | None, days: int, include_simulated: bool) -> None:
    """Pain before and after over time, per day and per profile, with a 95 % interval.

    Reads every session log (the index is not needed). Simulated sessions are left out
    unless --include-simulated. An interval needs at least 5 sessions with both scores.

    \b
    Example:
      tens progress
      tens progress --days 90 --png progress.png
    """
    found = list(digests(warn=warn))
    today = date.fromtimestamp(time.time())
    result = build(found, today, days, include_simulated=include_simulated)
    streak = tolerance_streak(found, today)
    if png is not None:  # first: a reader that stops early (`| head`) must not cost the file
        from tenscontrol.cli.progress_chart import render_png

        render_png(result, png)
        if is_stdout(png):
            return  # the PNG is the output: no text around it
        say(f"saved {png}")
    if as_json:
        click.echo(json.dumps(progress_json(result, streak), indent=2))
    else:
        print_text(result, streak)
