"""Session logs read fast for an export that needs each session as a whole: the header, the
summary and every record appended after the session (the pain diary's ``pain`` records,
the skin checks), without parsing the telemetry in between.

A finished log is read from its two ends (:func:`~tenscontrol.records.skin_log.appended`);
an interrupted one (no summary) whole, by :func:`~tenscontrol.records.logreader.read_log`,
so that its length and highest current come from its events. Why: a log at its real size
(telemetry every second) is about 1 MB per 30 minutes, and reading 1,000 of them whole takes
about 45 s, where this takes well under a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tenscontrol.records.digest import LOG_ERRORS
from tenscontrol.records.index_db import Warn, log_paths
from tenscontrol.records.logreader import SessionRecord, read_log
from tenscontrol.records.skin_log import appended


def read_session(path: Path) -> SessionRecord:
    """The log at ``path``: for a finished session its header, its summary and the records
    appended after it (``events`` holds only those); for an interrupted one every record.
    Raises what :func:`read_log` raises for a file that is not a session log."""
    record = appended(path)
    return record if record.summary is not None else read_log(path)


def sessions(root: Path | None = None, warn: Warn | None = None) -> Iterator[SessionRecord]:
    """Every session log of the data folder ``root`` (:func:`read_session`), by file name
    (ids start with their UTC start time); a log that cannot be read is skipped and ``warn``
    told why (``skipped NAME: why``, as the index says it)."""
    for path in log_paths(root):
        try:
            yield read_session(path)
        except LOG_ERRORS as error:
            if warn is not None:
                warn(f"skipped {path.name}: {error}")
