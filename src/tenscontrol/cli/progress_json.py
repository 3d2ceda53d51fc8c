"""The ``--json`` document of ``tens progress``: the numbers of
:mod:`tenscontrol.records.progress` in JSON units (times in ms, starts in Unix ms, days as
ISO dates, pain in points; change = after minus before, rounded to 2 decimals).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tenscontrol.cli.text import local_time
from tenscontrol.records.intervals import MIN_SESSIONS
from tenscontrol.records.progress import DayPoint, Progress, SessionPoint, Summary
from tenscontrol.records.tolerance import FrequencyClass, Streak

#: Printed above every result: what the scores are, and what they are not.
CAVEAT = (
    "Pain scores are your own, 0 (none) to 10 (worst), given just before and just after "
    "each session. A difference between them is not proof of what caused it."
)


def _value(kind: FrequencyClass | None) -> str | None:
    return None if kind is None else kind.value


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def summary_json(summary: Summary) -> dict[str, Any]:
    """One summary as JSON (change: after minus before, points; time in ms)."""
    interval = summary.interval
    return {
        "profile": summary.profile,
        "frequency_class": _value(summary.frequency_class),
        "sessions": summary.sessions,
        "simulated_sessions": summary.simulated,
        "stimulation_ms": summary.stimulation_ms,
        "scored": summary.scored,
        "pain_before_mean": _rounded(summary.before_mean),
        "pain_after_mean": _rounded(summary.after_mean),
        "pain_change_mean": _rounded(summary.change_mean),
        "pain_change_interval_95": None
        if interval is None
        else [round(interval.low, 2), round(interval.high, 2)],
        "minimum_scored": MIN_SESSIONS,
        "text": summary.sentence,
    }


def session_json(point: SessionPoint, local: str) -> dict[str, Any]:
    """One session as JSON (``local``: its start as shown, local time)."""
    return {
        "id": point.id,
        "start_ms": round(point.start * 1_000),
        "start_local": local,
        "day": point.day.isoformat(),
        "profile": point.profile,
        "profile_name": point.profile_name,
        "frequency_class": _value(point.frequency_class),
        "duration_ms": point.duration_ms,
        "reason": point.reason,
        "simulated": point.simulated,
        "pain_before": point.pain_before,
        "pain_after": point.pain_after,
        "pain_change": point.change,
    }


def day_json(day: DayPoint, times: list[str]) -> dict[str, Any]:
    """One day as JSON (``times``: its sessions' start times as shown)."""
    return {
        "day": day.day.isoformat(),
        "sessions": day.sessions,
        "stimulation_ms": day.stimulation_ms,
        "start_times": times,
        "pain_before_mean": _rounded(day.before_mean),
        "pain_after_mean": _rounded(day.after_mean),
        "scored": day.pairs,
        "pain_change_mean": _rounded(day.change_mean),
        "unscored": day.unscored,
    }


def _clock_of_day(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s).strftime("%H:%M")


def progress_json(progress: Progress, streak: Streak | None) -> dict[str, Any]:
    """The whole document of ``--json``."""
    return {
        "first_day": progress.first_day.isoformat(),
        "last_day": progress.last_day.isoformat(),
        "window_days": progress.window_days,
        "days_used": len(progress.days),
        "include_simulated": progress.include_simulated,
        "simulated_left_out": progress.simulated_left_out,
        "unscored": progress.unscored,
        "without_any_score": progress.without_any_score,
        "minimum_scored": MIN_SESSIONS,
        "parts_of_day": {part.value: n for part, n in progress.parts_of_day.items()},
        "profiles": [summary_json(s) for s in progress.profiles],
        "overall": summary_json(progress.overall),
        "days": [day_json(d, [_clock_of_day(t) for t in d.starts]) for d in progress.days],
        "sessions": [session_json(p, local_time(p.start)) for p in progress.sessions],
        "tolerance_streak": None
        if streak is None
        else {
            "class": streak.frequency_class.value,
            "days": streak.days,
            "first_day": streak.first.isoformat(),
            "last_day": streak.last.isoformat(),
        },
        "caveat": CAVEAT,
    }
