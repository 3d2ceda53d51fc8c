"""Devices that differ (issue 17 item 5): channels with different limits, devices without
burst or with narrower ranges, and every built-in profile run on the simulator. Every test
device used to have identical channels, so reading another channel's limits went unseen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from session_helpers import virtual_rig

from tenscontrol.device.state import DeviceInfo
from tenscontrol.errors import UserInputError
from tenscontrol.profiles import resolve
from tenscontrol.profiles.loader import builtin_dir
from tenscontrol.protocol import ChannelCapabilities, Pattern
from tenscontrol.protocol.vectors import SIM_CHANNEL, SIM_IDENTITY
from tenscontrol.session.config import UserCaps
from tenscontrol.session.limits import build_limits

NO_BURST = replace(
    SIM_CHANNEL,
    patterns=1 << Pattern.CONTINUOUS,
    burst_rate_min_mhz=0,
    burst_rate_max_mhz=0,
    pulses_per_burst_min=0,
    pulses_per_burst_max=0,
)


def device(*channels: ChannelCapabilities) -> DeviceInfo:
    """A device whose channels have the given capabilities, in order."""
    identity = replace(SIM_IDENTITY, channels=channels)
    return DeviceInfo(identity, 1, channels)


def test_each_channel_gets_its_own_devices_limit() -> None:
    weak = replace(SIM_CHANNEL, max_amplitude_ua=30_000)
    profile = resolve("sciatic-leg")
    for first, second in ((weak, SIM_CHANNEL), (SIM_CHANNEL, weak)):
        limits = build_limits(profile, device(first, second), UserCaps(), {})
        for n, caps in ((1, first), (2, second)):
            lim = limits.of(n)
            assert lim.ceiling_ua <= caps.max_amplitude_ua
            assert dict(lim.links_ua)["device capability"] == caps.max_amplitude_ua


def test_an_intensity_above_the_weaker_channels_device_limit_is_refused_there_only() -> None:
    weak = replace(SIM_CHANNEL, max_amplitude_ua=30_000)
    profile = resolve("sciatic-leg")
    build_limits(profile, device(SIM_CHANNEL, weak), UserCaps(), {1: 35_000, 2: 30_000})
    with pytest.raises(UserInputError, match="device capability"):
        build_limits(profile, device(SIM_CHANNEL, weak), UserCaps(), {2: 30_001})


def test_each_channel_is_checked_against_its_own_ranges() -> None:
    narrow = replace(SIM_CHANNEL, rate_max_mhz=50_000)
    profile = resolve("sciatic-leg")
    with pytest.raises(UserInputError, match=r"device capabilities.*channel 2"):
        build_limits(profile, device(SIM_CHANNEL, narrow), UserCaps(), {})


BUILT_INS = sorted(
    entry.name.removesuffix(".toml")
    for entry in builtin_dir().iterdir()
    if entry.name.endswith(".toml")
)


def burst_profiles() -> list[str]:
    return [n for n in BUILT_INS if any(ph.pattern == "burst" for ph in resolve(n).phases)]


@pytest.mark.parametrize("name", burst_profiles())
def test_a_burst_profile_on_a_device_without_burst_is_refused(name: str) -> None:
    profile = resolve(name)
    channels = (NO_BURST,) * len(profile.channels)
    with pytest.raises(UserInputError, match="device capabilities"):
        build_limits(profile, device(*channels), UserCaps(), {})


def test_an_intensity_for_a_channel_the_profile_lacks_is_refused() -> None:
    with pytest.raises(UserInputError, match="channel 2, which the profile lacks"):
        build_limits(resolve("low-back"), device(SIM_CHANNEL, SIM_CHANNEL), UserCaps(), {2: 1})


def test_there_are_eight_built_ins() -> None:
    assert len(BUILT_INS) == 8  # so a packaging slip cannot empty the run below


@pytest.mark.parametrize("name", BUILT_INS)
def test_every_built_in_profile_runs_to_completion_on_the_simulator(
    name: str, tmp_path: Path
) -> None:
    profile = resolve(name)
    targets: dict[int, int | None] = {c.number: min(8_000, c.ceiling_ua) for c in profile.channels}
    with virtual_rig(tmp_path) as rig:
        result = rig.engine(name, targets, duration_ms=40_000).run()
    assert result.reason == "completed", result.error
    assert result.stop_confirmed
    for n, target in targets.items():
        assert 0 < result.max_delivered_ua[n] <= (target or 0)


@pytest.mark.parametrize("missing", ["burst_rate_mhz", "pulses_per_burst"])
def test_a_burst_phase_without_its_burst_values_is_refused_even_by_a_lax_device(
    missing: str,
) -> None:
    # The schema never builds such a phase; a Profile made in code can. A device whose
    # ranges start at 1 must not take a missing value as 1: missing is 0, outside them.
    lax = replace(SIM_CHANNEL, burst_rate_min_mhz=1, pulses_per_burst_min=1)
    profile = resolve("glute-piriformis")
    burst = next(ph for ph in profile.phases if ph.pattern == "burst")
    if missing == "burst_rate_mhz":
        phase = replace(burst, burst_rate_mhz=None)
    else:
        phase = replace(burst, pulses_per_burst=None)
    broken = replace(profile, phases=(phase,))
    channels = (lax,) * len(profile.channels)
    with pytest.raises(UserInputError, match="outside the device's range"):
        build_limits(broken, device(*channels), UserCaps(), {})
