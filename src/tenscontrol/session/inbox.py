"""What other threads and signal handlers leave for the session engine: a person's commands,
a stop request, and the device's events. Only ever *asked* here; the engine's thread acts.

Every ``put`` is reentrant and signal-safe (``queue.SimpleQueue.put``, ``deque.append``,
one attribute assignment), and each wakes the engine through the ``wake`` it was given, so
a command or a stop is handled at once rather than at the next tick.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from tenscontrol.session.events import StopReason

if TYPE_CHECKING:  # only a type here: the pure ramps import this module's CommandKind
    from tenscontrol.device import DeviceEvent


class CommandKind(StrEnum):
    """A person's command (the value is what the log's ``command`` field carries)."""

    UP = "up"  #: one step up (rate-limited, never above the ceiling)
    DOWN = "down"  #: one step down, at once
    SET = "set"  #: a target in uA: lower at once, higher through the ramp
    PAUSE = "pause"  #: output 0 at once, the target kept
    RESUME = "resume"  #: back to the kept target through a soft start


@dataclass(frozen=True, slots=True)
class Command:
    """One command for ``channel`` (None: every channel). ``value_ua``: the target of a
    :attr:`CommandKind.SET`, uA. ``origin``: any text (a request id) echoed in the event."""

    kind: CommandKind
    channel: int | None
    value_ua: int | None = None
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class StopRequest:
    """Why the session is to stop, and what exactly happened (``{"signal": "SIGHUP"}``)."""

    reason: StopReason
    detail: Mapping[str, object] = field(default_factory=dict)


class Inbox:
    """Commands, the first stop request and device events, in arrival order per kind."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._events: deque[DeviceEvent] = deque()
        #: The first stop asked for, or None (one assignment: atomic for other threads).
        self.stop: StopRequest | None = None

    # --- any thread, signal handlers -------------------------------------------------
    def put(self, command: Command) -> None:
        """Queue ``command`` and wake the engine."""
        self._commands.put(command)
        self._wake()

    def ask_stop(self, reason: str, detail: Mapping[str, object] | None = None) -> None:
        """Ask for a stop (the first request wins) and wake the engine. ``reason`` must be
        a :class:`StopReason` value (ValueError otherwise, before anything changes)."""
        if self.stop is None:
            self.stop = StopRequest(StopReason(reason), dict(detail or {}))
        self._wake()

    def arrived(self, event: DeviceEvent) -> None:
        """Keep a device event for the engine (the caller wakes it where needed)."""
        self._events.append(event)

    # --- the engine's thread ---------------------------------------------------------
    def interrupted(self) -> None:
        """A KeyboardInterrupt ended the run: the stop is a signal's, with the detail of a
        stop asked for before it, else ``{"signal": "SIGINT"}``."""
        detail = self.stop.detail if self.stop is not None else {}
        self.stop = StopRequest(StopReason.SIGNAL, dict(detail or {"signal": "SIGINT"}))

    def has_work(self) -> bool:
        """Something for the engine now: a device event, a command or a stop."""
        return bool(self._events) or not self._commands.empty() or self.stop is not None

    def events(self) -> Iterator[DeviceEvent]:
        """The device events waiting, oldest first, each removed as it is taken."""
        while self._events:
            yield self._events.popleft()

    def commands(self) -> Iterator[Command]:
        """The commands waiting, oldest first, each removed as it is taken."""
        while True:
            try:
                yield self._commands.get_nowait()
            except queue.Empty:
                return
