"""The pain diary: scores (0-10) before and after a session, kept in the session's own log
(so an index rebuild keeps them) and mirrored into the index."""

from __future__ import annotations

from pathlib import Path

from tenscontrol.records import index
from tenscontrol.records.logwriter import append_record


def store_pain(log_path: Path, at_ms: int, before: int | None, after: int | None) -> bool:
    """Append a ``pain`` event at session time ``at_ms`` to the log at ``log_path`` and
    update the index; False (nothing written) when neither score was given. Raises
    :class:`OSError` or a :class:`~tenscontrol.errors.TensError` when it cannot be stored."""
    if before is None and after is None:
        return False
    record: dict[str, object] = {
        "type": "event",
        "t_ms": at_ms,
        "event": "pain",
        "before": before,
        "after": after,
    }
    append_record(log_path, record)
    index.record_session(log_path)
    return True
