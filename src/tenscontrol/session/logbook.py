"""A session's record from its first line to its last: the session id and the log with its
header, the day's total so far (from the index), and, once output is 0, the summary line,
closing the log and adding it to the index. A failing summary or index is logged, never
raised: it must not hide how the session ended (the log then reads back "interrupted").
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from tenscontrol.records import index as session_index
from tenscontrol.session.events import EventCallback, EventKind, SessionResult, StopReason
from tenscontrol.session.plan import SessionPlan
from tenscontrol.session.recorder import Recorder, header, open_recorder

log = logging.getLogger(__name__)

#: Reasons that get an event of their own before the stop: reason -> event kind.
ALARM_EVENTS = {
    StopReason.FAULT: EventKind.EMERGENCY_STOP,
    StopReason.DEVICE_LOST: EventKind.DEVICE_LOST,
    StopReason.HOST_STARVED: EventKind.DEVICE_LOST,
}


def session_id_for(plan: SessionPlan, started_wall: float) -> str:
    """``20250101T120000Z-low-back``: the UTC start (Unix seconds) and the profile."""
    stamp = datetime.fromtimestamp(started_wall, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{plan.profile.name}"


def open_log(
    plan: SessionPlan,
    session_id: str,
    started_wall: float,
    data_root: Path | None,
    subscribers: list[EventCallback],
    *,
    record: bool,
) -> Recorder:
    """The session's recorder; when ``record``, a new log whose header (the plan as run) is
    written and fsynced. Raises :class:`~tenscontrol.errors.UserInputError` when the log
    cannot be created: no evidence, no session."""

    def make_header(final_id: str) -> dict[str, object]:
        return header(
            session_id=final_id,
            started_wall=started_wall,
            profile=plan.profile,
            info=plan.info,
            limits=plan.limits,
            caps=plan.caps,
            intensities_ua=plan.intensities_ua,
            duration_ms=plan.duration_ms,
            period_ms=plan.period_ms,
        )

    root = data_root if record else None
    return open_recorder(session_id, root, subscribers, make_header, record=record)


def daily_total_ms(wall: float, data_root: Path | None, *, simulated: bool) -> int | None:
    """Session time so far on the local day of ``wall``, ms (real and simulated sessions
    apart); None when the index is unreadable."""
    try:
        return session_index.daily_total_ms(wall, data_root, simulated=simulated)
    except Exception as index_error:
        log.warning("daily total unknown (index unreadable): %s", index_error)
        return None


def write_summary(rec: Recorder, result: SessionResult, ended_wall: float) -> None:
    """The summary line of ``result`` (the session ended at Unix time ``ended_wall``),
    fsynced; without it the log reads back as "interrupted"."""
    error = result.error
    try:
        rec.line(
            {
                "type": "summary",
                "reason": result.reason.value,
                **result.detail,
                "duration_ms": result.duration_ms,
                "max_delivered_ua": {str(k): v for k, v in result.max_delivered_ua.items()},
                "error": None if error is None else f"{type(error).__name__}: {error}",
                "stop_confirmed": result.stop_confirmed,
                "ended_wall": round(ended_wall, 3),
                "warnings": list(result.warnings),
            },
            sync=True,
        )
    except Exception as log_error:
        log.error("session log: could not write the summary: %s", log_error)


def close_log(rec: Recorder, data_root: Path | None) -> Path | None:
    """Close the log and add it to the index; the log's path (None when not recording)."""
    path = rec.path
    rec.close()
    if path is not None:
        try:
            session_index.record_session(path, data_root)
        except Exception as index_error:  # the log is the record; the index a cache
            log.warning("session index not updated (rebuild it later): %s", index_error)
    return path
