"""The engine on the simulated device in virtual time: the shape of a session, user
commands, every simulator fault, and determinism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_mock import MockerFixture
from session_helpers import (
    Rig,
    delivered_series,
    device_s,
    outputs_within_setpoints,
    virtual_rig,
)

from tenscontrol import hard_limits as hl
from tenscontrol.device import TelemetrySample
from tenscontrol.device.state import DeviceEvent
from tenscontrol.errors import (
    DeviceFault,
    DeviceRebooted,
    DeviceTimeout,
    OverDelivery,
    PortLost,
    UserInputError,
)
from tenscontrol.protocol import Setpoint
from tenscontrol.records.logreader import read_log
from tenscontrol.session import Event, SessionEngine


def events_of(result_path: Path | None, kind: str) -> list[dict[str, Any]]:
    assert result_path is not None
    return [e for e in read_log(result_path).events if e["event"] == kind]


def at(rig: Rig, engine: SessionEngine, when_s: float, action: Any) -> None:
    """Run ``action(engine)`` once at device time ``when_s`` (deterministic, in the engine
    thread: the device calls subscribers while the engine pumps the link)."""
    done: list[bool] = []

    def fire(event: DeviceEvent) -> None:
        if not done and isinstance(event, TelemetrySample) and event.at >= when_s:
            done.append(True)
            action(engine)

    rig.device.subscribe(fire)


def test_a_session_soft_starts_holds_ramps_down_and_completes(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 20_000}, duration_ms=60_000)
        result = engine.run()
        assert result.reason == "completed"
        assert result.error is None
        assert result.stop_confirmed
        assert result.duration_ms == 60_000
        assert result.max_delivered_ua == {1: 20_000}
        assert rig.model.channel(1).delivered_ua == 0
        assert engine.snapshot().state == "ended"
    sim = rig.sim_events()
    assert not outputs_within_setpoints(sim)
    series = delivered_series(sim, 1)
    t0 = series[0][0]
    # soft start: 10 s from 0 to 20 mA (2 mA/s), never faster
    for t, ua in series:
        if t - t0 < 10:
            assert ua <= 20_000 * (t - t0 + 0.2) / 10
    # ramp-down over the last 3 s, then 0
    late = [ua for t, ua in series if t - t0 > 60 - hl.RAMP_DOWN_S + 0.2]
    assert late
    assert max(late) < 20_000
    assert late[-1] == 0


def test_output_waits_at_zero_without_an_intensity_until_the_user_raises(
    tmp_path: Path,
) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: None}, duration_ms=30_000)
        at(rig, engine, 10.0, lambda e: e.set_intensity(1, 8_000))
        result = engine.run()
    assert result.reason == "completed"
    series = delivered_series(rig.sim_events(), 1)
    assert series
    assert series[0][0] > 10
    assert result.max_delivered_ua[1] == 8_000


def test_pause_is_zero_at_once_and_resume_soft_starts(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 20_000}, duration_ms=40_000)
        seen: dict[str, int] = {}
        at(rig, engine, 15.0, lambda e: e.pause())
        at(rig, engine, 15.06, lambda e: seen.setdefault("paused", rig.model.channel(1).output_ua))
        at(rig, engine, 20.0, lambda e: e.resume())
        at(rig, engine, 25.0, lambda e: seen.setdefault("resumed", rig.model.channel(1).output_ua))
        result = engine.run()
    assert result.reason == "completed"
    assert seen["paused"] == 0
    assert 9_000 <= seen["resumed"] <= 11_000  # half way through a new 10 s soft start
    commands = [e["command"] for e in events_of(result.log_path, "command")]
    assert commands == ["pause", "resume"]


def test_user_steps_are_rate_limited_and_refusals_logged(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 10_000}, duration_ms=30_000)

        def press(e: SessionEngine) -> None:
            for _ in range(5):
                e.up(1)

        at(rig, engine, 12.0, press)
        result = engine.run()
    accepted = events_of(result.log_path, "command")
    refused = events_of(result.log_path, "refused")
    assert len(accepted) == hl.MAX_USER_UP_STEPS_PER_S
    assert len(refused) == 5 - hl.MAX_USER_UP_STEPS_PER_S
    assert result.max_delivered_ua[1] == 12_000


def test_lead_off_zeroes_the_channel_and_nothing_comes_back_until_raised(
    tmp_path: Path,
) -> None:
    with virtual_rig(tmp_path, "lead_off=1@15&lead_on=1@20") as rig:
        engine = rig.engine("low-back", {1: 20_000}, duration_ms=60_000)
        at(rig, engine, 30.0, lambda e: e.set_intensity(1, 6_000))
        result = engine.run()
    assert result.reason == "completed"
    sim = rig.sim_events()
    assert not outputs_within_setpoints(sim)
    leads = [(e["lead"]) for e in events_of(result.log_path, "lead")]
    assert leads == ["off", "on"]
    starts = [e["event"] for e in sim if e["event"] in ("start", "lead")]
    assert starts == ["start", "lead", "lead", "start"]  # a new START only after the raise
    series = delivered_series(sim, 1)
    between = [ua for t, ua in series if 15 <= t < 30]
    assert between == [0]  # zeroed at the lead-off, nothing until the raise at 30 s
    after = [ua for t, ua in series if t >= 30]
    assert max(after) == 6_000  # the new target, not the forgotten 20 mA


def test_over_delivery_trips_the_host_before_the_device(tmp_path: Path) -> None:
    with virtual_rig(tmp_path, "overdeliver=1@30:50") as rig:
        result = rig.engine("low-back", {1: 20_000}, duration_ms=60_000).run()
        assert rig.model.channel(1).delivered_ua == 0
    assert result.reason == "fault"
    assert isinstance(result.error, OverDelivery)
    sim = rig.sim_events()
    injected = next(device_s(e) for e in sim if e["event"] == "overdeliver")
    stopped = next(device_s(e) for e in sim if e["event"] == "stop" and device_s(e) >= injected)
    assert 0.1 - 1e-6 <= stopped - injected <= 0.15  # third excessive frame (float stamps)
    assert not [e for e in sim if e["event"] == "fault"]  # the device never had to latch
    fault = events_of(result.log_path, "fault")[0]
    assert fault["source"] == "host"


def test_a_lowering_setpoint_does_not_trip_the_over_delivery_check(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 40_000}, duration_ms=30_000)
        at(rig, engine, 12.0, lambda e: e.set_intensity(1, 1_000))
        at(rig, engine, 14.0, lambda e: e.set_intensity(1, 30_000))
        at(rig, engine, 16.0, lambda e: e.pause())
        result = engine.run()
    assert result.reason == "completed"


@pytest.mark.parametrize(
    ("options", "reason", "error"),
    [
        ("reboot_at=20", "device_lost", DeviceRebooted),
        ("unplug_at=20", "device_lost", PortLost),
        ("low_battery_at=20", "fault", DeviceFault),
    ],
)
def test_device_faults_end_the_session_with_output_zero_and_a_reason(
    tmp_path: Path, options: str, reason: str, error: type[Exception]
) -> None:
    with virtual_rig(tmp_path, options) as rig:
        result = rig.engine("sciatic-leg", {1: 20_000, 2: 15_000}, duration_ms=60_000).run()
        if "unplug" not in options:
            assert rig.model.channel(1).delivered_ua == 0
            assert rig.model.channel(2).delivered_ua == 0
    assert result.reason == reason
    assert isinstance(result.error, error)
    assert 19_900 <= result.duration_ms <= 20_200
    sim = rig.sim_events()
    assert not outputs_within_setpoints(sim)
    if "reboot" in options:  # never resumed: no START after the reboot
        boot = max(i for i, e in enumerate(sim) if e["event"] == "boot")
        assert not [e for e in sim[boot:] if e["event"] in ("start", "set")]
    summary = read_log(result.log_path).summary  # type: ignore[arg-type]
    assert summary is not None
    assert summary["reason"] == reason


def test_a_noisy_link_completes_or_stops_safely(tmp_path: Path) -> None:
    with virtual_rig(tmp_path, "seed=7&corrupt_rate=0.001&drop_rate=0.005") as rig:
        result = rig.engine("sciatic-leg", {1: 20_000, 2: 15_000}, duration_ms=120_000).run()
        assert rig.model.channel(1).delivered_ua == 0
    assert result.reason in ("completed", "device_lost")
    assert not outputs_within_setpoints(rig.sim_events())
    assert rig.device.stats.frame_errors > 0


def test_stop_during_the_soft_start_reaches_zero_at_once(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 30_000}, duration_ms=60_000)
        at(rig, engine, 5.0, lambda e: e.request_stop())
        result = engine.run()
        assert rig.model.channel(1).delivered_ua == 0
        assert rig.model.channel(1).setpoint_ua == 0
    assert result.reason == "user"
    sim = rig.sim_events()
    stop = next(device_s(e) for e in sim if e["event"] == "stop" and device_s(e) >= 5.0)
    zero = next(device_s(e) for e in sim if e["event"] == "output" and e["amplitude_ua"] == 0)
    assert stop - 5.0 <= 0.06
    assert zero <= stop


def test_duration_and_intensity_refused_before_anything_is_sent(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        with pytest.raises(UserInputError, match="maximum"):
            rig.engine("low-back", {1: 10_000}, duration_ms=31 * 60_000)
        with pytest.raises(UserInputError, match="profile ceiling"):
            rig.engine("low-back", {1: 50_001})
    assert not [e for e in rig.sim_events() if e["event"] in ("start", "set")]


def test_snapshot_and_events_describe_the_session(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("sciatic-leg", {1: 20_000, 2: None}, duration_ms=30_000)
        seen: list[Event] = []
        engine.subscribe(seen.append)
        snaps = []
        at(rig, engine, 15.0, lambda e: snaps.append(e.snapshot()))
        engine.run()
    snap = snaps[0]
    assert snap.state == "running"
    assert snap.simulated
    assert 14_000 <= snap.elapsed_ms <= 15_000
    assert snap.remaining_ms == 30_000 - snap.elapsed_ms
    assert snap.stimulating
    assert snap.phase_index == 0
    one, two = snap.channels
    assert (one.target_ua, one.setpoint_ua) == (20_000, 20_000)
    assert (two.target_ua, two.setpoint_ua, two.lead) == (None, 0, "ok")
    assert snap.battery_pct is not None
    assert snap.link_quality == 1.0
    kinds = [e.kind for e in seen]
    assert kinds[0] == "daily_total"
    assert kinds[-1] == "end"
    assert "telemetry" in kinds
    assert "setpoint" in kinds


def test_identical_seeds_give_byte_identical_logs(tmp_path: Path) -> None:
    logs = []
    for run in range(2):
        folder = tmp_path / f"run{run}"
        folder.mkdir()
        options = "seed=5&corrupt_rate=0.001&drop_rate=0.002&lead_off=2@20&lead_on=2@22"
        with virtual_rig(folder, options) as rig:
            engine = rig.engine("sciatic-leg", {1: 20_000, 2: 15_000}, duration_ms=60_000)
            at(rig, engine, 30.0, lambda e: e.set_intensity(2, 9_000))
            result = engine.run()
        assert result.log_path is not None
        logs.append(result.log_path.read_bytes())
    assert logs[0] == logs[1]
    assert b'"lead":"off"' in logs[0]
    header = json.loads(logs[0].splitlines()[0])
    assert header["simulated"] is True
    assert header["schema"] == 1


def test_a_set_lost_after_all_its_retries_is_sent_again_not_fatal(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    with virtual_rig(tmp_path) as rig:
        real = rig.device.set_channel
        calls = {"n": 0}

        def flaky(setpoint: Setpoint) -> Setpoint:
            calls["n"] += 1
            if calls["n"] in (3, 4):  # two SETs in a row lost for good
                raise DeviceTimeout("no answer to SET after 3 attempt(s)")
            return real(setpoint)

        mocker.patch.object(rig.device, "set_channel", side_effect=flaky)
        engine = rig.engine("low-back", {1: 10_000}, duration_ms=20_000)
        result = engine.run()
    assert result.reason == "completed"
    assert calls["n"] > 4
