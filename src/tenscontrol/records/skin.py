"""Skin checks: after a session, one answer per channel about the skin under its pads, kept
in the session's own log; and the warning before a later session on the same body area
when the latest answered check there was red or irritated.

Rules and sources: docs/care.md section 5 (check the skin under the pads at least once a
day, move the pads slightly between sessions; a rash that lasts is for a clinician).

A check is stored as a ``skin`` record appended to the log (never a rewrite: hazard 13),
through :func:`~tenscontrol.records.diary.append_to_log`::

    {"type": "event", "t_ms": 1800000, "event": "skin",
     "checks": [{"channel": 1, "body_area": "low back, ...", "answer": "red"}],
     "source": "prompt", "given_wall": 1800000000.123}

``t_ms``: the session time it refers to (its end); ``source``: who gave it
(:class:`~tenscontrol.records.diary.PainSource`: the prompt of ``tens start``, its
``--skin``, or ``tens diary``); ``given_wall``: when, Unix s. The latest record wins,
channel by channel, except that ``skipped`` is no answer: it never replaces an answer of
the same channel (so a skip after "red" leaves "red"). Everything here is pure: no file is
read (:mod:`~tenscontrol.records.skin_log` reads the history fast).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from tenscontrol.errors import UserInputError
from tenscontrol.records.diary import PainSource, append_to_log
from tenscontrol.records.logreader import SessionRecord

#: The ``event`` of a skin record.
SKIN_EVENT = "skin"
#: Who gave a check: the same three as for a pain score (prompt, option, diary).
SkinSource = PainSource
#: How far back a red or irritated check is looked for, days of session start (design
#: choice, docs/care.md: a person back after a break of up to a month is still reminded;
#: a redness older than that with no check since is not "last time" any more).
LOOK_BACK_DAYS = 30
#: The advice after the session, for every channel.
MOVE_PADS = (
    "move the pads slightly (a few cm) before the next session, and check the skin under "
    "them at least once a day"
)
#: The advice of a warning (docs/care.md section 5).
RECOVER = (
    "let the skin recover before stimulating there again, place the pads on healthy skin "
    "a little away from it, and ask a clinician if it persists"
)
_CH_ANSWER = re.compile(r"^([0-9]{1,2})=(.*)$", re.ASCII)
_WORDS = re.compile(r"[a-z]+")


class SkinAnswer(StrEnum):
    """The answer of one skin check (the one key that gives it: :attr:`key`)."""

    OK = "ok"
    RED = "red"
    IRRITATED = "irritated"
    SKIPPED = "skipped"

    @property
    def key(self) -> str:
        """The key that answers it at the prompt: o, r, i or s."""
        return self.value[0]

    @property
    def needs_care(self) -> bool:
        """True for red or irritated: the next session on that area is warned."""
        return self in (SkinAnswer.RED, SkinAnswer.IRRITATED)


#: Key at the prompt -> answer.
KEYS = {answer.key: answer for answer in SkinAnswer}
#: What ``--skin`` takes (``skip`` is the option's word for skipped).
OPTION_WORDS = {"ok": SkinAnswer.OK, "red": SkinAnswer.RED, "irritated": SkinAnswer.IRRITATED}
OPTION_WORDS |= {"skip": SkinAnswer.SKIPPED, "skipped": SkinAnswer.SKIPPED}


@dataclass(frozen=True, slots=True)
class SkinCheck:
    """One channel's check: the channel (from 1), its body area as the profile named it,
    and the answer."""

    channel: int
    body_area: str
    answer: SkinAnswer

    def as_json(self) -> dict[str, object]:
        """The check as a record holds it."""
        return {"channel": self.channel, "body_area": self.body_area, "answer": self.answer.value}


def parse_answer(text: str) -> SkinAnswer | None:
    """An option's word (ok, red, irritated, skip or skipped; any case) as an answer, or
    None when it is none of them."""
    return OPTION_WORDS.get(text.strip().lower())


#: ``--skin`` as parsed before the profile is known: (channel or None for all, answer).
SkinOption = tuple[tuple[int | None, SkinAnswer], ...]


def skin_option(
    values: Sequence[str], flag: str = "--skin", *, from_environment: bool = False
) -> SkinOption:
    """The values of ``flag``: ``ANSWER`` (every channel) or ``CH=ANSWER``. Raises
    :class:`UserInputError` (exit 2) naming ``flag`` for a word that is no answer, and when
    the values came ``from_environment`` (``TENS_START_SKIN``): a check is what a person
    says about one session's skin, never a default that repeats itself."""
    if not values:
        return ()
    if from_environment:
        raise UserInputError(
            f"{flag}: a skin check is taken from the command line only, not from the environment",
            hint=f"unset the variable and give {flag} on the command line",
        )
    parsed: list[tuple[int | None, SkinAnswer]] = []
    for value in values:
        match = _CH_ANSWER.match(value.strip())
        channel = None if match is None else int(match.group(1))
        answer = parse_answer(value if match is None else match.group(2))
        if answer is None or channel == 0:
            raise UserInputError(
                f"{flag} {value[:20]!r}: expected ok, red, irritated or skip (or CH=ANSWER "
                "for one channel)",
                hint=f"for example {flag} ok, or {flag} 2=red",
            )
        parsed.append((channel, answer))
    return tuple(parsed)


