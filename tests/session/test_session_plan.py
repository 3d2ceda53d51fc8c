"""The plan of a session (pure: caps passed in, nothing read from disk) and the inbox where
other threads leave commands and stops."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from session_helpers import virtual_rig

from tenscontrol import hard_limits as hl
from tenscontrol.device.state import DeviceInfo
from tenscontrol.errors import UserInputError
from tenscontrol.profiles import resolve
from tenscontrol.protocol import Identity, IdentityFlag
from tenscontrol.protocol.vectors import SIM_CHANNEL
from tenscontrol.session import SessionEngine
from tenscontrol.session.config import UserCaps
from tenscontrol.session.events import StopReason
from tenscontrol.session.inbox import Command, CommandKind, Inbox, StopRequest
from tenscontrol.session.plan import plan_session
from tenscontrol.session.ramps import apply_command


def info(channels: int = 2) -> DeviceInfo:
    chans = (SIM_CHANNEL,) * channels
    flags = IdentityFlag.SIMULATOR
    identity = Identity(1, 0, 1, 1, flags, (0, 1, 0), "T", "S", 100, 1000, 1000, 50, 20_000, chans)
    return DeviceInfo(identity, 1, (SIM_CHANNEL,) * channels)


def test_the_plan_fixes_duration_ceilings_and_starting_targets() -> None:
    plan = plan_session(resolve("sciatic-leg"), info(), UserCaps({2: 12_000}), {1: 20_000})
    assert plan.channels == (1, 2)
    assert plan.intensities_ua == {1: 20_000, 2: None}
    assert plan.duration_ms == min(plan.profile.duration_ms, hl.MAX_SESSION_S * 1_000)
    assert plan.limits.of(2).binding == "user cap"
    ramps = plan.new_ramps()
    assert [(r.ceiling_ua, r.target_ua) for r in ramps.values()] == [
        (plan.limits.of(1).ceiling_ua, 20_000),
        (12_000, None),
    ]


def test_the_plan_refuses_before_anything_is_sent() -> None:
    profile = resolve("low-back")
    with pytest.raises(UserInputError, match="connect the device"):
        plan_session(profile, None, UserCaps())
    with pytest.raises(UserInputError, match="session duration"):
        plan_session(profile, info(), UserCaps(), duration_ms=0)
    with pytest.raises(UserInputError, match="session duration"):
        plan_session(profile, info(), UserCaps(), duration_ms=profile.duration_ms + 1)
    with pytest.raises(UserInputError, match="outside 20-250 ms"):
        plan_session(profile, info(), UserCaps(), period_ms=19)
    with pytest.raises(UserInputError, match="soft start"):
        plan_session(replace(profile, soft_start_ms=4_999), info(), UserCaps())
    with pytest.raises(UserInputError, match="user cap"):
        plan_session(profile, info(), UserCaps({1: 10_000}), {1: 10_001})


def test_the_engine_reads_no_config_file(tmp_path: Path) -> None:
    """A config.toml in the data folder is the caller's to read: the engine uses the caps it
    is given, and refuses to be built without any."""
    with virtual_rig(tmp_path) as rig:
        rig.data_root.mkdir(parents=True)
        (rig.data_root / "config.toml").write_text("[caps]\nchannel1_max_ma = 10\n")
        engine = rig.engine("low-back", {1: 20_000}, caps=UserCaps())
        assert engine.limits.of(1).ceiling_ua == 50_000
        with pytest.raises(TypeError, match="caps"):
            SessionEngine(engine.profile, rig.device, data_root=rig.data_root)  # type: ignore[call-arg]


MODULATED = plan_session(resolve("low-back-modulated"), info(), UserCaps(), {1: 18_000})


@given(st.integers(min_value=0, max_value=3_600_000))
def test_a_setpoint_never_exceeds_the_ramp_level_or_the_ceiling(t_ms: int) -> None:
    plan = MODULATED
    ramp = plan.new_ramps()[1]
    ramp.start(0)
    amp = plan.amplitude_ua(ramp, t_ms, plan.stimulation(min(t_ms, plan.duration_ms - 1)))
    assert 0 <= amp <= min(18_000, plan.limits.of(1).ceiling_ua)
    if t_ms >= plan.duration_ms:
        assert amp == 0  # past the end: the ramp-down is over


def test_the_first_stop_wins_and_every_ask_wakes_the_engine() -> None:
    wakes: list[int] = []
    inbox = Inbox(lambda: wakes.append(1))
    assert not inbox.has_work()
    with pytest.raises(ValueError, match="nonsense"):
        inbox.ask_stop("nonsense")
    assert inbox.stop is None
    inbox.ask_stop(StopReason.SIGNAL, {"signal": "SIGHUP"})
    inbox.ask_stop("user")
    assert inbox.stop == StopRequest(StopReason.SIGNAL, {"signal": "SIGHUP"})
    assert inbox.has_work()
    assert len(wakes) == 2


def test_commands_come_out_in_order_once() -> None:
    inbox = Inbox(lambda: None)
    sent = [Command(CommandKind.UP, 1, origin="a"), Command(CommandKind.SET, 2, 5_000)]
    for command in sent:
        inbox.put(command)
    assert inbox.has_work()
    assert list(inbox.commands()) == sent
    assert list(inbox.commands()) == []
    assert not inbox.has_work()


def test_commands_from_many_threads_are_all_kept() -> None:
    inbox = Inbox(lambda: None)

    def press(channel: int) -> None:
        for _ in range(500):
            inbox.put(Command(CommandKind.DOWN, channel))

    threads = [threading.Thread(target=press, args=(n,)) for n in (1, 2, 3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(list(inbox.commands())) == 2_000


def test_a_command_kind_is_logged_as_its_plain_name() -> None:
    plan = plan_session(resolve("low-back"), info(), UserCaps(), {1: 10_000})
    ramps = plan.new_ramps()
    [(_, outcome, data)] = apply_command(ramps, CommandKind.UP, 1, None, 0)
    assert outcome == "command"
    assert type(data["command"]) is str
    assert data["command"] == "up"
