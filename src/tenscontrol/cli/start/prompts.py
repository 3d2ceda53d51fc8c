"""What ``tens start`` checks before any port is opened, and what it asks the person.

Intensities and durations are parsed to integer units (uA, ms) with exact decimal
arithmetic and checked against the profile; anything wrong is a :class:`UserInputError`
(exit 2) and never reaches a device. The pain diary reads 0-10 scores from the terminal,
or from piped stdin when lines are there (an empty line or end of input skips);
``--pain-before`` is checked by :func:`~tenscontrol.records.diary.score_option`. The skin
check takes one key per channel on a terminal (:func:`ask_skin`).
"""

from __future__ import annotations

import io
import re
import select
import sys

import click

from tenscontrol import hard_limits as hl
from tenscontrol.cli.text import over_ceiling, parse_ma
from tenscontrol.errors import UserInputError
from tenscontrol.profiles.model import Profile
from tenscontrol.profiles.units import fmt_number
from tenscontrol.records.diary import parse_score
from tenscontrol.records.skin import KEYS, SkinAnswer

_CH_MA = re.compile(r"^(\d{1,2})=(.+)$")
#: Any number of digits a person might type (the length is checked after, with the maximum).
_DURATION = re.compile(r"^(?:(\d{1,15})h)?(?:(\d{1,15})m)?(?:(\d{1,15})s)?$")
#: Largest fast-forward factor of a simulated session.
MAX_SPEED = 1_000
#: How the skin check's keys read where they differ from the answer's value.
_SKIN_WORDS = {SkinAnswer.SKIPPED: "skip"}


def parse_intensities(values: tuple[str, ...], profile: Profile) -> dict[int, int | None]:
    """``--intensity`` values -> channel -> uA, checked against each channel's ceiling.

    A bare ``MA`` applies to every channel of the profile; ``CH=MA`` to one. A channel
    not named starts at 0 (None: waits until raised). A channel given twice (``20`` and
    ``30``, or ``20`` and ``1=18``) is refused: silently taking the last one could start
    a person at a level they did not mean.
    """
    numbers = [c.number for c in profile.channels]
    out: dict[int, int | None] = dict.fromkeys(numbers)
    given: dict[int, str] = {}
    for value in values:
        match = _CH_MA.match(value)
        targets: list[int]
        if match is None:
            ua = parse_ma(value, f"--intensity {value[:20]}")
            targets = numbers
        else:
            number = int(match.group(1))
            if number not in numbers:
                raise UserInputError(
                    f"--intensity {value}: profile {profile.name} has no channel {number} "
                    f"(channels: {', '.join(map(str, numbers))})"
                )
            ua = parse_ma(match.group(2), f"--intensity {value[:20]}")
            targets = [number]
        for n in targets:
            if n in given:
                raise UserInputError(
                    f"--intensity {value[:20]}: channel {n} is already set by --intensity "
                    f"{given[n]}",
                    hint="give each channel one --intensity (MA for all, or CH=MA)",
                )
            given[n] = value[:20]
            out[n] = ua
    for channel in profile.channels:
        ua_or_none = out[channel.number]
        ceiling = min(channel.ceiling_ua, hl.MAX_AMPLITUDE_UA)
        if ua_or_none is not None and ua_or_none > ceiling:
            raise UserInputError(
                f"--intensity {given[channel.number]}: "
                + over_ceiling(ua_or_none, ceiling, f"channel {channel.number} of {profile.name}"),
                hint="start lower; you can raise it during the session",
            )
    return out


def parse_duration(text: str | None, profile: Profile) -> int | None:
    """``20m``, ``90s``, ``1h``, ``1h30m`` -> ms; None keeps the profile's duration.

    A well-formed length that is too long (``99999h``) is told so, with the maximum."""
    if text is None:
        return None
    match = _DURATION.match(text.strip().lower())
    if match is None or not any(match.groups()):
        raise UserInputError(
            f"--duration {text[:20]!r}: expected a length like 20m, 90s or 1h", hint=None
        )
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    ms = ((hours * 60 + minutes) * 60 + seconds) * 1_000
    limit = min(profile.duration_ms, hl.MAX_SESSION_S * 1_000)
    maximum = f"{fmt_number(limit, 60_000)} min"
    if ms <= 0:
        raise UserInputError(f"--duration {text[:20]}: must be more than 0 (at most {maximum})")
    if ms > limit:
        raise UserInputError(
            f"--duration {text[:20]}: too long: at most {maximum} (the maximum of profile "
            f"{profile.name})",
            hint=f"for example --duration {fmt_number(limit, 60_000)}m",
        )
    return ms


def check_speed(speed: float | None, simulate: bool) -> None:
    """``--speed`` is for the built-in simulator only, from 1 to :data:`MAX_SPEED`."""
    if speed is None:
        return
    if not simulate:
        raise UserInputError(
            "--speed only works with --simulate (a real device runs in real time)",
            hint="add --simulate, or leave out --speed",
        )
    if not 1 <= speed <= MAX_SPEED:
        raise UserInputError(f"--speed {speed:g}: must be from 1 to {MAX_SPEED}")


def stdin_is_terminal() -> bool:
    """True when stdin is an interactive terminal."""
    return sys.stdin is not None and sys.stdin.isatty()


def ask_pain(when: str) -> int | None:
    """A pain score 0-10 ``when`` ("before"/"after"), or None when skipped.

    On a terminal: asks until 0-10 or an empty answer. Not a terminal: reads one line if
    any was piped; end of input, an empty line or a bad value skips (with a note).
    """
    question = f"Pain {when} the session, 0 (none) to 10 (worst); Enter skips"
    if stdin_is_terminal():
        while True:
            answer = str(click.prompt(question, default="", show_default=False, err=True))
            score = _score(answer)
            if score is not None or not answer.strip():
                return score
            click.echo("please type a whole number from 0 to 10, or press Enter", err=True)
    line = _piped_line()
    score = _score(line)
    if line.strip() and score is None:
        click.echo(f"pain score {line.strip()[:10]!r} ignored: expected 0 to 10", err=True)
    return score


def _piped_line(wait_s: float = 0.5) -> str:
    """One line from non-terminal stdin, or "" when nothing was piped (never blocks long on
    a pipe that stays open without data)."""
    stream = sys.stdin
    if stream is None:
        return ""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return stream.readline()  # an in-memory stream (tests): never blocks
    ready, _, _ = select.select([fd], [], [], wait_s)
    return stream.readline() if ready else ""


def _score(text: str) -> int | None:
    return parse_score(text)  # the one rule for a score (0-10, ASCII digits only)


def ask_skin(channel: int, body_area: str) -> SkinAnswer:
    """The skin check of one channel, one key on the terminal (no Enter): o ok, r red,
    i irritated, s skip; any other key asks again. Raises :class:`EOFError` at the end of
    input or Ctrl-D and :class:`KeyboardInterrupt` at Ctrl-C (the terminal is raw while
    it waits, so Ctrl-C arrives as a key): the caller stops asking."""
    keys = ", ".join(f"{a.key} {_SKIN_WORDS.get(a, a.value)}" for a in SkinAnswer)
    question = f"Skin under the pads of channel {channel} ({body_area}): {keys}? "
    while True:
        click.echo(question, nl=False, err=True)
        key = click.getchar()
        if not key:  # end of input (a closed terminal)
            click.echo("", err=True)
            raise EOFError
        answer = KEYS.get(key.lower())
        if answer is not None:
            click.echo(answer.value, err=True)
            return answer
        click.echo(f"\nplease press one key: {keys}", err=True)
