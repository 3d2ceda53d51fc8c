"""What the host makes of a device's IDENTITY: its limits shrunk to the hard ceilings (never
widened), burst mode dropped when its ranges do not overlap the safe ones, and a device with
nothing usable refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenscontrol import hard_limits as hl
from tenscontrol.device.state import device_info, effective_capabilities
from tenscontrol.errors import IncompatibleDevice
from tenscontrol.protocol import Pattern
from tenscontrol.sim.identity import CHANNEL_CAPS, device_identity

BURST = 1 << Pattern.BURST
CONTINUOUS = 1 << Pattern.CONTINUOUS


def test_a_device_claiming_more_than_the_ceilings_is_shrunk_to_them() -> None:
    wide = replace(
        CHANNEL_CAPS,
        max_amplitude_ua=hl.MAX_AMPLITUDE_UA * 3,
        rate_min_mhz=1,
        rate_max_mhz=hl.MAX_PULSE_RATE_MHZ * 10,
        width_min_us=1,
        width_max_us=hl.MAX_PHASE_WIDTH_US * 10,
        burst_rate_min_mhz=1,
        burst_rate_max_mhz=hl.MAX_BURST_RATE_MHZ * 10,
        pulses_per_burst_min=1,
        pulses_per_burst_max=hl.MAX_PULSES_PER_BURST * 10,
    )
    capped = effective_capabilities(wide, 1)
    assert capped.max_amplitude_ua == hl.MAX_AMPLITUDE_UA
    assert (capped.rate_min_mhz, capped.rate_max_mhz) == (
        hl.MIN_PULSE_RATE_MHZ,
        hl.MAX_PULSE_RATE_MHZ,
    )
    assert (capped.width_min_us, capped.width_max_us) == (
        hl.MIN_PHASE_WIDTH_US,
        hl.MAX_PHASE_WIDTH_US,
    )
    assert (capped.burst_rate_min_mhz, capped.burst_rate_max_mhz) == (
        hl.MIN_BURST_RATE_MHZ,
        hl.MAX_BURST_RATE_MHZ,
    )
    assert (capped.pulses_per_burst_min, capped.pulses_per_burst_max) == (
        hl.MIN_PULSES_PER_BURST,
        hl.MAX_PULSES_PER_BURST,
    )


def test_a_narrower_device_keeps_its_own_limits() -> None:
    narrow = replace(CHANNEL_CAPS, max_amplitude_ua=30_000, rate_max_mhz=100_000)
    capped = effective_capabilities(narrow, 1)
    assert capped.max_amplitude_ua == 30_000
    assert capped.rate_max_mhz == 100_000


def test_burst_ranges_beyond_the_safe_ones_drop_burst_mode_only() -> None:
    fast_bursts = replace(CHANNEL_CAPS, burst_rate_min_mhz=hl.MAX_BURST_RATE_MHZ + 1_000)
    capped = effective_capabilities(fast_bursts, 1)
    assert capped.burst_rate_min_mhz > capped.burst_rate_max_mhz
    assert capped.patterns == CONTINUOUS
    long_trains = replace(CHANNEL_CAPS, pulses_per_burst_min=hl.MAX_PULSES_PER_BURST + 1)
    assert effective_capabilities(long_trains, 1).patterns == CONTINUOUS


def test_a_burst_only_device_whose_bursts_are_all_unsafe_is_refused() -> None:
    caps = replace(CHANNEL_CAPS, patterns=BURST, pulses_per_burst_min=hl.MAX_PULSES_PER_BURST + 1)
    with pytest.raises(IncompatibleDevice, match="channel 2: no pulse pattern"):
        effective_capabilities(caps, 2)


def test_pulse_ranges_that_do_not_overlap_the_safe_ones_are_refused() -> None:
    with pytest.raises(IncompatibleDevice, match="pulse ranges do not overlap"):
        effective_capabilities(replace(CHANNEL_CAPS, width_min_us=hl.MAX_PHASE_WIDTH_US + 1), 1)


def test_a_device_without_a_balanced_biphasic_waveform_is_refused() -> None:
    with pytest.raises(IncompatibleDevice, match="no balanced biphasic waveform"):
        effective_capabilities(replace(CHANNEL_CAPS, waveforms=0), 1)


def test_each_channel_gets_its_own_limits() -> None:
    identity = device_identity(1, channels=2)
    small = replace(CHANNEL_CAPS, max_amplitude_ua=30_000)
    info = device_info(replace(identity, channels=(small, CHANNEL_CAPS)))
    assert info.channels[0].max_amplitude_ua == 30_000
    assert info.channels[1].max_amplitude_ua == min(
        CHANNEL_CAPS.max_amplitude_ua, hl.MAX_AMPLITUDE_UA
    )
