"""The request parser on its own (pure: bytes in, a typed request or its error out) and the
bounded-nesting scanner, against the JSON parser's own idea of depth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenscontrol import hard_limits as hl
from tenscontrol.control.requests import (
    MAX_NESTING,
    Adjustment,
    Change,
    Request,
    RequestError,
    RequestKind,
    nested_deeper_than,
    parse_request,
)
from tenscontrol.control.slot import Endpoint

CHANNELS = (1, 2)


def parse(message: Any, endpoint: Endpoint = Endpoint.CONTROL) -> Request:
    line = message if isinstance(message, bytes) else json.dumps(message).encode()
    return parse_request(line, channels=CHANNELS, endpoint=endpoint)


def refusal(message: Any, endpoint: Endpoint = Endpoint.CONTROL) -> str:
    with pytest.raises(RequestError) as raised:
        parse(message, endpoint)
    return str(raised.value)


def test_the_three_requests() -> None:
    assert parse({"cmd": "status"}) == Request(RequestKind.STATUS)
    assert parse({"cmd": "stop"}) == Request(RequestKind.STOP)
    assert parse({"cmd": "stop"}, Endpoint.STOP) == Request(RequestKind.STOP)
    up = parse({"cmd": "adjust", "channel": 2, "step": 1})
    assert up == Request(RequestKind.ADJUST, Adjustment(2, Change.UP))
    down = parse({"cmd": "adjust", "channel": 1, "step": -1})
    assert down.adjustment == Adjustment(1, Change.DOWN)
    top = parse({"cmd": "adjust", "channel": 1, "set_ua": hl.MAX_AMPLITUDE_UA})
    assert top.adjustment == Adjustment(1, Change.SET, hl.MAX_AMPLITUDE_UA)
    assert parse({"cmd": "adjust", "channel": 1, "set_ua": 0}).adjustment == Adjustment(
        1, Change.SET, 0
    )


@pytest.mark.parametrize(
    ("message", "error"),
    [
        (b"not json", "not a JSON object"),
        (b"\xff\xfe", "not a JSON object"),
        (b"[1, 2]", 'a request is a JSON object with a "cmd" string'),
        (b'"status"', 'a request is a JSON object with a "cmd" string'),
        ({"command": "status"}, 'a request is a JSON object with a "cmd" string'),
        ({"cmd": 1}, 'a request is a JSON object with a "cmd" string'),
        ({"cmd": "reboot"}, "unknown command 'reboot' (status, stop, adjust)"),
        ({"cmd": "x" * 100}, f"unknown command {'x' * 40!r} (status, stop, adjust)"),
        ({"cmd": "adjust", "channel": 3, "step": 1}, "channel must be one of [1, 2]"),
        ({"cmd": "adjust", "channel": True, "step": 1}, "channel must be one of [1, 2]"),
        ({"cmd": "adjust", "step": 1}, "channel must be one of [1, 2]"),
        (
            {"cmd": "adjust", "channel": 1},
            'adjust needs exactly one of "step" (1 or -1) and "set_ua"',
        ),
        (
            {"cmd": "adjust", "channel": 1, "step": 1, "set_ua": 1_000},
            'adjust needs exactly one of "step" (1 or -1) and "set_ua"',
        ),
        ({"cmd": "adjust", "channel": 1, "step": 2}, '"step" must be 1 or -1'),
        ({"cmd": "adjust", "channel": 1, "step": True}, '"step" must be 1 or -1'),
        (
            {"cmd": "adjust", "channel": 1, "set_ua": -1},
            f'"set_ua" must be a whole number of uA, 0 to {hl.MAX_AMPLITUDE_UA}',
        ),
        (
            {"cmd": "adjust", "channel": 1, "set_ua": 1.5},
            f'"set_ua" must be a whole number of uA, 0 to {hl.MAX_AMPLITUDE_UA}',
        ),
        (
            {"cmd": "adjust", "channel": 1, "set_ua": hl.MAX_AMPLITUDE_UA + 1},
            f'"set_ua" must be a whole number of uA, 0 to {hl.MAX_AMPLITUDE_UA}',
        ),
    ],
)
def test_bad_requests_are_refused_with_one_line(message: Any, error: str) -> None:
    assert refusal(message) == error


def test_the_stop_socket_takes_only_stop() -> None:
    only_stop = 'stop.sock takes only {"cmd": "stop"}'
    for message in ({"cmd": "status"}, {"cmd": "adjust", "channel": 1, "step": 1}, {"cmd": "x"}):
        assert refusal(message, Endpoint.STOP) == only_stop
    assert refusal(b"[]", Endpoint.STOP) == 'a request is a JSON object with a "cmd" string'


def test_deep_nesting_is_refused_before_the_json_parser() -> None:
    deep = b"[" * 2_000 + b"]" * 2_000
    assert refusal(deep) == f"request nested deeper than {MAX_NESTING} levels"
    inner = b"[" * (MAX_NESTING - 1) + b"]" * (MAX_NESTING - 1)
    assert parse(b'{"cmd": "status", "x": ' + inner + b"}").kind is RequestKind.STATUS
    quoted = b'{"cmd": "status", "x": "' + b'[{\\"' * 500 + b'"}'  # brackets in a string
    assert parse(quoted).kind is RequestKind.STATUS


def test_a_recursion_error_is_refused_anyway(monkeypatch: pytest.MonkeyPatch) -> None:
    from tenscontrol.control import requests

    monkeypatch.setattr(requests, "nested_deeper_than", lambda line, limit: False)
    assert refusal(b"[" * 100_000 + b"]" * 100_000) == "request nested too deeply"


def depth(value: Any) -> int:
    """Nesting of arrays and objects in ``value`` (a scalar is 0)."""
    if isinstance(value, list):
        return 1 + max((depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(item) for item in value.values()), default=0)
    return 0


TEXT = st.text(alphabet=st.sampled_from('ab"\\[]{}é\n'), max_size=6)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=30,
)


@given(value=JSON, limit=st.integers(min_value=0, max_value=12), ascii_only=st.booleans())
def test_the_scanner_counts_depth_as_json_does(value: Any, limit: int, ascii_only: bool) -> None:
    line = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert nested_deeper_than(line, limit) == (depth(value) > limit)
