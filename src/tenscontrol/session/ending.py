"""How a session ends, once its reason is known: output 0 first, then the record of it.

Every stop path of :class:`~tenscontrol.session.engine.SessionEngine` (natural end, a stop
asked for, a signal, a fault, a lost device, a failing log, any other exception) ends here,
in the same order: STOP (confirmed where the device is still there), the alarm event of the
reason if it has one, the ``stop`` and ``end`` events, the summary line, closing the log and
adding it to the index. Nothing here raises for a failing log: the log must never keep
output on, nor hide how the session ended. Engine thread only.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from tenscontrol.clock import Clock
from tenscontrol.session.events import EventKind, SessionLogFailed, SessionResult, StopReason
from tenscontrol.session.inbox import Inbox
from tenscontrol.session.logbook import (
    ALARM_EVENTS,
    close_log,
    end_detail,
    report_log_failure,
    write_summary,
)
from tenscontrol.session.output import ChannelIO, Emit
from tenscontrol.session.recorder import Recorder

log = logging.getLogger(__name__)


class SessionEnding:
    """The end of one running session: :meth:`halt`, then :meth:`finish`, once each.

    ``io``: the session's channels (what stops output, and the highest currents delivered).
    ``rec``: its recorder. ``inbox``: where a stop asked for is found (its detail goes into
    the records). ``emit``: records an event at the session time now. ``clock``: the
    session's clock (the summary's end time). ``data_root``: where the index lives.
    """

    def __init__(
        self,
        io: ChannelIO,
        rec: Recorder,
        inbox: Inbox,
        emit: Emit,
        clock: Clock,
        data_root: Path | None,
    ) -> None:
        self._io = io
        self._rec = rec
        self._inbox = inbox
        self._emit = emit
        self._clock = clock
        self._data_root = data_root
        self._reason: StopReason | None = None

    @property
    def detail(self) -> dict[str, object]:
        """What exactly ended the session (for the stop and end records; see end_detail)."""
        return end_detail(self._reason, self._inbox.stop, self._rec.failed)

    def halt(self, t_ms: int, reason: StopReason, error: BaseException | None) -> bool:
        """Output 0 first (STOP at session time ``t_ms``, confirmed, unless the port is
        gone), then record it; whether the STOP was confirmed. Never raises: a failing log
        must not keep output on."""
        confirmed = self._io.stop_all(t_ms, error)
        self._reason = reason
        alarm = ALARM_EVENTS.get(reason)
        if alarm is not None:
            self._emit_safely(alarm, {"error": str(error)})
        data: dict[str, object] = {"reason": reason.value, **self.detail, "confirmed": confirmed}
        if not confirmed:
            data["unconfirmed"] = self._io.stop_error  # why: the evidence, or the port gone
        self._emit_safely(EventKind.STOP, data)
        return confirmed

    def finish(
        self,
        session_id: str,
        duration_ms: int,
        reason: StopReason,
        error: BaseException | None,
        confirmed: bool,
        warnings: tuple[str, ...],
    ) -> SessionResult:
        """After :meth:`halt`: the end event, the summary line, the log closed and indexed;
        the session's result (``duration_ms``: how long it ran, ms), with the log's path."""
        self._emit_safely(EventKind.END, {"reason": reason.value, **self.detail})
        result = SessionResult(
            session_id,
            reason,
            duration_ms,
            dict(self._io.max_delivered),
            error,
            None,
            warnings,
            confirmed,
            self.detail,
        )
        write_summary(self._rec, result, self._clock.wall())
        report_log_failure(self._rec, confirmed)
        path = close_log(self._rec, self._data_root)
        return replace(result, log_path=path)

    def _emit_safely(self, kind: EventKind, data: dict[str, object]) -> None:
        try:
            self._emit(kind, None, data)
        except SessionLogFailed:
            pass  # told once, with the outcome of the stop, by report_log_failure
        except Exception as log_error:
            log.error("session log: could not record %s: %s", kind, log_error)
