"""A session's record from its first line to its last: the session id and the log with its
header, the day's total so far (from the index), and, once output is 0, the summary line,
closing the log and adding it to the index. A failing summary or index is logged, never
raised: it must not hide how the session ended (the log then reads back "interrupted").

When the log itself failed (a full disk: reason ``log_write_failed``), the summary is tried
once more, then as a smaller line with only the essentials, so that the reason is recorded
wherever a last small write still fits; the index is then left alone (it is a cache: the
next ``tens history`` reads the log again), and :func:`report_log_failure` says what
happened in one line.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from tenscontrol.records import index as session_index
from tenscontrol.session.events import (
    EventCallback,
    EventKind,
    SessionLogFailed,
    SessionResult,
    StopReason,
)
from tenscontrol.session.inbox import StopRequest
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


def daily_warning(
    wall: float, data_root: Path | None, planned_ms: int, *, simulated: bool
) -> tuple[int | None, str | None]:
    """Today's session time so far (ms, None when unknown) and the daily-use warning for a
    session of ``planned_ms`` starting at Unix time ``wall``, if any.

    Only real sessions count, and only a real session is warned (hazard 9): the warning is
    about skin under pads, and a simulator puts no current through skin. A simulated session
    is told today's real total (for information) and never warned.
    """
    today = daily_total_ms(wall, data_root, simulated=False)
    if today is None or simulated:
        return today, None
    return today, session_index.daily_warning(today, planned_ms)


def end_detail(
    reason: StopReason | None, stop: StopRequest | None, failed: SessionLogFailed | None
) -> dict[str, object]:
    """What exactly ended a session whose end ``reason`` is known (None: not yet), for the
    stop and end records and the summary: the log's path and cause for ``log_write_failed``
    (a SIGXFSZ that came with the failed write is not the reason), else the detail of the
    stop asked for when that is how it ended, else {}."""
    if reason is StopReason.LOG_WRITE_FAILED and failed is not None:
        return {"log": str(failed.path), "cause": str(failed.cause.strerror or failed.cause)}
    if stop is None or (reason is not None and stop.reason != reason):
        return {}
    return dict(stop.detail)


def summary_record(result: SessionResult, ended_wall: float) -> dict[str, object]:
    """The summary line of ``result`` (the session ended at Unix time ``ended_wall``)."""
    error = result.error
    return {
        "type": "summary",
        "reason": result.reason.value,
        **result.detail,
        "duration_ms": result.duration_ms,
        "max_delivered_ua": {str(k): v for k, v in result.max_delivered_ua.items()},
        "error": None if error is None else f"{type(error).__name__}: {error}",
        "stop_confirmed": result.stop_confirmed,
        "ended_wall": round(ended_wall, 3),
        "warnings": list(result.warnings),
    }


def write_summary(rec: Recorder, result: SessionResult, ended_wall: float) -> None:
    """The summary line of ``result``, fsynced; without it the log reads back as
    "interrupted". After a failure of the log, one last try, then a smaller line."""
    full = summary_record(result, ended_wall)
    if rec.failed is None:
        try:
            rec.line(full, sync=True)
            return
        except SessionLogFailed:
            pass  # the disk filled up on the summary itself: the smaller line may still fit
        except Exception as log_error:
            log.error("session log: could not write the summary: %s", log_error)
            return
    elif rec.last_line(full):
        return
    essentials = {
        key: full[key]
        for key in ("type", "reason", "duration_ms", "max_delivered_ua", "stop_confirmed")
    }
    rec.last_line(essentials)


def report_log_failure(rec: Recorder, confirmed: bool) -> None:
    """If the log failed during the session, say so in one line (``error:`` on the CLI's
    stderr): which file, why, and that output was stopped (and whether that was confirmed)."""
    if rec.failed is None:
        return
    stopped = "output stopped and confirmed" if confirmed else "output stopped, NOT confirmed"
    log.error("%s; %s", rec.failed, stopped)


def close_log(rec: Recorder, data_root: Path | None) -> Path | None:
    """Close the log and add it to the index; the log's path (None when not recording).
    A log that failed is not indexed now (the index is a cache; history reads it later)."""
    path = rec.path
    rec.close()
    if path is not None and rec.failed is None:
        try:
            session_index.record_session(path, data_root)
        except Exception as index_error:  # the log is the record; the index a cache
            log.warning("session index not updated (rebuild it later): %s", index_error)
    return path
