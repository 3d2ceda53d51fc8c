"""The limit chain at its exact edges (issue 17): a device range that just fits or just
misses, each field of a channel's limits, the hard ceilings holding when every other link is
wrong, a burst train exactly as long as its period, and the words of every refusal."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenscontrol import hard_limits as hl
from tenscontrol.device.state import DeviceInfo
from tenscontrol.errors import DoseRefused, LimitViolation, UserInputError
from tenscontrol.profiles import resolve
from tenscontrol.profiles.model import Modulation, Profile
from tenscontrol.protocol import (
    ChannelCapabilities,
    Identity,
    IdentityFlag,
    Pattern,
    Setpoint,
    Waveform,
)
from tenscontrol.protocol.vectors import SIM_CHANNEL
from tenscontrol.session.config import UserCaps
from tenscontrol.session.limits import (
    ChannelLimits,
    SessionLimits,
    build_limits,
    check_before_device,
    check_setpoint,
)

# low-back: 80 Hz, 180 us, symmetric, continuous, ceiling 50 mA, 25 cm2 pads.
# glute-piriformis: 100 Hz trains of 7 pulses, 2 trains a second, 180 us, ceiling 60 mA.


def device(chan: ChannelCapabilities = SIM_CHANNEL, channels: int = 1) -> DeviceInfo:
    """A device whose channels all have ``chan`` (taken as given: nothing shrinks it)."""
    identity = Identity(
        1,
        1,
        1,
        1,
        IdentityFlag.SIMULATOR,
        (0, 1, 0),
        "T",
        "S",
        100,
        1_000,
        1_000,
        50,
        20_000,
        (chan,) * channels,
    )
    return DeviceInfo(identity, 1, (chan,) * channels)


def limits_on(caps: ChannelCapabilities, name: str = "low-back") -> SessionLimits:
    return build_limits(resolve(name), device(caps), UserCaps(), {})


@pytest.mark.parametrize(
    ("fits", "misses", "why"),
    [
        ({"rate_min_mhz": 80_000}, {"rate_min_mhz": 80_001}, "pulse rate 80000-80000 mHz"),
        ({"rate_max_mhz": 80_000}, {"rate_max_mhz": 79_999}, "pulse rate 80000-80000 mHz"),
        ({"width_min_us": 180}, {"width_min_us": 181}, "phase width 180-180 us"),
        ({"width_max_us": 180}, {"width_max_us": 179}, "phase width 180-180 us"),
    ],
)
def test_a_device_range_that_just_fits_is_accepted_one_step_less_is_refused(
    fits: dict[str, int], misses: dict[str, int], why: str
) -> None:
    limits_on(replace(SIM_CHANNEL, **fits))
    with pytest.raises(UserInputError, match=f"channel 1, phase 1: {why} is outside"):
        limits_on(replace(SIM_CHANNEL, **misses))


@pytest.mark.parametrize(
    ("fits", "misses", "why"),
    [
        ({"burst_rate_min_mhz": 2_000}, {"burst_rate_min_mhz": 2_001}, "burst rate 2000 mHz"),
        ({"burst_rate_max_mhz": 2_000}, {"burst_rate_max_mhz": 1_999}, "burst rate 2000 mHz"),
        ({"pulses_per_burst_min": 7}, {"pulses_per_burst_min": 8}, "7 pulses per burst"),
        ({"pulses_per_burst_max": 7}, {"pulses_per_burst_max": 6}, "7 pulses per burst"),
    ],
)
def test_a_device_burst_range_that_just_fits_is_accepted_one_step_less_is_refused(
    fits: dict[str, int], misses: dict[str, int], why: str
) -> None:
    limits_on(replace(SIM_CHANNEL, **fits), "glute-piriformis")
    with pytest.raises(UserInputError) as refused:
        limits_on(replace(SIM_CHANNEL, **misses), "glute-piriformis")
    assert str(refused.value) == (
        f"device capabilities: channel 1, phase 1: {why} is outside the device's range"
    )


def test_a_device_that_lacks_the_burst_pattern_refuses_a_burst_profile_by_its_pattern() -> None:
    continuous_only = replace(SIM_CHANNEL, patterns=1 << Pattern.CONTINUOUS)  # ranges kept
    with pytest.raises(UserInputError, match="does not offer pattern burst"):
        limits_on(continuous_only, "glute-piriformis")


def test_the_asymmetric_waveform_is_accepted_where_the_device_offers_it() -> None:
    profile = resolve("low-back")
    asymmetric = replace(
        profile, phases=(replace(profile.phases[0], waveform="asymmetric_biphasic"),)
    )
    lim = build_limits(asymmetric, device(), UserCaps(), {}).of(1)
    assert lim.waveforms == frozenset({Waveform.ASYMMETRIC_BIPHASIC})
    with pytest.raises(UserInputError, match="does not offer waveform asymmetric_biphasic"):
        build_limits(asymmetric, device(replace(SIM_CHANNEL, waveforms=0b01)), UserCaps(), {})


def test_the_refusal_names_the_phase_the_device_cannot_produce() -> None:
    profile = resolve("low-back")
    fast = replace(profile.phases[0], rate_mhz=120_000)
    two = replace(profile, phases=(profile.phases[0], fast))
    with pytest.raises(UserInputError, match="channel 1, phase 2: pulse rate 120000-120000"):
        build_limits(two, device(replace(SIM_CHANNEL, rate_max_mhz=100_000)), UserCaps(), {})


def test_a_rate_swept_downwards_must_fit_the_device_at_its_lowest() -> None:
    profile = resolve("low-back")
    sweep = Modulation("rate", 12_000, rate_to_mhz=40_000)
    swept = replace(profile, phases=(replace(profile.phases[0], modulation=sweep),))
    lim = build_limits(swept, device(), UserCaps(), {}).of(1)
    assert (lim.rate_min_mhz, lim.rate_max_mhz) == (40_000, 80_000)
    with pytest.raises(UserInputError, match="pulse rate 40000-80000 mHz"):
        build_limits(swept, device(replace(SIM_CHANNEL, rate_min_mhz=50_000)), UserCaps(), {})


def test_every_field_of_a_channels_limits_is_what_the_profile_asks_within_the_device() -> None:
    lim = limits_on(SIM_CHANNEL).of(1)
    assert lim == ChannelLimits(
        channel=1,
        ceiling_ua=50_000,
        binding="profile ceiling",
        links_ua=(
            ("hard ceiling", 80_000),
            ("device capability", 80_000),
            ("profile ceiling", 50_000),
        ),
        rate_min_mhz=80_000,
        rate_max_mhz=80_000,
        width_min_us=180,
        width_max_us=180,
        waveforms=frozenset({Waveform.SYMMETRIC_BIPHASIC}),
        patterns=frozenset({Pattern.CONTINUOUS}),
        burst_rate_min_mhz=hl.MIN_BURST_RATE_MHZ,
        burst_rate_max_mhz=0,  # no burst phase: no burst setpoint can pass
        pulses_min=hl.MIN_PULSES_PER_BURST,
        pulses_max=0,
        pad_area_mm2=2_500,
    )
    burst = limits_on(SIM_CHANNEL, "glute-piriformis").of(1)
    assert (burst.burst_rate_min_mhz, burst.burst_rate_max_mhz) == (2_000, 2_000)
    assert (burst.pulses_min, burst.pulses_max) == (7, 7)


def broken_profile() -> Profile:
    """glute-piriformis with every pulse figure outside the hard limits (no schema run)."""
    profile = resolve("glute-piriformis")
    phase = replace(
        profile.phases[0], rate_mhz=500, width_us=20, burst_rate_mhz=500, pulses_per_burst=1
    )
    wide = replace(
        profile.phases[0], rate_mhz=200_000, width_us=400, burst_rate_mhz=9_000, pulses_per_burst=20
    )
    return replace(profile, phases=(phase, wide))


def test_the_hard_limits_bound_the_chain_even_when_device_and_profile_are_wrong() -> None:
    anything = ChannelCapabilities(
        max_amplitude_ua=200_000,
        rate_min_mhz=1,
        rate_max_mhz=1_000_000,
        width_min_us=1,
        width_max_us=10_000,
        waveforms=0b11,
        patterns=0b11,
        burst_rate_min_mhz=1,
        burst_rate_max_mhz=100_000,
        pulses_per_burst_min=1,
        pulses_per_burst_max=100,
    )
    lim = build_limits(broken_profile(), device(anything), UserCaps(), {}).of(1)
    assert (lim.rate_min_mhz, lim.rate_max_mhz) == (hl.MIN_PULSE_RATE_MHZ, hl.MAX_PULSE_RATE_MHZ)
    assert (lim.width_min_us, lim.width_max_us) == (hl.MIN_PHASE_WIDTH_US, hl.MAX_PHASE_WIDTH_US)
    assert (lim.burst_rate_min_mhz, lim.burst_rate_max_mhz) == (
        hl.MIN_BURST_RATE_MHZ,
        hl.MAX_BURST_RATE_MHZ,
    )
    assert (lim.pulses_min, lim.pulses_max) == (hl.MIN_PULSES_PER_BURST, hl.MAX_PULSES_PER_BURST)


def wide_limits(ceiling_ua: int = 80_000) -> SessionLimits:
    """One channel allowed everything the hard limits allow."""
    return SessionLimits(
        {
            1: ChannelLimits(
                1,
                ceiling_ua,
                "hard ceiling",
                (),
                hl.MIN_PULSE_RATE_MHZ,
                hl.MAX_PULSE_RATE_MHZ,
                hl.MIN_PHASE_WIDTH_US,
                hl.MAX_PHASE_WIDTH_US,
                frozenset(Waveform),
                frozenset(Pattern),
                hl.MIN_BURST_RATE_MHZ,
                hl.MAX_BURST_RATE_MHZ,
                hl.MIN_PULSES_PER_BURST,
                hl.MAX_PULSES_PER_BURST,
                2_500,
            )
        }
    )


def burst_setpoint(rate_mhz: int, burst_mhz: int = 2_000, pulses: int = 5) -> Setpoint:
    return Setpoint(
        1, 10_000, rate_mhz, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.BURST, burst_mhz, pulses
    )


def refusal(setpoint: Setpoint, limits: SessionLimits) -> str:
    with pytest.raises(LimitViolation) as refused:
        check_setpoint(setpoint, limits)
    return str(refused.value)


def test_a_burst_train_as_long_as_its_period_is_refused_one_shorter_is_not() -> None:
    # 5 pulses at 10 Hz last 0.5 s: exactly the period of 2 trains per second
    assert refusal(burst_setpoint(10_000), wide_limits()) == (
        "setpoint for channel 1 refused: burst train longer than its period"
    )
    check_setpoint(burst_setpoint(10_001), wide_limits())


def test_the_hard_amplitude_ceiling_itself_may_be_sent() -> None:
    check_setpoint(
        replace(burst_setpoint(100_000), amplitude_ua=hl.MAX_AMPLITUDE_UA), wide_limits()
    )
    over = replace(burst_setpoint(100_000), amplitude_ua=hl.MAX_AMPLITUDE_UA + 1)
    assert "amplitude 80001 uA above the hard ceiling 80000 uA" in refusal(over, wide_limits())
    assert "amplitude 80001 uA" in refusal(over, wide_limits(ceiling_ua=90_000))


def test_every_problem_of_a_setpoint_is_named_in_one_refusal() -> None:
    continuous = Setpoint(
        1, 90_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 2_000, 0
    )
    assert refusal(continuous, wide_limits()) == (
        "setpoint for channel 1 refused: amplitude 90000 uA above the hard ceiling 80000 uA;"
        " burst fields set in continuous pattern"
    )


def test_an_intensity_above_the_ceiling_is_refused_in_words_that_say_what_to_do() -> None:
    for check in (
        lambda: build_limits(resolve("low-back"), device(), UserCaps(), {1: 50_001}),
        lambda: check_before_device(resolve("low-back"), UserCaps(), {1: 50_001}),
    ):
        with pytest.raises(UserInputError) as refused:
            check()
        assert str(refused.value) == (
            "channel 1: intensity 50.001 mA is above the profile ceiling of 50 mA"
        )
        assert refused.value.hint == "ask for less, or change that limit"


@pytest.mark.parametrize("from_file", [True, False])
def test_a_dose_refused_at_the_ceiling_names_the_profile_phase_and_limit(from_file: bool) -> None:
    profile = resolve("low-back")
    second = replace(profile.phases[0], width_us=300)  # the refused one: 2.19 mA/cm2 on 5 cm2
    tiny = replace(
        profile,
        channels=(replace(profile.channels[0], pad_area_mm2=500),),
        phases=(replace(profile.phases[0], width_us=50), second),
        path=profile.path if from_file else None,
    )
    with pytest.raises(DoseRefused) as refused:
        build_limits(tiny, device(), UserCaps(), {})
    where = f"{profile.path}: " if from_file else "profile low-back: "
    assert str(refused.value) == (
        f"{where}dose check at the channel's ceiling (50 mA): channel 1, phase 2:"
        " rms current density 2.191 mA/cm2 (refuse > 2, warn >= 1.5 mA/cm2)"
    )
    assert refused.value.hint == "lower ceiling_ma, or use larger pads (pad_area_cm2)"
