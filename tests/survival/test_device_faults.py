"""The device misbehaves mid-session: unplugged, rebooted, a lead off and back,
over-delivery. ``tens simulate --pty`` injects the fault at :data:`FAULT_AT_S` seconds after
its start; ``tens start`` is started right after the simulator and is delivering by then
(each test checks that in the simulator's log, so a fault that came too early fails loudly
instead of testing nothing)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from survival.survival_helpers import (
    FAULT_AT_S,
    PtyRig,
    Record,
    after,
    assert_all_zero_at_end,
    assert_delivered_within_setpoint,
    between,
    delivering_before,
    first,
    outputs,
    session_log,
    sim_events,
    tens,
)
from tenscontrol.protocol.constants import DEVICE_OVER_DELIVERY_MS
from tenscontrol.records.logreader import read_log

#: Exit code of a device or link problem, and of a safety stop (``tens start``).
EXIT_DEVICE = 3
EXIT_SAFETY = 4
#: The issue's bound: ``tens start`` is gone within 1 s of the unplug.
UNPLUG_EXIT_S = 1.0


def _assert_delivering_at(events: list[Record], when: float) -> None:
    assert delivering_before(events, when).get(1, 0) > 0, (
        "channel 1 was not delivering yet when the fault came: tens start started too late"
    )


def test_unplug_exits_3_within_1_s_and_the_log_ends_with_device_lost(
    home: Path, sim_log: Path, pty_rig: PtyRig
) -> None:
    args = ("--unplug-at", str(FAULT_AT_S))
    with pty_rig(args) as ctl:
        code = ctl.finish()
    events = sim_events(sim_log)
    unplug = first(events, "unplug")
    _assert_delivering_at(events, unplug["t"])

    assert code == EXIT_DEVICE, ctl.stderr
    assert ctl.exited_at is not None
    latency_s = ctl.exited_at - unplug["t"]
    print(f"unplug -> tens start exited: {latency_s * 1_000:.1f} ms")
    assert latency_s <= UNPLUG_EXIT_S, latency_s
    (lost,) = ctl.events("device_lost")
    assert "went away" in lost["error"]
    end = ctl.end()
    assert (end["reason"], end["exit_code"], end["stop_confirmed"]) == ("device_lost", 3, False)

    # the device lost its power with the port: every channel 0 at that instant, then silence
    rest = after(events, unplug)
    assert rest, "the unplug must log the output drop"
    assert all(e["event"] == "output" and e["amplitude_ua"] == 0 for e in rest), rest
    assert all(e["t"] == unplug["t"] for e in rest)
    assert_all_zero_at_end(events)

    record = read_log(session_log(home))
    assert (record.status, record.reason) == ("complete", "device_lost")
    assert record.summary is not None
    assert record.summary["error"].startswith("PortLost:")
    assert [e["event"] for e in record.events[-3:]] == ["device_lost", "stop", "end"]
    assert record.events[-2]["confirmed"] is False


def test_reboot_exits_3_and_no_output_resumes(home: Path, sim_log: Path, pty_rig: PtyRig) -> None:
    args = ("--reboot-at", str(FAULT_AT_S))
    with pty_rig(args) as ctl:
        code = ctl.finish()
        # the simulator outlives the controller: anything it did after the exit is logged
    events = sim_events(sim_log)
    reboot = first(events, "reboot")
    _assert_delivering_at(events, reboot["t"])
    boot = first(events, "boot", after=reboot["t"])
    assert boot["reason"] == "MCU_WATCHDOG"

    assert code == EXIT_DEVICE, ctl.stderr
    end = ctl.end()
    assert (end["reason"], end["exit_code"]) == ("device_lost", 3)
    assert "restarted" in end["error"]
    assert ctl.events("device_lost")

    # never resumed: no START after the BOOT, no SET in force, every output 0
    since_boot = after(events, boot)
    assert not [e for e in since_boot if e["event"] in ("start", "set")], since_boot
    assert all(e["amplitude_ua"] == 0 for e in outputs(after(events, reboot)))
    assert_all_zero_at_end(events)

    record = read_log(session_log(home))
    assert (record.status, record.reason) == ("complete", "device_lost")
    assert record.summary is not None
    assert record.summary["error"].startswith("DeviceRebooted:")


def test_lead_off_then_on_stays_0_until_raised_then_soft_starts(
    home: Path, env: dict[str, str], sim_log: Path, pty_rig: PtyRig
) -> None:
    off_at, on_at = FAULT_AT_S, FAULT_AT_S + 0.5
    args = ("--lead-off", f"1@{off_at}", "--lead-on", f"1@{on_at}")
    target_ua = 5_000
    with pty_rig(args) as ctl:
        off = ctl.wait_for(lambda r: r["event"] == "lead" and r["lead"] == "off")
        assert (off["channel"], off["target_forgotten"]) == (1, True)
        ctl.wait_for(lambda r: r["event"] == "lead" and r["lead"] == "on")
        # the lead is back, the session goes on with channel 1 at 0 until raised
        idle = ctl.wait_for(lambda r: r["event"] == "status")
        assert idle["state"] == "running"
        assert (idle["channels"][0]["delivered_ua"], idle["channels"][0]["target_ua"]) in (
            (0, None),
            (0, 0),
        )
        raised_at = time.monotonic()
        adjusted = tens(env, "adjust", f"={target_ua // 1_000}")
        assert adjusted.returncode == 0, (adjusted.stderr, ctl.lines[-4:])
        ctl.wait_stimulating()
        ctl.send_signal(signal.SIGTERM)
        assert ctl.finish() == 0, ctl.stderr
    end = ctl.end()
    assert (end["reason"], end["stop_confirmed"]) == ("signal", True)
    assert ctl.events("adjust")

    events = sim_events(sim_log)
    lead_off = first(events, "lead")
    assert (lead_off["channel"], lead_off["lead"]) == (1, "off")
    _assert_delivering_at(events, lead_off["t"])
    lead_on = next(e for e in after(events, lead_off) if e["event"] == "lead")
    assert lead_on["lead"] == "on"
    restart = next(e for e in after(events, lead_on) if e["event"] == "start")
    assert restart["channel_mask"] & 1
    assert restart["t"] >= raised_at, "channel 1 was restarted before anyone raised it"
    # from the lead-off to the START that followed the raise: channel 1 at 0
    dark = outputs(between(events, lead_off, restart), 1)
    assert dark == [{**dark[0], "amplitude_ua": 0}], dark  # the drop at the lead-off only
    # then up again through a soft start, never straight to the target
    sets = [e["amplitude_ua"] for e in after(events, restart) if e["event"] == "set"]
    rising = [a for a in sets if a > 0]
    assert rising
    assert rising[0] <= target_ua // 10, rising[:5]
    assert rising == sorted(rising)
    assert max(rising) < target_ua
    assert [e for e in outputs(after(events, restart), 1) if e["amplitude_ua"] > 0]
    assert_delivered_within_setpoint(events, ceiling_ua=20_000)
    assert_all_zero_at_end(events)

    record = read_log(session_log(home))
    assert (record.status, record.reason) == ("complete", "signal")
    leads = [e["lead"] for e in record.events if e["event"] == "lead"]
    assert leads == ["off", "on"]


def test_over_delivery_is_an_emergency_stop_exit_4(
    home: Path, sim_log: Path, pty_rig: PtyRig
) -> None:
    args = ("--overdeliver", f"1@{FAULT_AT_S}:50")
    with pty_rig(args) as ctl:
        code = ctl.finish()
    events = sim_events(sim_log)
    over = first(events, "overdeliver")
    _assert_delivering_at(events, over["t"])

    assert code == EXIT_SAFETY, ctl.stderr
    end = ctl.end()
    assert (end["reason"], end["exit_code"], end["stop_confirmed"]) == ("fault", 4, True)
    faults = ctl.events("fault")
    # the host's own check trips after 100 ms; on a very slow host the device's (200 ms)
    assert {r.get("fault") for r in faults} & {"HOST_OVER_DELIVERY", "OVER_DELIVERY"}, faults
    assert any(r["detail"] == "emergency_stop" for r in faults), faults

    # output 0 no later than the device's own over-delivery trip, then STOP, then nothing
    zero = next(e for e in outputs(after(events, over), 1) if e["amplitude_ua"] == 0)
    assert zero["t"] - over["t"] <= DEVICE_OVER_DELIVERY_MS / 1_000 + 0.001
    stop = first(events, "stop", after=over["t"])
    assert not [e for e in outputs(after(events, stop)) if e["amplitude_ua"]]
    assert_all_zero_at_end(events)

    record = read_log(session_log(home))
    assert (record.status, record.reason) == ("complete", "fault")
    kinds = [e["event"] for e in record.events]
    assert "emergency_stop" in kinds
    fault = next(e for e in record.events if e["event"] == "fault")
    assert fault["fault"] in ("HOST_OVER_DELIVERY", "OVER_DELIVERY")
    assert fault["delivered_ua"] > fault["commanded_ua"]
