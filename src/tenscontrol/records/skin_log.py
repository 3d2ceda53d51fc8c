"""The skin checks of past sessions, read fast from the two ends of their logs.

A ``skin`` record is only ever appended after the session (by the prompt of ``tens start``
once its log is closed, or by ``tens diary``, which refuses a running session), so it is
in the block of appended records (``skin`` and ``pain``) at the end of the log: after the
summary of a finished log, after the last event of an interrupted one (a torn fragment
before it is passed over, as the reader does). :func:`appended` reads the header line and
walks that block backwards from the end; only a block longer than
:data:`~tenscontrol.records.digest.TAIL_BYTES` makes it read the whole log. A 30-minute
log is about 0.5 MB, so reading every log of a month whole would take seconds before each
session; this takes well under a millisecond per log.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tenscontrol.records.digest import TAIL_BYTES, header_of, json_object, open_log
from tenscontrol.records.logreader import LastState, SessionRecord, read_log
from tenscontrol.records.skin import SKIN_EVENT

#: The events appended after a session: the pain diary's ("pain", records/diary.py) and
#: the skin checks.
APPENDED = frozenset({"pain", SKIN_EVENT})


def _block(lines: list[bytes]) -> tuple[list[dict[str, Any]], dict[str, Any] | None] | None:
    """The appended records at the end of ``lines`` (in order) and the summary before them
    (None: an interrupted log); None when ``lines`` ran out inside the block."""
    found: list[dict[str, Any]] = []
    for line in reversed(lines):
        if not line.strip():
            continue
        record = json_object(line)
        if record is None:
            continue  # a torn fragment (a crash mid-write) that a record was appended after
        if record.get("type") == "event" and record.get("event") in APPENDED:
            found.append(record)
            continue
        found.reverse()
        return found, record if record.get("type") == "summary" else None
    return None


def appended(path: Path) -> SessionRecord:
    """The log at ``path`` as its header and the records appended after the session (its
    ``events`` hold only those; ``summary`` is the log's when it has one). Raises what
    :func:`~tenscontrol.records.logreader.read_log` raises for a file that is not a
    session log, :class:`UserInputError` when it cannot be read."""
    fd = open_log(path)
    try:
        size = os.fstat(fd).st_size
        header = header_of(fd, size)
        start = max(0, size - TAIL_BYTES)
        lines = os.pread(fd, size - start, start).split(b"\n")
    finally:
        os.close(fd)
    block = _block(lines[1 if start else 0 :])  # the first line of a tail may be cut
    if header is None or header.get("type") != "header" or block is None:
        return read_log(path)  # not a log, or a very long block: the full reader decides
    events, summary = block
    duration = int(summary.get("duration_ms", 0)) if summary else 0
    return SessionRecord(path, header, tuple(events), summary, False, 0, LastState(duration, None))
