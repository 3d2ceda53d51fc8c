"""Waiting on a condition, never for a fixed time: for what another thread or process does
in real time (a simulator's log line, a server's counter)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: How often a condition is looked at, seconds (short against every deadline used).
POLL_S = 0.01


def wait_until(look: Callable[[], T | None], timeout_s: float, what: str | Callable[[], str]) -> T:
    """The first truthy value of ``look()``, looked at every :data:`POLL_S` until
    ``timeout_s`` seconds have passed; AssertionError naming ``what`` after that (a callable
    is asked only then, so it can show the state at the deadline)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = look()
        if found:
            return found
        if time.monotonic() >= deadline:
            text = what() if callable(what) else what
            raise AssertionError(f"{text}: not within {timeout_s:.1f} s")
        time.sleep(POLL_S)
