"""After a ``tens start`` session: the placement reminder per channel and the skin check
(:mod:`tenscontrol.records.skin`), stored in the session's own log.

When: on a real device, or on any device when ``--skin`` was given (it is stored like
``--pain-before``: the log says whether it was simulated). A simulated session without
``--skin`` gets neither: no pads were on anyone. The check comes from ``--skin`` when
given, else it is asked, one key per channel, on an interactive terminal only (a pipe
never answers for a person's skin). Plain: the reminder and the result as lines after the
end line; JSON: the reminder in the ``end`` object (``placement``, ``placement_advice``)
and the result as one ``skin`` object after it.
"""

from __future__ import annotations

from typing import Any

import click

from tenscontrol.cli.exits import warn
from tenscontrol.cli.start.printer import SessionPrinter
from tenscontrol.cli.start.prompts import ask_skin
from tenscontrol.errors import Interrupted, TensError
from tenscontrol.profiles.model import Profile
from tenscontrol.records.skin import MOVE_PADS, RECOVER, SkinCheck, SkinSource, store_skin
from tenscontrol.session import SessionResult
from tenscontrol.session.signals import GuardMode, SignalGuard


def _placement(text: str) -> str:
    return " ".join(text.split())  # the profile's text is wrapped for its file


def reminder_json(profile: Profile) -> dict[str, Any]:
    """The fields the reminder adds to the JSON ``end`` object."""
    return {
        "placement": [
            {
                "channel": channel.number,
                "body_area": channel.body_area,
                "placement": _placement(channel.placement),
            }
            for channel in profile.channels
        ],
        "placement_advice": MOVE_PADS,
    }


def print_reminder(printer: SessionPrinter, profile: Profile) -> None:
    """The reminder as plain lines (nothing in JSON mode: it is in the ``end`` object)."""
    for channel in profile.channels:
        printer.line(
            f"placement: channel {channel.number} ({channel.body_area}): "
            f"{_placement(channel.placement)}"
        )
    printer.line(f"placement: {MOVE_PADS}")


def _ask(profile: Profile, guard: SignalGuard) -> tuple[SkinCheck, ...]:
    """One key per channel; Ctrl-C, Ctrl-D or a signal stops asking (the answers given so
    far are kept, the rest is not recorded)."""
    checks: list[SkinCheck] = []
    guard.mode = GuardMode.RAISE
    try:
        for channel in profile.channels:
            answer = ask_skin(channel.number, channel.body_area)
            checks.append(SkinCheck(channel.number, channel.body_area, answer))
    except (Interrupted, KeyboardInterrupt, EOFError):
        click.echo("skin check: not asked further", err=True)
    finally:
        guard.mode = GuardMode.NOTE
    return tuple(checks)


def _store(result: SessionResult, checks: tuple[SkinCheck, ...], source: SkinSource) -> bool:
    if result.log_path is None:
        warn("skin check not stored: the session has no log")
        return False
    try:
        return store_skin(result.log_path, result.duration_ms, checks, source=source)
    except (OSError, TensError) as error:
        warn(f"skin check not stored: {error}")
        return False


def check_skin(
    printer: SessionPrinter,
    profile: Profile,
    result: SessionResult,
    *,
    given: tuple[SkinCheck, ...],
    ask: bool,
    guard: SignalGuard,
) -> None:
    """The skin check: ``given`` (``--skin``), else asked when ``ask``; stored in the log,
    then shown (with the advice after red or irritated)."""
    checks = given or (_ask(profile, guard) if ask else ())
    if not checks:
        return
    source = SkinSource.OPTION if given else SkinSource.PROMPT
    stored = _store(result, checks, source)
    care = any(check.answer.needs_care for check in checks)
    printer.record(
        {
            "event": "skin",
            "checks": [check.as_json() for check in checks],
            "source": source.value,
            "stored": stored,
            "advice": RECOVER if care else None,
        }
    )
    kept = "stored" if stored else "NOT stored"
    answers = ", ".join(f"channel {c.channel} {c.answer.value}" for c in checks)
    printer.line(f"skin check: {answers} ({kept})")
    if care:  # a simulated session's check warns no later session (records/skin.py)
        later = "" if printer.simulated else "; the next session on that skin will remind you"
        printer.line(f"skin: {RECOVER}{later}")
