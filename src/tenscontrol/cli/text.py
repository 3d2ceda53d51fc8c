"""The one place the CLI writes and reads currents and times: mA text from integer uA, mA
text to integer uA, ``MM:SS``, durations and local times of day. Light on purpose (no
pydantic, no engine): ``tens stop`` and ``tens status`` import it and must start fast."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from tenscontrol.errors import UserInputError
from tenscontrol.profiles.units import MA_TO_UA, fmt_number

#: An intensity as typed: up to 3 digits, up to 3 decimals (1 uA resolution).
_MA = re.compile(r"^\d{1,3}(\.\d{1,3})?$")


def mmss(ms: int) -> str:
    """``ms`` as ``MM:SS`` (whole seconds, rounded down; negative shows 00:00)."""
    seconds = max(0, ms) // 1_000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def ma(ua: int | None) -> str:
    """uA as mA text with at most one decimal, or "-" when unknown."""
    return "-" if ua is None else fmt_number(ua, MA_TO_UA, 1)


def parse_ma(text: str, what: str) -> int:
    """``"20"`` or ``"12.5"`` mA -> uA (exact; at most 1 uA resolution). ``what`` names the
    flag or argument in the error."""
    if not _MA.match(text):
        raise UserInputError(
            f"{what}: {text[:20]!r} is not an intensity in mA (e.g. 20 or 12.5)",
            hint="use --intensity MA for every channel, or --intensity CH=MA per channel",
        )
    return int(Decimal(text) * MA_TO_UA)


def local_time(unix_s: float) -> str:
    """``YYYY-MM-DD HH:MM`` in the local time zone."""
    return datetime.fromtimestamp(unix_s).strftime("%Y-%m-%d %H:%M")


def clock_text(ms: int) -> str:
    """A duration as ``m:ss`` (or ``h:mm:ss`` from one hour)."""
    seconds = max(0, ms) // 1_000
    hours, rest = divmod(seconds, 3_600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
