"""The simulated device's refusal tables at their edges (issue 17): the bounds themselves
accepted, a waveform or pattern the channel lacks refused, a lead that is off only on a
channel START does not name, and a latched fault refusing even 1 uA."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenscontrol.protocol import Fault, Lead, NakCode, Pattern, Waveform
from tenscontrol.protocol.vectors import SIM_CHANNEL
from tenscontrol.sim.channel import Channel
from tenscontrol.sim.checks import check_set, check_start
from tenscontrol.sim.identity import WATCHDOG_MAX_MS, WATCHDOG_MIN_MS

BURST, CONTINUOUS = int(Pattern.BURST), int(Pattern.CONTINUOUS)
SYMMETRIC, ASYMMETRIC = int(Waveform.SYMMETRIC_BIPHASIC), int(Waveform.ASYMMETRIC_BIPHASIC)


def channels(**caps: int) -> list[Channel]:
    """Two enabled channels with SIM_CHANNEL's capabilities changed by ``caps``."""
    out = [Channel(n, replace(SIM_CHANNEL, **caps)) for n in (1, 2)]
    for ch in out:
        ch.enabled = True
    return out


def start(mask: int, watchdog_ms: int, chans: list[Channel]) -> tuple[NakCode, int] | None:
    return check_start(mask, watchdog_ms, channels=chans, self_test_passes=True, battery_mv=3_900)


def sets(*fields: int, chans: list[Channel] | None = None) -> tuple[NakCode, int] | None:
    return check_set(fields, running=True, channels=chans or channels())


@pytest.mark.parametrize("watchdog_ms", [0, WATCHDOG_MIN_MS, WATCHDOG_MAX_MS])
def test_start_accepts_the_watchdog_bounds_themselves(watchdog_ms: int) -> None:
    assert start(0b01, watchdog_ms, channels()) is None
    assert start(0b01, WATCHDOG_MIN_MS - 1, channels()) == (NakCode.OUT_OF_RANGE, 2)


def test_start_looks_only_at_the_leads_of_the_channels_it_names() -> None:
    chans = channels()
    chans[1].lead = Lead.OFF
    assert start(0b01, 0, chans) is None
    assert start(0b10, 0, chans) == (NakCode.LEAD_OFF, 1)


def test_a_latched_fault_refuses_even_1_ua_but_not_0() -> None:
    chans = channels()
    chans[0].faults = Fault.OVER_DELIVERY
    assert sets(1, 1, 80_000, 180, SYMMETRIC, CONTINUOUS, 0, 0, chans=chans) == (
        NakCode.FAULT_LATCHED,
        0,
    )
    assert sets(1, 0, 80_000, 180, SYMMETRIC, CONTINUOUS, 0, 0, chans=chans) is None


def test_a_waveform_the_channel_lacks_is_refused() -> None:
    only_symmetric = channels(waveforms=1 << SYMMETRIC)
    assert sets(1, 1_000, 80_000, 180, ASYMMETRIC, CONTINUOUS, 0, 0, chans=only_symmetric) == (
        NakCode.OUT_OF_RANGE,
        5,
    )
    assert sets(1, 1_000, 80_000, 180, SYMMETRIC, CONTINUOUS, 0, 0, chans=only_symmetric) is None


def test_a_pattern_the_channel_lacks_is_refused() -> None:
    only_continuous = channels(patterns=1 << CONTINUOUS)
    assert sets(1, 1_000, 100_000, 180, SYMMETRIC, BURST, 2_000, 7, chans=only_continuous) == (
        NakCode.OUT_OF_RANGE,
        6,
    )


@pytest.mark.parametrize(
    ("burst_mhz", "pulses"),
    [(1_000, 2), (5_000, 2), (1_000, 15), (5_000, 15)],
)
def test_burst_bounds_themselves_are_accepted(burst_mhz: int, pulses: int) -> None:
    assert sets(1, 1_000, 150_000, 180, SYMMETRIC, BURST, burst_mhz, pulses) is None
    assert sets(1, 1_000, 150_000, 180, SYMMETRIC, BURST, burst_mhz + 4_001, pulses) == (
        NakCode.OUT_OF_RANGE,
        7,
    )
    assert sets(1, 1_000, 150_000, 180, SYMMETRIC, BURST, burst_mhz, pulses + 14) == (
        NakCode.OUT_OF_RANGE,
        8,
    )
