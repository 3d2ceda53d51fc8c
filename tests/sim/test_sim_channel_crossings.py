"""When the simulated channel's limit checks turn true during a ramp with injected
over-delivery, against a brute-force search of the ramp itself: from 0 and from a level
above 0 (issue 17: a ramp starting above 0 could latch up to 50 ms late unseen), at the
setpoint exactly, and never for a channel that is not ramping."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tenscontrol.protocol import Fault, Lead
from tenscontrol.protocol.vectors import SIM_CHANNEL
from tenscontrol.sim.channel import US_PER_S, Channel, ChannelStatus
from tenscontrol.sim.identity import SLEW_UA_PER_S


def ramping(setpoint_ua: int, over_percent: int, *, from_ua: int = 0, at_us: int = 0) -> Channel:
    """An enabled channel with ``over_percent`` injected, ramping from ``from_ua`` (reached
    on an earlier ramp) towards ``setpoint_ua`` since ``at_us``."""
    ch = Channel(1, SIM_CHANNEL)
    ch.enabled = True
    ch.over_percent = over_percent
    if from_ua:
        ch.set_setpoint(from_ua, 0)
        ch.ramp(from_ua * US_PER_S // SLEW_UA_PER_S)
        assert ch.output == from_ua
    ch.set_setpoint(setpoint_ua, at_us)
    return ch


def first_true_us(ch: Channel, now_us: int) -> int | None:
    """The first device time >= ``now_us`` at which a limit check would turn true, found by
    running copies of the ramp (binary search: the ramp only rises)."""

    def over(t_us: int) -> bool:
        copy = Channel(ch.number, ch.caps)
        copy.enabled, copy.over_percent = True, ch.over_percent
        copy.setpoint, copy.output = ch.setpoint, ch.output
        copy.anchor_us, copy.anchor_ua = ch.anchor_us, ch.anchor_ua
        copy.ramp(t_us)
        delivered = copy.measured(copy.output)
        return delivered > ch.caps.max_amplitude_ua or delivered > ch.over_delivery_limit()

    end = ch.anchor_us + -(-(ch.setpoint - ch.anchor_ua) * US_PER_S // SLEW_UA_PER_S)
    if not over(max(end, now_us)):
        return None
    low, high = now_us, max(end, now_us)
    while low < high:
        mid = (low + high) // 2
        if over(mid):
            high = mid
        else:
            low = mid + 1
    return low


@given(
    setpoint=st.integers(1_000, 80_000),
    over_percent=st.integers(1, 100),
    from_ua=st.integers(0, 40_000),
    at_us=st.integers(2_000_000, 3_000_000),
)
def test_the_crossing_is_the_first_moment_a_limit_check_turns_true(
    setpoint: int, over_percent: int, from_ua: int, at_us: int
) -> None:
    ch = ramping(max(setpoint, from_ua + 1), over_percent, from_ua=from_ua, at_us=at_us)
    assert ch.crossing_us(at_us) == first_true_us(ch, at_us)


def crossing_from(now_us: int, from_ua: int, needed_ua: int) -> int:
    """When a ramp from ``from_ua`` since ``now_us`` first drives ``needed_ua``."""
    return now_us + -(-(needed_ua - from_ua) * US_PER_S // SLEW_UA_PER_S)


def test_a_ramp_from_above_0_crosses_when_its_own_rise_gets_there() -> None:
    # from 10 mA towards 30 mA with 50 % more delivered: the limit is 32 mA (30 + 2), passed
    # once output reaches 21_334 uA (21_334 x 1.5 > 32_000 >= 21_333 x 1.5)
    ch = ramping(30_000, 50, from_ua=10_000, at_us=2_000_000)
    assert ch.measured(21_334) > 32_000 >= ch.measured(21_333)
    assert ch.crossing_us(2_000_000) == crossing_from(2_000_000, 10_000, 21_334)
    # with 10 % more, 30 mA delivers 33 mA: over 32 mA only at the very end of the ramp
    ch = ramping(30_000, 10, from_ua=10_000, at_us=2_000_000)
    assert ch.crossing_us(2_000_000) == crossing_from(2_000_000, 10_000, 29_092)
    # with 5 % more, never over the limit nor the device's 80 mA: no crossing
    assert ramping(30_000, 5, from_ua=10_000, at_us=2_000_000).crossing_us(2_000_000) is None


def test_a_crossing_exactly_at_the_setpoint_is_found() -> None:
    # 1 % over-delivery: the device's 80 mA is passed once output reaches 79_209 uA
    ch = ramping(79_209, 1)
    assert ch.measured(79_209) > 80_000 >= ch.measured(79_208)
    assert ch.crossing_us(0) == crossing_from(0, 0, 79_209)


def test_a_channel_that_is_not_ramping_has_no_crossing() -> None:
    at_setpoint = ramping(30_000, 50)
    at_setpoint.output = at_setpoint.setpoint  # the ramp is done, no check has run yet
    assert at_setpoint.crossing_us(10**7) is None
    disabled = ramping(30_000, 50)
    disabled.enabled = False
    assert disabled.crossing_us(0) is None
    assert ramping(30_000, 0).crossing_us(0) is None  # nothing injected


def test_a_ramp_rises_only_while_enabled_and_below_the_setpoint() -> None:
    ch = ramping(30_000, 0)
    ch.enabled = False
    ch.ramp(US_PER_S)
    assert ch.output == 0
    ch.enabled = True
    ch.ramp(US_PER_S)
    assert ch.output == SLEW_UA_PER_S
    ch.set_setpoint(10_000, US_PER_S)  # a lower setpoint: output drops at once, stays
    ch.ramp(2 * US_PER_S)
    assert ch.output == 10_000


def test_the_status_is_the_channels_own() -> None:
    ch = Channel(2, SIM_CHANNEL)
    assert ch.status() == ChannelStatus(2, False, 0, 0, 0, Lead.OK, Fault.NONE, None)