def option_checks(
    option: SkinOption, areas: Mapping[int, str], flag: str = "--skin"
) -> tuple[SkinCheck, ...]:
    """The checks ``option`` gives the channels ``areas`` (number -> body area), by channel.
    Raises :class:`UserInputError` naming ``flag`` for a channel that is not there and for
    a channel given twice (taking the last could record what a person did not mean)."""
    given: dict[int, SkinAnswer] = {}
    for channel, answer in option:
        targets = sorted(areas) if channel is None else [channel]
        if channel is not None and channel not in areas:
            have = ", ".join(map(str, sorted(areas))) or "none"
            raise UserInputError(
                f"{flag} {channel}=...: there is no channel {channel} (channels: {have})"
            )
        for number in targets:
            if number in given:
                raise UserInputError(
                    f"{flag}: channel {number} is given twice",
                    hint=f"give each channel one {flag} (ANSWER for all, or CH=ANSWER)",
                )
            given[number] = answer
    return tuple(SkinCheck(n, areas[n], given[n]) for n in sorted(given))


def channel_areas(profile: Mapping[str, Any]) -> dict[int, str]:
    """Channel number -> body area of a profile as logged (``header["profile"]``); channels
    of another shape are left out."""
    found: dict[int, str] = {}
    channels = profile.get("channels")
    for item in channels if isinstance(channels, list | tuple) else ():
        if isinstance(item, Mapping):
            number, area = _channel(item.get("number")), item.get("body_area")
            if number is not None and isinstance(area, str):
                found[number] = area
    return found


def skin_record(
    at_ms: int, checks: Sequence[SkinCheck], source: PainSource, given_wall: float
) -> dict[str, object]:
    """The ``skin`` record appended to a log (``at_ms``: the session time it refers to)."""
    return {
        "type": "event",
        "t_ms": at_ms,
        "event": SKIN_EVENT,
        "checks": [check.as_json() for check in checks],
        "source": source.value,
        "given_wall": round(given_wall, 3),
    }


def store_skin(
    log_path: Path,
    at_ms: int,
    checks: Sequence[SkinCheck],
    *,
    source: PainSource = PainSource.PROMPT,
    given_wall: float | None = None,
) -> bool:
    """Append a ``skin`` record of ``checks`` to the log at ``log_path``; False (nothing
    written) when there are none. Raises what ``append_to_log`` raises (:class:`OSError`,
    a :class:`~tenscontrol.errors.TensError` for a file that is not a session log). The
    index holds nothing of skin checks, so it is not touched (it re-reads the log when it
    next syncs)."""
    if not checks:
        return False
    wall = time.time() if given_wall is None else given_wall
    append_to_log(log_path, skin_record(at_ms, checks, source, wall))
    return True


def _channel(value: object) -> int | None:
    """``value`` as a channel number (from 1), or None (a bool is no number here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value


def _wall(value: object) -> float | None:
    """``value`` as Unix seconds, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _check_of(item: object) -> SkinCheck | None:
    """One entry of a record's ``checks``, or None when it is not one of ours."""
    if not isinstance(item, Mapping):
        return None
    channel, area, answer = _channel(item.get("channel")), item.get("body_area"), item.get("answer")
    if channel is None or not isinstance(area, str) or not isinstance(answer, str):
        return None
    try:
        return SkinCheck(channel, area, SkinAnswer(answer))
    except ValueError:  # an answer of another kind
        return None


def dated_checks(record: SessionRecord) -> dict[int, tuple[SkinCheck, float | None]]:
    """Channel -> (its check, when it was given, Unix s or None) from the session's
    ``skin`` records: the latest wins, but a skip never replaces an answer."""
    latest: dict[int, tuple[SkinCheck, float | None]] = {}
    for event in record.events:
        checks = event.get("checks") if event.get("event") == SKIN_EVENT else None
        if not isinstance(checks, list):
            continue
        given = _wall(event.get("given_wall"))
        for check in filter(None, map(_check_of, checks)):
            old = latest.get(check.channel)
            if check.answer is SkinAnswer.SKIPPED and old is not None:
                continue  # no answer: what was answered before stands
            latest[check.channel] = (check, given)
    return latest


