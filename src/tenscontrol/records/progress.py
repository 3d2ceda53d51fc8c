"""``tens progress`` as data: pain before and after per session, per day and per profile,
days and times of use, stimulation per day, and what is missing, from session digests
(:mod:`tenscontrol.records.digest`: the logs alone).

Pain change is *after minus before* (negative: lower after), as in ``tens history``. Each
profile's mean change comes with its 95 % interval (:mod:`.intervals`), or "too few
sessions to say" below :data:`~tenscontrol.records.intervals.MIN_SESSIONS` scored
sessions. Sentences say what the numbers show and no more: the scores are the person's own,
given just before and after each session; nothing here says what caused a difference
(docs/care.md).

Days are local calendar days. Stimulation per day is the sum of session durations (soft
start, pauses and ramp-down included), as the daily-use warning counts it. Simulated
sessions are left out unless asked for, and counted either way.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from tenscontrol.records.digest import SessionDigest
from tenscontrol.records.intervals import MIN_SESSIONS, MeanInterval, mean_interval
from tenscontrol.records.tolerance import FrequencyClass, combined, profile_class

#: Name of the summary over every profile together.
ALL_PROFILES = "all profiles"
#: A mean change smaller than this (points) reads "the same" (it shows as 0.0).
_SAME = 0.05


class PartOfDay(StrEnum):
    """When a session started (local time): night 22-5 h, morning 5-12 h, afternoon
    12-17 h, evening 17-22 h."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    NIGHT = "night"

    @classmethod
    def of(cls, moment: datetime) -> PartOfDay:
        """The part of the day of ``moment``."""
        hour = moment.hour
        if 5 <= hour < 12:
            return cls.MORNING
        if 12 <= hour < 17:
            return cls.AFTERNOON
        if 17 <= hour < 22:
            return cls.EVENING
        return cls.NIGHT


@dataclass(frozen=True, slots=True)
class SessionPoint:
    """One session. ``start``: Unix s; ``duration_ms``; pain 0-10 or None."""

    id: str
    start: float
    profile: str
    profile_name: str
    frequency_class: FrequencyClass | None
    duration_ms: int
    reason: str
    simulated: bool
    pain_before: int | None
    pain_after: int | None

    @classmethod
    def of(cls, digest: SessionDigest) -> SessionPoint:
        """The point of one session's digest."""
        row = digest.row
        return cls(
            id=row.id,
            start=row.start,
            profile=row.profile,
            profile_name=digest.profile_name,
            frequency_class=profile_class(digest.profile),
            duration_ms=row.duration_ms,
            reason=row.reason,
            simulated=row.simulated,
            pain_before=row.pain_before,
            pain_after=row.pain_after,
        )

    @property
    def day(self) -> date:
        """The local calendar day it started on."""
        return datetime.fromtimestamp(self.start).date()

    @property
    def change(self) -> int | None:
        """Pain after minus before (None unless both were given)."""
        if self.pain_before is None or self.pain_after is None:
            return None
        return self.pain_after - self.pain_before


def _mean(values: list[int]) -> float | None:
    return statistics.fmean(values) if values else None


@dataclass(frozen=True, slots=True)
class DayPoint:
    """One local day with sessions: their count, total stimulation (ms), start times
    (Unix s), the mean score before and after (of the sessions that have it), the mean
    change over the sessions with both, and how many lacked a score."""

    day: date
    sessions: int
    stimulation_ms: int
    starts: tuple[float, ...]
    before_mean: float | None
    after_mean: float | None
    pairs: int
    change_mean: float | None
    unscored: int


@dataclass(frozen=True, slots=True)
class Summary:
    """Sessions of one profile (or of all): counts, total stimulation (ms), mean scores,
    and the mean change with its interval (None: too few scored sessions)."""

    profile: str
    frequency_class: FrequencyClass | None
    sessions: int
    stimulation_ms: int
    scored: int
    before_mean: float | None
    after_mean: float | None
    change_mean: float | None
    interval: MeanInterval | None
    simulated: int

    @property
    def sentence(self) -> str:
        """What the numbers show, in words (see :func:`change_sentence`)."""
        return change_sentence(self.scored, self.interval)


@dataclass(frozen=True, slots=True)
class Progress:
    """Everything ``tens progress`` shows, for the local days ``first_day`` to
    ``last_day``."""

    first_day: date
    last_day: date
    sessions: tuple[SessionPoint, ...]
    days: tuple[DayPoint, ...]
    profiles: tuple[Summary, ...]
    overall: Summary
    parts_of_day: dict[PartOfDay, int] = field(default_factory=dict)
    simulated_left_out: int = 0
    include_simulated: bool = False

    @property
    def window_days(self) -> int:
        """Calendar days in the window."""
        return (self.last_day - self.first_day).days + 1

    @property
    def summaries(self) -> tuple[Summary, ...]:
        """Each profile's summary, and the one over all of them when there are several."""
        return (*self.profiles, self.overall) if len(self.profiles) > 1 else self.profiles

    @property
    def unscored(self) -> int:
        """Sessions lacking the score before, after, or both."""
        return sum(1 for s in self.sessions if s.change is None)

    @property
    def without_any_score(self) -> int:
        """Sessions with neither score."""
        return sum(1 for s in self.sessions if s.pain_before is None and s.pain_after is None)


