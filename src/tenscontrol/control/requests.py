"""Requests to the control endpoint: their types and the strict parser of a request line.

A request is one JSON object per line: ``{"cmd": "status"}``, ``{"cmd": "stop"}``, or
``{"cmd": "adjust", "channel": N, "step": 1|-1}`` or ``{..., "set_ua": X}`` (uA). The
parser is pure: it takes the bytes of one line (at most :data:`~.wire.MAX_LINE`) and the
session's channels, and gives a :class:`Request` or raises :class:`RequestError`, whose text
is the error answer. A line nested deeper than :data:`MAX_NESTING` is refused before
``json.loads`` (whose recursion a deep line would exhaust), by a scanner that knows JSON
strings; a ``RecursionError`` is caught anyway.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tenscontrol import hard_limits as hl
from tenscontrol.control.slot import Endpoint

#: Deepest nesting of arrays and objects a request may have (requests are flat objects;
#: the bound keeps a hostile line from exhausting the JSON parser's recursion).
MAX_NESTING = 8
#: Longest part of an unknown command that is quoted back in the error, characters.
QUOTED_COMMAND = 40


class RequestKind(StrEnum):
    """What a request asks for (the value is its ``"cmd"``)."""

    STATUS = "status"
    STOP = "stop"
    ADJUST = "adjust"


class Change(StrEnum):
    """How an adjust request changes a channel (the value is its answer's ``"command"``)."""

    UP = "up"  #: one step up (the engine's step rate and ceiling apply)
    DOWN = "down"  #: one step down, at once
    SET = "set"  #: a target in uA: lower at once, higher through the ramp


@dataclass(frozen=True, slots=True)
class Adjustment:
    """The change an adjust request asks for. ``set_ua``: the target in uA (SET only)."""

    channel: int
    change: Change
    set_ua: int | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """One valid request; ``adjustment`` is set for (and only for) an adjust."""

    kind: RequestKind
    adjustment: Adjustment | None = None


class RequestError(Exception):
    """A request line that is not a valid request; the text is the error answer."""


_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")
_QUOTE = ord('"')
_BACKSLASH = ord("\\")


def nested_deeper_than(line: bytes, limit: int = MAX_NESTING) -> bool:
    """True when the JSON text ``line`` (UTF-8) nests arrays and objects deeper than
    ``limit`` levels. Brackets inside strings do not count. Checked before ``json.loads``,
    whose recursion a deep line would exhaust; on invalid JSON the result is only a bound
    (the parser rejects such a line anyway). In UTF-8 a byte below 0x80 is always that
    ASCII character, so scanning bytes is exact."""
    if line.count(b"[") + line.count(b"{") <= limit:  # fast path: cannot be deeper
        return False
    depth = 0
    in_string = escaped = False
    for byte in line:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSERS:
            depth -= 1
    return False


def parse_request(
    line: bytes, *, channels: Collection[int], endpoint: Endpoint = Endpoint.CONTROL
) -> Request:
    """The request in ``line`` (one line, without its newline) received on ``endpoint``;
    ``channels``: the session's channel numbers. Raises :class:`RequestError`."""
    if nested_deeper_than(line, MAX_NESTING):
        raise RequestError(f"request nested deeper than {MAX_NESTING} levels")
    try:
        message = json.loads(line.decode("utf-8"))
    except RecursionError:  # the scanner's bound makes this unreachable; caught anyway
        raise RequestError("request nested too deeply") from None
    except ValueError:  # UnicodeDecodeError included
        raise RequestError("not a JSON object") from None
    if not isinstance(message, dict) or not isinstance(message.get("cmd"), str):
        raise RequestError('a request is a JSON object with a "cmd" string')
    cmd = message["cmd"]
    if endpoint is Endpoint.STOP and cmd != RequestKind.STOP:
        raise RequestError(f'{Endpoint.STOP.value} takes only {{"cmd": "stop"}}')
    if cmd == RequestKind.STATUS:
        return Request(RequestKind.STATUS)
    if cmd == RequestKind.STOP:
        return Request(RequestKind.STOP)
    if cmd == RequestKind.ADJUST:
        return Request(RequestKind.ADJUST, _adjustment(message, channels))
    kinds = ", ".join(kind.value for kind in RequestKind)
    raise RequestError(f"unknown command {cmd[:QUOTED_COMMAND]!r} ({kinds})")


def _adjustment(message: dict[str, Any], channels: Collection[int]) -> Adjustment:
    """The fields of an adjust request, checked (integers only: a bool is not a number)."""
    channel, step, set_ua = message.get("channel"), message.get("step"), message.get("set_ua")
    if type(channel) is not int or channel not in channels:
        raise RequestError(f"channel must be one of {list(channels)}")
    if (step is None) == (set_ua is None):
        raise RequestError('adjust needs exactly one of "step" (1 or -1) and "set_ua"')
    if step is not None and (type(step) is not int or step not in (1, -1)):
        raise RequestError('"step" must be 1 or -1')
    if set_ua is not None:
        if type(set_ua) is not int or not 0 <= set_ua <= hl.MAX_AMPLITUDE_UA:
            raise RequestError(f'"set_ua" must be a whole number of uA, 0 to {hl.MAX_AMPLITUDE_UA}')
        return Adjustment(channel, Change.SET, set_ua)
    return Adjustment(channel, Change.UP if step == 1 else Change.DOWN)
