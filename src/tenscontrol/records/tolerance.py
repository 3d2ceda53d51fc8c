"""Tolerance-aware guidance: which frequency class each session used, and a note when one
class was used day after day.

Facts (sources in docs/care.md): daily TENS at one frequency (4 Hz or 100 Hz) lost its
effect on pain thresholds by day 5 in 100 healthy people (Liebano et al. 2011); mixed
(4 + 100 Hz) or alternating-day frequencies delayed that tolerance by about 5 days in rats
(DeSantana et al. 2008).

Rules (design choices, docs/care.md):

- A phase's rates: its pulse rate, and under rate modulation everything up to
  ``rate_to_mhz``; a burst phase counts by its trains per second (``burst_rate_mhz``), the
  rhythm it is felt in (a 2 Hz twitch), since no study shows bursts delay tolerance.
- A phase is **high** when all its rates are >= 50 Hz, **low** when all are <= 10 Hz, and
  **mixed** otherwise; a profile is high or low when every phase is, else mixed.
- A day's class: the class of its real sessions that delivered current (a simulator puts
  nothing through skin); a day with more than one class is mixed.
- A **streak**: calendar days in a row (local time) of one class, the last of them today or
  yesterday. From :data:`STREAK_DAYS` days the plan of the next ``tens start`` says so.

It advises; it never changes what runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

#: A phase whose every rate is at least this is high frequency, mHz (50 Hz).
HIGH_MIN_MHZ = 50_000
#: A phase whose every rate is at most this is low frequency, mHz (10 Hz).
LOW_MAX_MHZ = 10_000
#: Days in a row of one class from which the plan says so (day 5 is when Liebano et al.
#: 2011 saw the effect gone, so the note comes before the fifth day's session).
STREAK_DAYS = 4
#: The studies the note names.
SOURCES = ("Liebano et al. 2011", "DeSantana et al. 2008")


class FrequencyClass(StrEnum):
    """The frequency class of a phase, a profile, a session or a day."""

    HIGH = "high"
    LOW = "low"
    MIXED = "mixed"

    @property
    def words(self) -> str:
        """``high frequency``, ``low frequency`` or ``mixed frequency``."""
        return f"{self.value} frequency"


def phase_rates_mhz(phase: Mapping[str, Any]) -> tuple[int, int]:
    """The lowest and highest rate (mHz) that decide a phase's class (see the module
    docstring); ``phase`` as logged (``dataclasses.asdict`` of a profile's phase)."""
    if phase.get("pattern") == "burst" and phase.get("burst_rate_mhz"):
        rate = int(phase["burst_rate_mhz"])
        return rate, rate
    rates = [int(phase["rate_mhz"])]
    modulation = phase.get("modulation")
    if isinstance(modulation, Mapping) and modulation.get("rate_to_mhz") is not None:
        rates.append(int(modulation["rate_to_mhz"]))
    return min(rates), max(rates)


def phase_class(phase: Mapping[str, Any]) -> FrequencyClass:
    """The class of one phase."""
    low, high = phase_rates_mhz(phase)
    if low >= HIGH_MIN_MHZ:
        return FrequencyClass.HIGH
    if high <= LOW_MAX_MHZ:
        return FrequencyClass.LOW
    return FrequencyClass.MIXED


def combined(classes: Iterable[FrequencyClass]) -> FrequencyClass | None:
    """One class for several (a profile's phases, a day's sessions): the one they share,
    else mixed; None for none."""
    found = set(classes)
    if not found:
        return None
    return found.pop() if len(found) == 1 else FrequencyClass.MIXED


def profile_class(profile: Mapping[str, Any]) -> FrequencyClass | None:
    """The class of a profile as logged (``header["profile"]``, or ``asdict(Profile)``);
    None when it has no readable phases (a log of another shape)."""
    phases = profile.get("phases")
    if not isinstance(phases, list | tuple):  # a tuple in asdict, a list in a log
        return None
    try:
        return combined(phase_class(p) for p in phases if isinstance(p, Mapping))
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Use:
    """One session as tolerance sees it: its local start day and class."""

    day: date
    frequency_class: FrequencyClass


@dataclass(frozen=True, slots=True)
class Streak:
    """``days`` calendar days in a row, ``first`` to ``last``, all of one class."""

    frequency_class: FrequencyClass
    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days in a row."""
        return (self.last - self.first).days + 1


def use_of(start_wall: float, profile: Mapping[str, Any]) -> Use | None:
    """A session started at Unix time ``start_wall`` with ``profile`` (as logged), or None
    when its class cannot be told."""
    found = profile_class(profile)
    return None if found is None else Use(datetime.fromtimestamp(start_wall).date(), found)


def current_streak(uses: Iterable[Use], today: date) -> Streak | None:
    """The run of days of one class that ends today or yesterday (None: no use on either
    day). ``uses`` are real sessions that delivered current, in any order."""
    by_day: dict[date, list[FrequencyClass]] = {}
    for use in uses:
        by_day.setdefault(use.day, []).append(use.frequency_class)
    last = today if today in by_day else today - timedelta(days=1)
    if last not in by_day:
        return None
    kind = combined(by_day[last])
    if kind is None:  # cannot happen (the day has a use); for the type checker
        return None
    first = last
    while combined(by_day.get(first - timedelta(days=1), [])) is kind:
        first -= timedelta(days=1)
    return Streak(kind, first, last)


@dataclass(frozen=True, slots=True)
class Advice:
    """The note of a plan: the streak, the profile planned and its class, other profiles
    of another class (name, class) to consider, and the lines to show."""

    streak: Streak
    planned: str
    planned_class: FrequencyClass | None
    suggestions: tuple[tuple[str, FrequencyClass], ...]
    lines: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The plan's ``tolerance`` field (days as ISO dates)."""
        return {
            "class": self.streak.frequency_class.value,
            "days": self.streak.days,
            "first_day": self.streak.first.isoformat(),
            "last_day": self.streak.last.isoformat(),
            "planned_profile": self.planned,
            "planned_class": None if self.planned_class is None else self.planned_class.value,
            "suggestions": [{"profile": n, "class": c.value} for n, c in self.suggestions],
            "sources": list(SOURCES),
            "advice_only": True,
            "text": list(self.lines),
        }


def _other_classes(kind: FrequencyClass) -> tuple[FrequencyClass, ...]:
    if kind is FrequencyClass.MIXED:  # alternating by day is the other option studied
        return (FrequencyClass.LOW, FrequencyClass.HIGH)
    other = FrequencyClass.LOW if kind is FrequencyClass.HIGH else FrequencyClass.HIGH
    return (FrequencyClass.MIXED, other)


def advise(
    streak: Streak | None,
    planned: str,
    planned_class: FrequencyClass | None,
    available: Sequence[tuple[str, FrequencyClass]],
) -> Advice | None:
    """The note for a session of profile ``planned`` after ``streak`` (None below
    :data:`STREAK_DAYS` days); ``available``: profiles a person could choose (name, class),
    of which those of another class are suggested, mixed ones first."""
    if streak is None or streak.days < STREAK_DAYS:
        return None
    kind = streak.frequency_class
    order = _other_classes(kind)
    suggestions = tuple(
        sorted(
            ((n, c) for n, c in available if c in order and n != planned),
            key=lambda item: (order.index(item[1]), item[0]),
        )
    )
    lines = [
        f"tolerance: {kind.words} on {streak.days} days in a row ({streak.first.isoformat()} "
        f"to {streak.last.isoformat()}, real sessions).",
        "Daily TENS at one frequency lost its effect on pain thresholds by day 5 in healthy "
        "people (Liebano et al. 2011); mixed or alternating-day frequencies delayed this "
        "tolerance by about 5 days in rats (DeSantana et al. 2008).",
    ]
    names = ", ".join(f"{n} ({c.value})" for n, c in suggestions) or "none installed"
    if planned_class is kind and kind is FrequencyClass.MIXED:
        lines.append(
            f"This session's profile, {planned}, is {kind.words} too. Alternating low and "
            f"high frequency by day is the other option studied: {names}."
        )
    elif planned_class is kind:
        wanted = " or ".join(c.words for c in order)
        lines.append(
            f"This session's profile, {planned}, is {kind.words} too. Profiles of "
            f"{wanted}: {names}."
        )
    elif planned_class is not None:
        lines.append(f"This session's profile, {planned}, is {planned_class.words}.")
    lines.append("Advice only: this session runs as planned.")
    return Advice(streak, planned, planned_class, suggestions, tuple(lines))
