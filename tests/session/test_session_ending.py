"""The end of a session on its own: output 0 first, then the records, never raising."""

from __future__ import annotations

from pathlib import Path

from session_helpers import Rig, virtual_rig

from tenscontrol.errors import OverDelivery
from tenscontrol.session.ending import SessionEnding
from tenscontrol.session.events import EventKind, StopReason
from tenscontrol.session.inbox import Inbox
from tenscontrol.session.output import ChannelIO
from tenscontrol.session.recorder import Recorder

Emitted = list[tuple[EventKind, dict[str, object], int]]


def ending_on(rig: Rig, inbox: Inbox, emitted: Emitted, *, failing: bool) -> SessionEnding:
    """An ending for channel 1 of ``rig`` without a log; every event goes into ``emitted``
    with the number of STOPs the device had seen by then (and raises when ``failing``)."""
    plan = rig.engine("low-back", {1: 20_000}).plan
    rec = Recorder(None)

    def emit(kind: EventKind, channel: int | None, data: dict[str, object]) -> None:
        stops = sum(1 for e in rig.sim_events() if e["event"] == "stop")
        emitted.append((kind, data, stops))
        if failing:
            raise OSError(28, "No space left on device")

    io = ChannelIO(
        rig.device,
        rig.clock,
        plan,
        plan.new_ramps(),
        rec,
        emit,
        started_s=rig.clock.monotonic(),
        stopping=lambda: True,
    )
    return SessionEnding(io, rec, inbox, emit, rig.clock, rig.data_root)


def test_halt_stops_output_before_any_record_and_survives_a_failing_log(
    tmp_path: Path,
) -> None:
    emitted: Emitted = []
    with virtual_rig(tmp_path) as rig:
        ending = ending_on(rig, Inbox(lambda: None), emitted, failing=True)
        before = sum(1 for e in rig.sim_events() if e["event"] == "stop")
        error = OverDelivery("channel 1 delivered too much")
        confirmed = ending.halt(0, StopReason.FAULT, error)
    assert confirmed
    assert [kind for kind, _, _ in emitted] == [EventKind.EMERGENCY_STOP, EventKind.STOP]
    assert all(stops > before for _, _, stops in emitted)  # the STOP left before any record
    assert emitted[0][1] == {"error": str(error)}
    assert emitted[1][1] == {"reason": "fault", "confirmed": True}


def test_finish_records_the_end_with_the_detail_of_the_stop_asked_for(tmp_path: Path) -> None:
    emitted: Emitted = []
    inbox = Inbox(lambda: None)
    inbox.ask_stop(StopReason.SIGNAL, {"signal": "SIGHUP"})
    with virtual_rig(tmp_path) as rig:
        ending = ending_on(rig, inbox, emitted, failing=False)
        confirmed = ending.halt(1_500, StopReason.SIGNAL, None)
        result = ending.finish("s-1", 1_500, StopReason.SIGNAL, None, confirmed, ("w",))
    assert [kind for kind, _, _ in emitted] == [EventKind.STOP, EventKind.END]
    assert emitted[1][1] == {"reason": "signal", "signal": "SIGHUP"}
    assert result.session_id == "s-1"
    assert result.reason is StopReason.SIGNAL
    assert result.duration_ms == 1_500
    assert result.max_delivered_ua == {1: 0}
    assert result.warnings == ("w",)
    assert result.stop_confirmed
    assert result.detail == {"signal": "SIGHUP"}
    assert result.log_path is None  # not recording: no log, nothing indexed
