"""Ramps and user rules, pure: soft start, follow ramp, steps, pause, lead-off, ramp-down.

Includes the hypothesis state machine over random sequences of user actions, telemetry
(lead changes) and the session end: the output never exceeds the ceiling, never rises faster
than the ramp or step rules, is 0 after a lead-off until raised again, and ends at 0.
"""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tenscontrol import hard_limits as hl
from tenscontrol.session.ramps import (
    FOLLOW_UA_PER_S,
    RAMP_DOWN_MS,
    ChannelRamp,
    apply_command,
    output_ua,
)

SOFT = 10_000


def ramp(target: int | None = 20_000, ceiling: int = 50_000) -> ChannelRamp:
    r = ChannelRamp(1, ceiling, SOFT, target)
    r.start(0)
    return r


def amp(r: ChannelRamp, t: int, remaining: int = 10**9) -> int:
    return r.amplitude(t, 1_000, remaining)


def test_soft_start_is_linear_from_zero_over_the_profile_soft_start() -> None:
    r = ramp(20_000)
    assert amp(r, 0) == 0
    assert amp(r, 2_500) == 5_000
    assert amp(r, 5_000) == 10_000
    assert amp(r, 10_000) == 20_000
    assert amp(r, 60_000) == 20_000


def test_no_target_waits_at_zero_until_raised_then_soft_starts() -> None:
    r = ramp(None)
    assert amp(r, 5_000) == 0
    assert r.set_to(5_000, 10_000) is None
    assert amp(r, 5_000) == 0
    assert amp(r, 10_000) == 5_000
    assert amp(r, 15_000) == 10_000


def test_raises_follow_the_ramp_and_lowers_apply_at_once() -> None:
    r = ramp(20_000)
    assert amp(r, 10_000) == 20_000
    assert r.set_to(10_000, 40_000) is None
    assert amp(r, 10_000) == 20_000
    assert amp(r, 11_000) == 20_000 + FOLLOW_UA_PER_S
    assert amp(r, 30_000) == 40_000
    assert r.set_to(30_000, 5_000) is None
    assert amp(r, 30_000) == 5_000
    r.down(30_000)
    assert amp(r, 30_000) == 4_000


def test_up_steps_are_limited_in_size_and_rate_and_by_the_ceiling() -> None:
    r = ramp(20_000, ceiling=23_000)
    assert amp(r, 10_000) == 20_000
    assert r.up(10_000) is None
    assert r.up(10_100) is None
    assert r.up(10_200) is not None  # a third within one second
    assert r.target_ua == 22_000
    assert r.up(11_000) is None
    assert r.up(11_100) is not None  # 24 mA would pass the ceiling
    assert amp(r, 11_000) <= 20_000 + FOLLOW_UA_PER_S
    assert amp(r, 12_500) == 23_000
    for t in range(12_500, 12_600, 10):
        assert r.down(t) is None  # downs are never limited
    assert amp(r, 12_600) == 13_000


def test_pause_is_zero_at_once_and_resume_soft_starts_to_the_kept_target() -> None:
    r = ramp(20_000)
    assert amp(r, 20_000) == 20_000
    r.pause(20_000)
    assert amp(r, 20_000) == 0
    r.resume(30_000)
    assert amp(r, 30_000) == 0
    assert amp(r, 35_000) == 10_000
    assert amp(r, 40_000) == 20_000


def test_lead_off_forgets_the_target_until_the_user_raises_after_the_lead_is_back() -> None:
    r = ramp(20_000)
    r.lead_lost(20_000)
    assert amp(r, 20_000) == 0
    assert r.target_ua is None
    assert r.up(21_000) is not None  # lead still off: refused
    r.lead_back(22_000)
    assert amp(r, 30_000) == 0  # not restored
    assert r.needs_start
    assert r.up(31_000) is None
    assert amp(r, 31_000) == 0
    assert amp(r, 41_000) == 1_000  # a new soft start to the new, small target


