"""A channel's ramp at its edges (issue 17): its own 5 s soft-start minimum, the ceiling
itself, a step down to exactly 0, a lead that is off, and the words of every refusal."""

from __future__ import annotations

import pytest

from tenscontrol import hard_limits as hl
from tenscontrol.session.ramps import FOLLOW_UA_PER_S, ChannelRamp, apply_command, output_ua

SOFT = 10_000


def ramp(target: int | None = 20_000, ceiling: int = 50_000) -> ChannelRamp:
    r = ChannelRamp(1, ceiling, SOFT, target)
    r.start(0)
    return r


def test_the_ramp_refuses_a_soft_start_below_the_minimum_itself() -> None:
    ChannelRamp(1, 50_000, hl.MIN_SOFT_START_S * 1_000)
    with pytest.raises(ValueError, match="soft start 4999 ms is below the minimum"):
        ChannelRamp(1, 50_000, hl.MIN_SOFT_START_S * 1_000 - 1)


@pytest.mark.parametrize("target", [-1, 50_001])
def test_the_ramp_refuses_a_starting_target_outside_0_to_the_ceiling(target: int) -> None:
    with pytest.raises(ValueError, match=f"target {target} uA outside 0-50000"):
        ChannelRamp(1, 50_000, SOFT, target)


@pytest.mark.parametrize("target", [0, 50_000])
def test_a_starting_target_at_either_end_is_accepted(target: int) -> None:
    assert ChannelRamp(1, 50_000, SOFT, target).target_ua == target


def test_setting_the_ceiling_itself_is_accepted_one_above_is_refused_in_words() -> None:
    r = ramp()
    assert r.set_to(0, 50_000) is None
    assert r.target_ua == 50_000
    assert r.set_to(0, 50_001) == "50.001 mA is outside 0 to the ceiling of 50 mA of channel 1"


def test_an_up_step_past_the_ceiling_says_where_the_ceiling_is() -> None:
    r = ramp(22_500, ceiling=23_000)
    assert r.up(0) == "at the ceiling of 23 mA"


def test_a_step_down_from_less_than_one_step_lands_on_0() -> None:
    r = ramp(hl.MAX_USER_STEP_UA // 2)
    assert r.down(0) is None
    assert r.target_ua == 0
    assert r.amplitude(SOFT, 1_000, 10**9) == 0


def test_with_the_lead_off_only_0_may_be_set() -> None:
    r = ramp()
    r.lead_lost(1_000)
    assert r.set_to(2_000, 0) is None
    assert r.target_ua == 0
    assert r.set_to(2_000, 1) == "the lead is off; reattach the pad first"
    assert r.up(2_000) == "the lead is off; reattach the pad first"


def test_resume_and_lead_back_clear_their_flags() -> None:
    r = ramp()
    r.pause(1_000)
    r.resume(2_000)
    assert r.paused is False
    r.lead_lost(3_000)
    r.lead_back(4_000)
    assert r.lead_off is False


def test_an_accepted_pause_carries_no_reason() -> None:
    ramps = {1: ramp()}
    assert apply_command(ramps, "pause", 1, None, 0) == [
        (1, "command", {"command": "pause", "target_ua": 20_000})
    ]


def test_a_step_down_while_the_level_still_follows_a_raise_lowers_from_the_level() -> None:
    ramps = {1: ramp(20_000)}
    assert ramps[1].set_to(SOFT, 40_000) is None  # the level follows at FOLLOW_UA_PER_S
    assert apply_command(ramps, "down", 1, None, SOFT + 1_000) == [
        (1, "command", {"command": "down", "target_ua": 39_000})
    ]
    assert ramps[1].amplitude(SOFT + 1_000, 1_000, 10**9) == 20_000 + FOLLOW_UA_PER_S


def test_a_set_without_a_value_is_refused_as_below_0() -> None:
    ramps = {1: ramp()}
    [(_, outcome, data)] = apply_command(ramps, "set", 1, None, 0)
    assert (outcome, data["why"]) == (
        "refused",
        "-0.001 mA is outside 0 to the ceiling of 50 mA of channel 1",
    )
    assert ramps[1].target_ua == 20_000


# output_ua at its edges (mutation testing found these unpinned): 1 ms into the soft start
# or 1 ms before the end is already a little current, 1 uA at full scale is 1 uA, and
# modulation outside 0-1000 permille is clamped, never an increase and never below 0.
RAMP_DOWN_MS = hl.RAMP_DOWN_S * 1_000


def test_one_ms_into_the_soft_start_is_already_a_little_current() -> None:
    assert output_ua(80_000, 1_000, 1, 5_000, 60_000) == 80_000 // 5_000  # 16 uA


def test_one_ms_before_the_end_is_still_a_little_current() -> None:
    assert output_ua(80_000, 1_000, 5_000, 5_000, 1) == 80_000 // RAMP_DOWN_MS  # 26 uA


def test_one_microamp_at_full_scale_is_one_microamp() -> None:
    assert output_ua(1, 1_000, 5_000, 5_000, RAMP_DOWN_MS) == 1


@pytest.mark.parametrize("level", [-1, -80_000])
def test_a_negative_level_gives_0_whatever_the_rest(level: int) -> None:
    assert output_ua(level, 1_000, 2_500, 5_000, RAMP_DOWN_MS) == 0


@pytest.mark.parametrize(
    ("permille", "expected"), [(-500, 0), (0, 0), (1_000, 80_000), (2_000, 80_000)]
)
def test_modulation_outside_0_to_1000_permille_is_clamped(permille: int, expected: int) -> None:
    assert output_ua(80_000, permille, 5_000, 5_000, RAMP_DOWN_MS) == expected
