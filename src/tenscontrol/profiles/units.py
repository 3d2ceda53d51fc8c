"""Exact conversion of numbers a person writes (Hz, mA, cm2, s) to the integer units inside.

A profile file says ``rate_hz = 80.5``; the product works in ``80_500`` mHz. The conversion
goes through :class:`decimal.Decimal` of the number's shortest text form, so ``0.1`` s is
exactly 100 ms and a value that does not fit the integer unit is refused, never rounded.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction

#: Scales from a file's unit to the internal integer unit.
HZ_TO_MHZ = 1_000
MA_TO_UA = 1_000
S_TO_MS = 1_000
CM2_TO_MM2 = 100


def exact_scale(value: float | int, scale: int) -> int | None:
    """``value * scale`` as an int when exact, else ``None`` (NaN, inf, or too many decimals)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * scale
    if not math.isfinite(value):
        return None
    try:
        scaled = Decimal(repr(value)) * scale
    except InvalidOperation:  # pragma: no cover - repr of a finite float always parses
        return None
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def fmt_number(value: Fraction | int, scale: int = 1, digits: int = 3) -> str:
    """Display ``value / scale`` with at most ``digits`` decimals and no trailing zeros.

    For display only: every comparison is made on the exact integer or fraction.
    """
    exact = Fraction(value) / scale
    if exact.denominator == 1:
        return str(exact.numerator)
    text = f"{float(exact):.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def in_range(value: float | int, *, scale: int, low: int, high: int, unit: str, step: str) -> int:
    """Convert ``value`` (file unit) to the integer unit and check ``low <= result <= high``.

    ``low``/``high`` are in the integer unit (from :mod:`tenscontrol.hard_limits` or the
    format bounds). Raises ``ValueError`` with a one-line reason naming the allowed range in
    the file's unit; the comparison is between integers.
    """
    scaled = exact_scale(value, scale)
    if scaled is None:
        raise ValueError(
            f"must be a plain number with a resolution of {step} {unit} (got {value!r})"
        )
    if not low <= scaled <= high:
        raise ValueError(
            f"must be between {fmt_number(low, scale)} and {fmt_number(high, scale)} {unit}"
            f" (got {_short(value)})"
        )
    return scaled


def _short(value: float | int) -> str:
    """A number as short text for a message; huge numbers are cut."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    text = repr(value)
    return text if len(text) <= 24 else text[:20] + "..."