def skin_checks(record: SessionRecord) -> tuple[SkinCheck, ...]:
    """The session's skin checks, latest per channel (a skip never replaces an answer), by
    channel; () for a log without any (every log from before skin checks)."""
    latest = dated_checks(record)
    return tuple(latest[n][0] for n in sorted(latest))


#: Regions a body area may name (design choice, docs/care.md section 5): two areas that name
#: the same region are one skin, so a red "low back, both sides of the spine" warns before
#: "low back, painful side, beside the spine" too. Region -> the words that name it.
REGIONS: dict[str, tuple[str, ...]] = {
    "low back": ("low back", "lower back", "lumbar"),
    "upper back": ("upper back",),
    "neck": ("neck",),
    "shoulder": ("shoulder", "shoulders"),
    "buttock": ("buttock", "buttocks", "gluteal"),
    "hip": ("hip", "hips"),
    "thigh": ("thigh", "thighs", "hamstring", "hamstrings"),
    "knee": ("knee", "knees"),
    "calf": ("calf", "calves"),
    "shin": ("shin", "shins"),
    "ankle": ("ankle", "ankles"),
    "foot": ("foot", "feet"),
}


def _words(area: str) -> str:
    return " ".join(_WORDS.findall(area.lower()))


def regions(area: str) -> frozenset[str]:
    """The :data:`REGIONS` a body area names (whole words, any case)."""
    text = f" {_words(area)} "
    return frozenset(r for r, names in REGIONS.items() if any(f" {n} " in text for n in names))


def same_skin(area: str, other: str) -> bool:
    """True when two body areas are the same skin: the same words (case, spaces and
    punctuation aside), or a region both name."""
    return _words(area) == _words(other) or bool(regions(area) & regions(other))


@dataclass(frozen=True, slots=True)
class SkinWarning:
    """A warning of a plan: channel ``channel`` of the next session goes on ``body_area``,
    whose skin (as ``checked_area``, of session ``session_id``) was ``answer`` at the
    latest answered check, given on ``checked_on`` (local date)."""

    channel: int
    body_area: str
    checked_area: str
    answer: SkinAnswer
    checked_on: date
    session_id: str

    @property
    def lines(self) -> tuple[str, ...]:
        """The warning in words, for the plan."""
        where = (
            ""
            if _words(self.body_area) == _words(self.checked_area)
            else (f" (as {self.checked_area})")
        )
        return (
            f"skin: channel {self.channel} ({self.body_area}): the skin there{where} was "
            f"{self.answer.value} at the last check, on {self.checked_on.isoformat()}.",
            f"Please {RECOVER}. Advice only: this session runs as planned.",
        )

    def as_json(self) -> dict[str, object]:
        """One entry of the plan's ``skin`` field (the date as ISO)."""
        return {
            "channel": self.channel,
            "body_area": self.body_area,
            "checked_body_area": self.checked_area,
            "answer": self.answer.value,
            "checked_on": self.checked_on.isoformat(),
            "session_id": self.session_id,
            "advice_only": True,
            "text": list(self.lines),
        }


def skin_warnings(
    history: Iterable[SessionRecord], areas: Mapping[int, str], now: float
) -> tuple[SkinWarning, ...]:
    """The warnings for a session whose channels go on ``areas`` (number -> body area) at
    Unix time ``now``. ``history``: session records, newest first (only their header and
    their ``skin`` records are read). Per channel, the newest real session (a simulator
    puts nothing through skin) of the last :data:`LOOK_BACK_DAYS` days with an answered
    check of the same skin (:func:`same_skin`) decides: red or irritated is a warning, ok
    is none; skipped checks and sessions without a check are passed over."""
    since = now - LOOK_BACK_DAYS * 86_400
    pending = dict(areas)
    found: dict[int, SkinWarning] = {}
    for record in history:
        if not pending:
            break
        started = _wall(record.header.get("started_wall"))
        if started is None or started < since or bool(record.header.get("simulated")):
            continue
        checks = [
            (check, given)
            for check, given in dated_checks(record).values()
            if check.answer is not SkinAnswer.SKIPPED
        ]
        for channel, area in list(pending.items()):
            same = [(c, g) for c, g in checks if same_skin(c.body_area, area)]
            if not same:
                continue
            del pending[channel]  # the newest answered check of this skin decides
            worst = [(c, g) for c, g in same if c.answer.needs_care]
            if worst:
                check, given = worst[0]
                on = date.fromtimestamp(started if given is None else given)
                found[channel] = SkinWarning(
                    channel, area, check.body_area, check.answer, on, record.session_id
                )
    return tuple(found[n] for n in sorted(found))
