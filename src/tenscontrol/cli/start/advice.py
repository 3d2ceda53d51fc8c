"""The notes of ``tens start``'s plan: the tolerance note (:mod:`tenscontrol.records.tolerance`:
the real sessions of the last days, read from their logs, and the profiles a person could
pick instead) and the skin warnings (:mod:`tenscontrol.records.skin`: a body area whose
latest answered skin check was red or irritated). Advice only: nothing here changes the
session.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path

from tenscontrol.cli.exits import warn
from tenscontrol.errors import TensError
from tenscontrol.profiles.loader import discover, load_file
from tenscontrol.profiles.model import Profile
from tenscontrol.records.digest import LOG_ERRORS, read_digest
from tenscontrol.records.index_db import log_paths
from tenscontrol.records.logreader import SessionRecord
from tenscontrol.records.skin import LOOK_BACK_DAYS as SKIN_LOOK_BACK_DAYS
from tenscontrol.records.skin import SkinWarning, skin_warnings
from tenscontrol.records.skin_log import appended
from tenscontrol.records.tolerance import (
    STREAK_DAYS,
    Advice,
    FrequencyClass,
    advise,
    current_streak,
    profile_class,
    use_of,
)

#: How far back the streak is looked for, days (a streak longer than this reads as this).
LOOK_BACK_DAYS = 60


def phases_class(profile: Profile) -> FrequencyClass | None:
    """The class of a loaded profile, from its phases in the form the logs keep."""
    return profile_class({"phases": [asdict(phase) for phase in profile.phases]})


def available_profiles() -> list[tuple[str, FrequencyClass]]:
    """Every profile a person could name (built-ins and their own files) with its class; a
    file that does not load is left out (``tens profile list`` tells why)."""
    found: list[tuple[str, FrequencyClass]] = []
    for entry in discover():
        try:
            kind = phases_class(load_file(entry.path, builtin=entry.builtin))
        except TensError:
            continue
        if kind is not None:
            found.append((entry.name, kind))
    return found


def _named_before(path: Path, since: date) -> bool:
    """True when the log's name (``20270115T080000Z-...``: its UTC start) says it began two
    days or more before ``since`` (a margin for time zones); False when the name says
    nothing (then it is read)."""
    try:
        started = datetime.strptime(path.name[:16], "%Y%m%dT%H%M%SZ")
    except ValueError:
        return False
    return started.date() < since - timedelta(days=2)


def plan_advice(profile: Profile, now: float | None = None) -> Advice | None:
    """The note for a session of ``profile`` starting at Unix time ``now`` (default: now),
    or None when the same class was not used on enough days in a row. A log that cannot
    be read is a warning, never a reason not to start."""
    today = date.fromtimestamp(time.time() if now is None else now)
    since = today - timedelta(days=LOOK_BACK_DAYS)
    uses = []
    for path in log_paths():
        if _named_before(path, since):
            continue  # far older than the look-back, by its name: not worth reading
        try:
            digest = read_digest(path)
        except LOG_ERRORS as error:
            warn(f"skipped {path.name}: {error}")
            continue
        if digest.row.simulated or digest.row.max_ua <= 0:  # no current through skin
            continue
        use = use_of(digest.row.start, digest.profile)
        if use is not None and use.day >= since:
            uses.append(use)
    streak = current_streak(uses, today)
    if streak is None or streak.days < STREAK_DAYS:
        return None
    return advise(streak, profile.name, phases_class(profile), available_profiles())


def skin_advice(profile: Profile, now: float | None = None) -> tuple[SkinWarning, ...]:
    """The skin warnings for a session of ``profile`` starting at Unix time ``now``
    (default: now), from the logs of the last ``SKIN_LOOK_BACK_DAYS`` days, newest first.
    A log that cannot be read is passed over in silence: :func:`plan_advice` has just told
    about it (its look-back is longer), and it is never a reason not to start."""
    wall = time.time() if now is None else now
    since = date.fromtimestamp(wall) - timedelta(days=SKIN_LOOK_BACK_DAYS)
    history = []
    for path in log_paths():
        if _named_before(path, since):
            continue  # older than the look-back, by its name: not worth reading
        try:
            history.append(appended(path))
        except LOG_ERRORS:
            continue
    history.sort(key=_started, reverse=True)
    areas = {channel.number: channel.body_area for channel in profile.channels}
    return skin_warnings(history, areas, wall)


def _started(record: SessionRecord) -> float:
    """The start of a session (Unix s) for sorting; a header without one sorts last."""
    wall = record.header.get("started_wall")
    return float(wall) if isinstance(wall, int | float) else 0.0
