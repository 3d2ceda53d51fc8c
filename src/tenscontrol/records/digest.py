"""What one session log says about the session as a whole, read fast and from the log alone:
its header (profile as run, device, start, simulated) and its index row (duration, reason,
highest current, pain scores), without parsing the telemetry in between.

A finished log is a header line, the session's events, a summary line and then only what
was appended after the session (the pain diary's ``pain`` records). So the first line and
the last few kilobytes hold everything a digest needs: the tail is read backwards to the
last summary, keeping the records after it. A log without a summary in its tail (an
interrupted session, or one with an unusually long tail) is read whole by
:func:`~tenscontrol.records.logreader.read_log`. Either way the row is computed by the one
function the index uses (``records/index_db.py: row_of``), so ``tens progress`` and
``tens history`` can never disagree about a session; the index itself is not needed (it
is only a cache).

Used by ``tens progress``, the tolerance note of ``tens start`` and any export that needs
one row per session.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenscontrol.errors import UserInputError
from tenscontrol.files import open_regular
from tenscontrol.records.index_db import IndexRow, Warn, log_paths, row_of
from tenscontrol.records.logreader import LastState, SessionRecord, read_log

#: Bytes read from the start for the header line (a header is a few kB: the profile as run).
HEAD_BYTES = 65_536
#: Bytes read from the end for the summary and what follows it: first this many...
FIRST_TAIL_BYTES = 2_048
#: ... then up to this many, when the summary was not in them (many pain records).
TAIL_BYTES = 65_536
#: What makes one log unusable (it is skipped with a warning, like the index does).
LOG_ERRORS = (UserInputError, KeyError, TypeError, ValueError, OSError)


@dataclass(frozen=True, slots=True)
class SessionDigest:
    """One session: the log's header (the profile as run is ``header["profile"]``) and its
    index row. Units as in the logs: ms, uA, Unix seconds."""

    path: Path
    header: dict[str, Any]
    row: IndexRow

    @property
    def profile(self) -> dict[str, Any]:
        """The profile as run (empty when the header has none)."""
        found = self.header.get("profile")
        return found if isinstance(found, dict) else {}

    @property
    def profile_name(self) -> str:
        """The profile's name (without where it came from)."""
        return str(self.profile.get("name", "?"))


def json_object(line: bytes) -> dict[str, Any] | None:
    """One log line as its JSON object, or None (torn, not JSON, or not an object)."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _tail(fd: int, size: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]], bool]:
    """The last summary in the last :data:`TAIL_BYTES`, the event records after it (in
    order) and whether the last line is torn; (None, [], torn) when no summary is there.
    Reads :data:`FIRST_TAIL_BYTES` first (a summary and a few pain records), more only
    when the summary is not in them."""
    chunk = min(size, FIRST_TAIL_BYTES)
    while True:
        start = size - chunk
        found = _summary_in(os.pread(fd, chunk, start).split(b"\n")[1 if start else 0 :])
        if found is not None or chunk >= min(size, TAIL_BYTES):
            return found or (None, [], False)
        chunk = min(size, chunk * 4, TAIL_BYTES)


def _summary_in(
    lines: list[bytes],
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], bool] | None:
    """Walk ``lines`` backwards to the last summary: (summary, events after it, torn), or
    (None, [], torn) at a header (no summary: interrupted), or None when the lines ran out
    first (read further back)."""
    after: list[dict[str, Any]] = []
    torn = False
    seen_last = False
    for line in reversed(lines):
        if not line.strip():
            continue
        record = json_object(line)
        last, seen_last = not seen_last, True
        if record is None:
            torn = torn or last  # a bad line elsewhere: read_log skips it too
            continue
        kind = record.get("type")
        if kind == "summary":
            after.reverse()
            return record, after, torn
        if kind == "header":
            return None, [], torn
        if kind == "event":
            after.append(record)
    return None


def open_log(path: Path) -> int:
    """A read-only descriptor of the regular file at ``path`` (no link followed), for the
    fast readers of a log's ends; :class:`UserInputError` when it cannot be opened."""
    try:
        return open_regular(path)
    except OSError as error:
        raise UserInputError(f"{path}: cannot read: {error.strerror or error}") from None


def header_of(fd: int, size: int) -> dict[str, Any] | None:
    """The first line of the log open as ``fd`` (``size`` bytes) as its JSON object, or
    None when it is not a whole line of JSON within :data:`HEAD_BYTES`."""
    first, newline, _ = os.pread(fd, min(size, HEAD_BYTES), 0).partition(b"\n")
    return json_object(first) if newline else None


def read_digest(path: Path) -> SessionDigest:
    """The digest of the log at ``path`` (see the module docstring). Raises what
    :func:`read_log` raises for a file that is not a session log, or
    :class:`KeyError`/:class:`ValueError` for a header without its start."""
    fd = open_log(path)
    try:
        size = os.fstat(fd).st_size
        header = header_of(fd, size)
        summary, after, torn = _tail(fd, size) if header is not None else (None, [], False)
    finally:
        os.close(fd)
    if header is None or header.get("type") != "header" or summary is None:
        record = read_log(path)  # interrupted, odd, or not a log at all: the full reader
    else:
        record = SessionRecord(
            path=path,
            header=header,
            events=tuple(after),
            summary=summary,
            torn=torn,
            bad_lines=0,
            last=LastState(int(summary.get("duration_ms", 0)), None),
        )
    return SessionDigest(path, record.header, row_of(record))


def digests(root: Path | None = None, warn: Warn | None = None) -> Iterator[SessionDigest]:
    """Every session log of the data folder ``root`` as a digest, by file name (ids start
    with their UTC start time); a log that cannot be read is skipped and ``warn`` told why
    (``skipped NAME: why``, as the index says it)."""
    for path in log_paths(root):
        try:
            yield read_digest(path)
        except LOG_ERRORS as error:
            if warn is not None:
                warn(f"skipped {path.name}: {error}")