def count(n: int, word: str) -> str:
    """``1 session``, ``2 sessions``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def signed(value: float) -> str:
    """``-2.1``, ``+0.4``; a value that rounds to zero is ``0.0`` (never ``-0.0``)."""
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def _magnitude(value: float) -> str:
    return f"{abs(value):.1f}"


def change_sentence(scored: int, interval: MeanInterval | None) -> str:
    """``pain after was 2.1 lower on average (95 % interval 1.4 to 2.8, 12 sessions)``,
    or why there is no such sentence. ``interval`` is of after minus before."""
    if scored == 0:
        return "no session with both scores"
    if interval is None:
        return f"too few sessions to say ({scored} scored; at least {MIN_SESSIONS} needed)"
    mean, low, high = interval.mean, interval.low, interval.high
    if abs(mean) < _SAME:
        head = "pain after was the same as before on average"
    else:
        head = f"pain after was {_magnitude(mean)} {'lower' if mean < 0 else 'higher'} on average"
    if high <= 0:  # all of it lower (or no change at all)
        span = f"{_magnitude(high)} to {_magnitude(low)}"
    elif low >= 0:  # all of it higher
        span = f"{_magnitude(low)} to {_magnitude(high)}"
    else:  # both directions are within it
        span = f"{_magnitude(high)} higher to {_magnitude(low)} lower"
    return f"{head} (95 % interval {span}, {count(interval.n, 'session')})"


def summarize(name: str, points: list[SessionPoint]) -> Summary:
    """The summary of ``points`` under ``name``."""
    changes = [c for c in (p.change for p in points) if c is not None]
    # more than one class under one name (a user file that was edited) reads as mixed
    kind = combined(p.frequency_class for p in points if p.frequency_class is not None)
    return Summary(
        profile=name,
        frequency_class=kind,
        sessions=len(points),
        stimulation_ms=sum(p.duration_ms for p in points),
        scored=len(changes),
        before_mean=_mean([p.pain_before for p in points if p.pain_before is not None]),
        after_mean=_mean([p.pain_after for p in points if p.pain_after is not None]),
        change_mean=_mean(changes),
        interval=mean_interval(changes),
        simulated=sum(1 for p in points if p.simulated),
    )


def _day(day: date, points: list[SessionPoint]) -> DayPoint:
    changes = [c for c in (p.change for p in points) if c is not None]
    return DayPoint(
        day=day,
        sessions=len(points),
        stimulation_ms=sum(p.duration_ms for p in points),
        starts=tuple(p.start for p in points),
        before_mean=_mean([p.pain_before for p in points if p.pain_before is not None]),
        after_mean=_mean([p.pain_after for p in points if p.pain_after is not None]),
        pairs=len(changes),
        change_mean=_mean(changes),
        unscored=len(points) - len(changes),
    )


def build(
    digests: Iterable[SessionDigest], today: date, days: int, *, include_simulated: bool = False
) -> Progress:
    """Progress over the ``days`` local days up to ``today``: from the first day with a
    session, when the history is shorter (a session started later, after a clock change,
    is kept and widens the window). Simulated sessions are left out (and counted) unless
    ``include_simulated``."""
    first = today - timedelta(days=days - 1)
    kept: list[SessionPoint] = []
    left_out = 0
    earliest = today
    for digest in digests:
        point = SessionPoint.of(digest)
        earliest = min(earliest, point.day)
        if point.day < first:
            continue
        if point.simulated and not include_simulated:
            left_out += 1
            continue
        kept.append(point)
    kept.sort(key=lambda p: (p.start, p.id))
    by_day: dict[date, list[SessionPoint]] = {}
    by_profile: dict[str, list[SessionPoint]] = {}
    parts = dict.fromkeys(PartOfDay, 0)
    for point in kept:
        by_day.setdefault(point.day, []).append(point)
        by_profile.setdefault(point.profile, []).append(point)
        parts[PartOfDay.of(datetime.fromtimestamp(point.start))] += 1
    last = max([today, *by_day])
    return Progress(
        first_day=max(first, earliest) if kept else first,
        last_day=last,
        sessions=tuple(kept),
        days=tuple(_day(d, by_day[d]) for d in sorted(by_day)),
        profiles=tuple(summarize(n, by_profile[n]) for n in sorted(by_profile)),
        overall=summarize(ALL_PROFILES, kept),
        parts_of_day=parts,
        simulated_left_out=left_out,
        include_simulated=include_simulated,
    )
