"""Checks of the text in a profile: the name, and the words a person reads before
stimulation (title, body area, placement, description, source, phase labels).

Each returns its value or raises ``ValueError`` saying why (pydantic turns that into the
one-line problem naming the field). Text reaches the confirmation screen and the live
view, so nothing in it may move the cursor, hide characters or reorder the line.
"""

from __future__ import annotations

import re
import unicodedata

NAME_MAX = 40
_NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def check_name(value: str) -> str:
    """Return ``value`` if it is a safe profile name, else raise ``ValueError`` saying why."""
    if "/" in value or "\\" in value or ".." in value:
        raise ValueError("must not contain path separators ('/', '\\') or '..'")
    if len(value) > NAME_MAX or not _NAME_RE.fullmatch(value):
        raise ValueError(
            f"must be 1-{NAME_MAX} lowercase letters, digits and single hyphens,"
            f" like 'low-back' (got {value[:50]!r})"
        )
    return value


def not_blank(value: str) -> str:
    """Return ``value`` unless it is empty or only whitespace."""
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def hidden_character(value: str, allowed: str) -> str | None:
    """The first control, invisible-format or line/paragraph-separator character not in
    ``allowed``, described like ``U+001B at position 0``; None when there is none."""
    for index, char in enumerate(value):
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            return f"U+{ord(char):04X} at position {index}"
    return None


def plain_line(value: str) -> str:
    """Shown on one line of the plan and the live view: no control or invisible characters
    (a terminal escape or a right-to-left override could rewrite what a person confirms)."""
    found = hidden_character(value, "")
    if found is not None:
        raise ValueError(f"must not contain control or invisible characters ({found})")
    return value


def plain_text(value: str) -> str:
    """Like :func:`plain_line`, but line breaks and tabs are allowed."""
    found = hidden_character(value, "\n\t")
    if found is not None:
        raise ValueError(f"must not contain control or invisible characters ({found})")
    return value
