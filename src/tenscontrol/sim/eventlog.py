"""The simulated device's event log: JSON lines, one per device-side event.

Every line is a JSON object with ``"t"`` (Unix time of the event, float seconds, from the
clock's ``wall()``) and ``"event"``, plus fields of that event, for example
``{"t": 1800000001.25, "event": "output", "channel": 1, "amplitude_ua": 1200}``. Each line is
written with one ``os.write`` (nothing is buffered); the file is created with mode 0600 and
appended to, never truncated.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Protocol

from tenscontrol.clock import Clock
from tenscontrol.files import first_json_object, open_append


class EventSink(Protocol):
    """Where the device model reports what it does."""

    def record(self, when: float, event: str, **fields: object) -> None:
        """Record ``event`` that happened at monotonic time ``when`` (seconds)."""
        ...


class NullSink:
    """An event sink that forgets everything."""

    def record(self, when: float, event: str, **fields: object) -> None:
        """Do nothing."""


class MemorySink:
    """An event sink that keeps events in a list (for tests): ``(when, event, fields)``."""

    def __init__(self) -> None:
        self.events: list[tuple[float, str, dict[str, object]]] = []

    def record(self, when: float, event: str, **fields: object) -> None:
        """Append the event."""
        self.events.append((when, event, fields))

    def of(self, event: str) -> list[dict[str, object]]:
        """The fields of every recorded ``event``, in order."""
        return [fields for _, name, fields in self.events if name == event]


def is_event_log(head: bytes) -> bool:
    """True when ``head`` (a file's first bytes) starts with one of :class:`EventLog`'s lines."""
    line = first_json_object(head)
    return line is not None and isinstance(line.get("t"), float | int) and "event" in line


class EventLog:
    """JSON-lines file sink. ``when`` (monotonic) is turned into Unix time via ``clock``.

    The offset between the clock's wall and monotonic time is read once: two events of the
    same device instant get the same stamp, and a wall-clock step (NTP) during a run does
    not reorder the log.
    """

    def __init__(self, path: str | os.PathLike[str], clock: Clock) -> None:
        self._clock = clock
        self._offset = clock.wall() - clock.monotonic()
        self._lock = threading.Lock()
        # Appends only to a simulator log of this user (hazard 17): never through a link,
        # never to a system file, a device or a pipe, and a new one is 0600 from the start.
        self._fd: int | None = open_append(
            Path(path), is_own=is_event_log, what="a simulator event log"
        )

    def record(self, when: float, event: str, **fields: object) -> None:
        """Append one line for ``event`` at monotonic time ``when``; written at once.

        ``t`` is Unix time (for people); ``mono`` is ``when`` itself, the clock's monotonic
        seconds: on the real clock that is CLOCK_MONOTONIC, comparable with any process's
        ``time.monotonic()`` on the same boot and never moved by a wall-clock step (the
        survival tests compare against it)."""
        wall = self._offset + when
        stamps = {"t": round(wall, 6), "mono": round(when, 6)}
        line = json.dumps({**stamps, "event": event, **fields}, default=str)
        data = (line + "\n").encode("utf-8")
        with self._lock:
            if self._fd is not None:
                os.write(self._fd, data)

    def close(self) -> None:
        """Close the file. Idempotent."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
