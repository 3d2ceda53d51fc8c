"""The host goes away mid-session, two ways.

* ``kill -9``: nothing in the controller runs, so the device's watchdog (500 ms, asked for
  by the host in START) must zero every channel on its own, within the watchdog period of
  the kill; the session log has no end record and reads back as interrupted.
* SIGTERM and SIGINT: the controller stops the output itself, confirmed by the device
  (its STOP in the simulator's log), exits 0 and writes a complete log.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from survival.survival_helpers import (
    DEADLINE_S,
    WATCHDOG_S,
    PtyRig,
    after,
    assert_all_zero_at_end,
    assert_delivered_within_setpoint,
    delivering_before,
    first,
    last_output_by_channel,
    outputs,
    session_log,
    sim_events,
    tens,
    wait_jsonl,
)
from tenscontrol.records.logreader import read_log

#: Slack on top of the watchdog for the simulator to read the host's last frame (it may
#: still sit in the pty when the host dies) and for stamping the kill time.
WATCHDOG_MARGIN_S = 0.1


def test_kill_9_mid_session_the_device_watchdog_zeroes_every_channel(
    home: Path, env: dict[str, str], sim_log: Path, pty_rig: PtyRig
) -> None:
    with pty_rig() as ctl:
        ctl.wait_stimulating()
        # and its log knows it (telemetry is logged at 1 Hz): then it dies
        wait_jsonl(
            session_log(home),
            lambda r: r.get("event") == "telemetry" and r["delivered_ua"]["1"] > 0,
        )
        killed_at = time.monotonic()
        ctl.proc.send_signal(signal.SIGKILL)
        assert ctl.proc.wait(DEADLINE_S) == -signal.SIGKILL
        wait_jsonl(sim_log, lambda e: e["event"] == "watchdog")
    events = sim_events(sim_log)

    # it was delivering when it died; the watchdog, not a STOP, zeroed the output
    assert delivering_before(events, killed_at).get(1, 0) > 0
    assert not [e for e in events if e["event"] == "stop" and e["t"] >= killed_at]
    watchdog = first(events, "watchdog")
    assert watchdog["timeout_ms"] == WATCHDOG_S * 1_000
    assert watchdog["t"] > killed_at  # fed until the kill
    host_lost = next(e for e in after(events, watchdog) if e["event"] == "fault")
    assert (host_lost["channel"], host_lost["fault"]) == (None, "HOST_LOST")
    # until the expiry the device holds (and ramps to) the last setpoint; then every
    # channel is at 0, within the watchdog period of the kill, and nothing rises again
    assert_all_zero_at_end(events)
    for zero in last_output_by_channel(events).values():
        latency_s = zero["t"] - killed_at
        print(f"kill -9 -> channel {zero['channel']} at 0: {latency_s * 1_000:.1f} ms")
        assert latency_s <= WATCHDOG_S + WATCHDOG_MARGIN_S, zero
    assert not [e for e in outputs(after(events, watchdog)) if e["amplitude_ua"]]
    assert_delivered_within_setpoint(events, ceiling_ua=20_000)

    # the session log has no end record: interrupted, with its last known state
    record = read_log(session_log(home))
    assert record.summary is None
    assert (record.status, record.reason) == ("interrupted", "interrupted")
    assert record.bad_lines == 0
    assert record.last.delivered_ua.get(1, 0) > 0
    assert record.last.setpoint_ua.get(1, 0) > 0
    assert not [e for e in record.events if e["event"] in ("stop", "end")]

    report = tens(env, "report", "last", "--json")
    assert report.returncode == 0, report.stderr
    shown = json.loads(report.stdout)
    assert (shown["status"], shown["reason"]) == ("interrupted", "interrupted")
    assert shown["session_id"] == record.session_id
    history = tens(env, "history", "--json")
    assert history.returncode == 0, history.stderr
    (row,) = json.loads(history.stdout)["sessions"]
    assert (row["id"], row["reason"], row["end_ms"]) == (record.session_id, "interrupted", None)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_with_output_0_confirmed_and_a_complete_log(
    home: Path, sim_log: Path, pty_rig: PtyRig, sig: signal.Signals
) -> None:
    with pty_rig() as ctl:
        ctl.wait_stimulating()
        signalled_at = time.monotonic()
        ctl.send_signal(sig)
        assert ctl.finish() == 0, ctl.stderr
    end = ctl.end()
    assert (end["reason"], end["stop_confirmed"], end["exit_code"]) == ("signal", True, 0)
    assert [r["reason"] for r in ctl.events("stop")] == ["signal"]

    events = sim_events(sim_log)
    assert delivering_before(events, signalled_at).get(1, 0) > 0
    assert_all_zero_at_end(events)
    assert_delivered_within_setpoint(events, ceiling_ua=20_000)
    stop = first(events, "stop", after=signalled_at)
    assert not [e for e in outputs(after(events, stop)) if e["amplitude_ua"]]
    assert not [e for e in events if e["event"] == "watchdog"]

    record = read_log(session_log(home))
    assert (record.status, record.reason) == ("complete", "signal")
    assert record.summary is not None
    assert record.summary["stop_confirmed"] is True
    assert record.events[-1]["event"] == "end"