def test_ramp_down_over_the_last_seconds_and_floors() -> None:
    assert output_ua(30_000, 1_000, SOFT, SOFT, RAMP_DOWN_MS) == 30_000
    assert output_ua(30_000, 1_000, SOFT, SOFT, RAMP_DOWN_MS // 2) == 15_000
    assert output_ua(30_000, 1_000, SOFT, SOFT, 0) == 0
    assert output_ua(30_000, 500, SOFT, SOFT, RAMP_DOWN_MS) == 15_000
    assert output_ua(7, 999, 1, SOFT, 1) == 0
    assert RAMP_DOWN_MS == hl.RAMP_DOWN_S * 1_000


CEILING = 30_000
PERIOD = 100


class RampMachine(RuleBasedStateMachine):
    """Random user actions, lead changes and time, checking the sent output after each."""

    @initialize(initial=st.one_of(st.none(), st.integers(0, CEILING)))
    def begin(self, initial: int | None) -> None:
        self.ramp = ChannelRamp(1, CEILING, SOFT, initial)
        self.ramp.start(0)
        self.now = 0
        self.last_out = 0
        self.end_ms = 10**9
        self.ended = False
        self.lead_zeroed = False  # a lead-off happened and no raise was accepted since
        self.check()

    def output(self) -> int:
        return self.ramp.amplitude(self.now, 1_000, self.end_ms - self.now)

    def check(self) -> None:
        out = self.output()
        assert 0 <= out <= CEILING
        rise = out - self.last_out
        # never faster than a soft start to the ceiling, or the follow ramp, per tick
        allowed = CEILING * PERIOD // SOFT + FOLLOW_UA_PER_S * PERIOD // 1_000 + 1
        assert rise <= allowed
        if self.lead_zeroed:
            assert out == 0
        if self.ended:
            assert out == 0
        self.last_out = out

    @rule(ticks=st.integers(1, 30))
    def time_passes(self, ticks: int) -> None:
        for _ in range(ticks):
            self.now += PERIOD
            self.check()

    @rule()
    def up(self) -> None:
        if self.ramp.up(self.now) is None:
            self.lead_zeroed = False
        self.check()

    @rule()
    def down(self) -> None:
        before = self.output()
        self.ramp.down(self.now)
        assert self.output() <= before
        self.check()

    @rule(value=st.integers(-5, CEILING + 5_000))
    def set_to(self, value: int) -> None:
        target = value
        before = self.output()
        why = self.ramp.set_to(self.now, target)
        if why is None and target > 0:
            self.lead_zeroed = False
        if why is not None:
            assert target > CEILING or target < 0 or self.ramp.lead_off
        if target <= before:
            assert self.output() <= max(target, 0) or why is not None
        self.check()

    @rule()
    def pause(self) -> None:
        self.ramp.pause(self.now)
        assert self.output() == 0
        self.check()

    @rule()
    def resume(self) -> None:
        self.ramp.resume(self.now)
        self.check()

    @rule()
    def lead_off(self) -> None:
        self.ramp.lead_lost(self.now)
        self.lead_zeroed = True
        assert self.output() == 0
        self.check()

    @rule()
    def lead_on(self) -> None:
        self.ramp.lead_back(self.now)
        self.check()

    @precondition(lambda self: not self.ended)
    @rule()
    def natural_end(self) -> None:
        self.end_ms = self.now + RAMP_DOWN_MS
        for _ in range(RAMP_DOWN_MS // PERIOD):
            self.now += PERIOD
            self.check()
        self.ended = True
        self.check()

    @invariant()
    def never_above_the_target(self) -> None:
        assert self.output() <= (self.ramp.target_ua or 0)


TestRamps = RampMachine.TestCase
TestRamps.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)


def test_commands_name_what_they_did_per_channel() -> None:
    ramps = {n: ChannelRamp(n, 50_000, SOFT, 10_000) for n in (1, 2)}
    for ramp in ramps.values():
        ramp.start(0)
    assert apply_command(ramps, "up", 3, None, 0) == [
        (3, "refused", {"command": "up", "why": "no such channel"})
    ]
    assert apply_command(ramps, "set", 1, 12_000, 0) == [
        (1, "command", {"command": "set", "target_ua": 12_000, "value_ua": 12_000})
    ]
    paused = apply_command(ramps, "pause", None, None, 0)
    assert [(n, outcome) for n, outcome, _ in paused] == [(1, "command"), (2, "command")]
    assert all(r.paused for r in ramps.values())
    [(_, outcome, data)] = apply_command(ramps, "reboot", 1, None, 0)
    assert (outcome, data["why"]) == ("refused", "unknown command 'reboot'")
