"""The one place the CLI writes and reads currents and times: mA text from integer uA, mA
text to integer uA, ``MM:SS``, durations and local times of day. Light on purpose (no
pydantic, no engine): ``tens stop`` and ``tens status`` import it and must start fast."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from tenscontrol.errors import UserInputError
from tenscontrol.profiles.units import MA_TO_UA, fmt_number

#: An intensity as typed: digits, optionally with decimals (checked against the 1 uA
#: resolution after parsing, so that a too-fine value is told so, not "not an intensity").
_MA = re.compile(r"^\d{1,15}(\.\d{1,15})?$")
#: The finest intensity step, mA (1 uA).
RESOLUTION_MA = "0.001"


def mmss(ms: int) -> str:
    """``ms`` as ``MM:SS`` (whole seconds, rounded down; negative shows 00:00)."""
    seconds = max(0, ms) // 1_000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def mmss_left(ms: int) -> str:
    """Time remaining ``ms`` as ``MM:SS``, rounded up: next to :func:`mmss` of the time
    elapsed it adds up to the whole session (6:15.5 elapsed, 13:44.5 left of 20:00 shows
    06:15 and 13:45), and it reads 00:00 only when nothing is left."""
    seconds = -(-max(0, ms) // 1_000)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def ma(ua: int | None) -> str:
    """uA as mA text with at most one decimal, or "-" when unknown."""
    return "-" if ua is None else fmt_number(ua, MA_TO_UA, 1)


def target_text(ua: object) -> str:
    """A channel's target as text: ``12.5 mA``; no target (never raised, or cleared by a
    lead-off: the channel waits at 0) is ``0 mA (raise to start)``, never ``- mA``."""
    return f"{ma(ua)} mA" if isinstance(ua, int) else "0 mA (raise to start)"


def parse_ma(text: str, what: str) -> int:
    """``"20"`` or ``"12.5"`` mA -> uA (exact; at most 1 uA resolution). ``what`` names the
    flag or argument in the error."""
    if not _MA.match(text):
        raise UserInputError(
            f"{what}: {text[:20]!r} is not an intensity in mA (e.g. 20 or 12.5)",
            hint="use --intensity MA for every channel, or --intensity CH=MA per channel",
        )
    value = Decimal(text) * MA_TO_UA
    if value != value.to_integral_value():
        smallest = "below" if value < 1 else "finer than"
        raise UserInputError(
            f"{what}: {text[:20]} mA is {smallest} the smallest step of {RESOLUTION_MA} mA (1 uA)",
            hint="use at most 3 decimals (e.g. 12.5 or 0.25)",
        )
    return int(value)


def over_ceiling(ua: int, ceiling_ua: int, of: str) -> str:
    """The refusal of ``ua`` above ``ceiling_ua`` in mA, the unit a person typed: ``60 mA
    is above the ceiling of 50 mA of channel 1``; ``of`` names whose ceiling it is."""
    return (
        f"{fmt_number(ua, MA_TO_UA)} mA is above the ceiling of "
        f"{fmt_number(ceiling_ua, MA_TO_UA)} mA of {of}"
    )


def local_time(unix_s: float) -> str:
    """``YYYY-MM-DD HH:MM`` in the local time zone."""
    return datetime.fromtimestamp(unix_s).strftime("%Y-%m-%d %H:%M")


def clock_text(ms: int) -> str:
    """A duration as ``m:ss`` (or ``h:mm:ss`` from one hour)."""
    seconds = max(0, ms) // 1_000
    hours, rest = divmod(seconds, 3_600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
