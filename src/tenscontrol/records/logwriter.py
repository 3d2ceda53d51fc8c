"""The session log: one JSON-lines file per session, append-only (hazard 13).

``<data>/sessions/<session_id>.jsonl``, mode 0600 in a 0700 folder. Lines:

1. ``{"type": "header", "schema": 1, "software": ..., "session_id": ..., "started_wall": ...,
   "device": {...}, "limits": {...}, "profile": {...}, "user_caps": {...},
   "intensities_ua": {...}, "duration_ms": ..., "simulated": true|false, "period_ms": ...}``
2. ``{"type": "event", "t_ms": ..., "event": "<kind>", "channel": N, ...}`` for every event
   (commands, adjustments, lead changes, faults, state changes, telemetry at 1 Hz, setpoints
   at most 1 Hz per channel plus every change to or from 0, and ``max_delivered`` whenever
   a channel's highest delivered current rises: see ``session/recorder.py``).
3. ``{"type": "summary", "reason": ..., "duration_ms": ..., "max_delivered_ua": {...},
   "error": ..., "ended_wall": ...}`` once the session ended (missing: interrupted).
4. Optionally, after the summary, ``{"type": "event", "event": "pain", "before": 0-10|null,
   "after": 0-10|null, ...}`` appended by the CLI's pain diary (``records/diary.py``), and
   ``{"type": "event", "event": "skin", "checks": [...], ...}`` appended by its skin check
   (``records/skin.py``).

Every line goes out whole (nothing buffered in the process; a line the disk took only part
of is cut off again, see :meth:`SessionLogWriter.write`). Safety events
(:data:`~tenscontrol.session.events.SAFETY_EVENTS`), the header and the summary are also
``os.fsync``'ed at once. Nothing is ever sent anywhere.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import threading
from pathlib import Path

from tenscontrol.files import first_json_object, open_new, private_dir
from tenscontrol.records.paths import sessions_dir

SCHEMA_VERSION = 1
SUFFIX = ".jsonl"


def dumps(record: dict[str, object]) -> str:
    """One record as a compact, key-sorted JSON line (deterministic bytes)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)


class SessionLogWriter:
    """Appends records to a new session log; create with :meth:`create`."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd
        self._lock = threading.Lock()

    @classmethod
    def create(cls, session_id: str, root: Path | None = None) -> SessionLogWriter:
        """A new log for ``session_id``; ``-2``, ``-3``... is appended if the name is taken."""
        folder = private_dir(sessions_dir(root))
        for attempt in range(1, 1_000):
            name = session_id if attempt == 1 else f"{session_id}-{attempt}"
            path = folder / f"{name}{SUFFIX}"
            try:
                fd = open_new(path, append=True)
            except FileExistsError:
                continue
            return cls(path, fd)
        raise FileExistsError(f"no free log name for session {session_id}")

    @property
    def session_id(self) -> str:
        """The id actually used (the file's stem)."""
        return self.path.stem

    def write(self, record: dict[str, object], *, sync: bool) -> None:
        """Append one record as a line; ``sync``: fsync before returning.

        A line goes in whole or not at all: ``os.write`` may take only part of it (a disk
        that fills up, a file-size limit), so the rest is written in a loop, and when the
        disk refuses it the part already written is cut off again (``ftruncate`` to where
        the line began) before the :class:`OSError` is raised: no torn line is left behind.
        """
        data = (dumps(record) + "\n").encode("utf-8")
        with self._lock:
            if self._fd is None:
                raise ValueError("session log is closed")
            start = os.fstat(self._fd).st_size  # appends go to the end: the line starts here
            try:
                _write_all(self._fd, data)
            except OSError:
                with contextlib.suppress(OSError):  # shrinking a file needs no space
                    os.ftruncate(self._fd, start)
                raise
            if sync:
                os.fsync(self._fd)

    def close(self) -> None:
        """Close the file. Idempotent."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (``os.write`` may write fewer)."""
    while data:
        written = os.write(fd, data)
        if written <= 0:  # nothing taken and no error: treat as a full disk, never spin
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        data = data[written:]


def is_session_log(head: bytes) -> bool:
    """True when ``head`` (a file's first bytes) starts with a session log's header line."""
    record = first_json_object(head)
    return record is not None and record.get("type") == "header" and "schema" in record
