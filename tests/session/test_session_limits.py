"""The limit chain: built once, narrowing only, refusing what would need widening; the one
setpoint check refusing every field out of range (each test fails without its check)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tenscontrol import hard_limits as hl
from tenscontrol.device.state import DeviceInfo
from tenscontrol.errors import DoseRefused, LimitViolation, UserInputError
from tenscontrol.profiles import resolve
from tenscontrol.protocol import (
    ChannelCapabilities,
    Identity,
    IdentityFlag,
    Pattern,
    Setpoint,
    Waveform,
)
from tenscontrol.protocol.vectors import SIM_CHANNEL
from tenscontrol.session.config import UserCaps, load_caps
from tenscontrol.session.limits import (
    SessionLimits,
    build_limits,
    check_before_device,
    check_setpoint,
)


def info(channels: int = 2, **caps: int) -> DeviceInfo:
    chan: ChannelCapabilities = replace(SIM_CHANNEL, **caps)
    identity = Identity(
        1,
        0,
        1,
        1,
        IdentityFlag.SIMULATOR,
        (0, 1, 0),
        "T",
        "S",
        100,
        1000,
        1000,
        50,
        20_000,
        (chan,) * channels,
    )
    return DeviceInfo(identity, 1, (chan,) * channels)


def chain(**kwargs: object) -> SessionLimits:
    profile = resolve("low-back")  # 80 Hz, 180 us, ceiling 50 mA, 25 cm2
    caps = kwargs.pop("caps", UserCaps())
    device = kwargs.pop("device", info())
    intensities = kwargs.pop("intensities", {1: 10_000})
    return build_limits(profile, device, caps, intensities)  # type: ignore[arg-type]


def good(**changes: object) -> Setpoint:
    sp = Setpoint(1, 10_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 0, 0)
    return replace(sp, **changes)  # type: ignore[arg-type]


def test_effective_ceiling_is_the_minimum_and_names_its_link() -> None:
    lim = chain().of(1)
    assert (lim.ceiling_ua, lim.binding) == (50_000, "profile ceiling")
    lim = chain(caps=UserCaps({1: 30_000})).of(1)
    assert (lim.ceiling_ua, lim.binding) == (30_000, "user cap")
    lim = chain(device=info(max_amplitude_ua=20_000)).of(1)
    assert (lim.ceiling_ua, lim.binding) == (20_000, "device capability")
    assert dict(lim.links_ua)["hard ceiling"] == hl.MAX_AMPLITUDE_UA


def test_an_intensity_above_the_effective_ceiling_is_refused_naming_the_link() -> None:
    with pytest.raises(UserInputError, match="user cap"):
        chain(caps=UserCaps({1: 30_000}), intensities={1: 31_000})
    with pytest.raises(UserInputError, match="profile ceiling"):
        chain(intensities={1: 50_001})
    chain(intensities={1: 50_000})


def test_a_profile_the_device_cannot_produce_is_refused() -> None:
    with pytest.raises(UserInputError, match=r"device capabilities.*pulse rate"):
        chain(device=info(rate_max_mhz=50_000))
    with pytest.raises(UserInputError, match=r"device capabilities.*phase width"):
        chain(device=info(width_max_us=150))
    with pytest.raises(UserInputError, match="waveform"):
        chain(device=info(waveforms=0b10))
    with pytest.raises(UserInputError, match="channel 2"):
        build_limits(resolve("sciatic-leg"), info(channels=1), UserCaps(), {})


def test_the_dose_check_runs_again_at_the_effective_ceiling() -> None:
    profile = resolve("low-back")
    tiny = replace(profile, channels=(replace(profile.channels[0], pad_area_mm2=300),))
    with pytest.raises(DoseRefused, match="density"):
        build_limits(tiny, info(), UserCaps(), {})
    # a user cap low enough brings the density back under the limit
    build_limits(tiny, info(), UserCaps({1: 10_000}), {})


def test_before_any_device_the_dose_and_intensity_are_checked_under_caps() -> None:
    profile = resolve("low-back")
    tiny = replace(profile, channels=(replace(profile.channels[0], pad_area_mm2=300),))
    with pytest.raises(DoseRefused, match=r"ceiling \(50 mA\).*density"):
        check_before_device(tiny, UserCaps(), {})
    check_before_device(tiny, UserCaps({1: 10_000}), {})  # a cap brings it under the limit
    with pytest.raises(UserInputError, match=r"10\.001 mA is above the user cap of 10 mA"):
        check_before_device(profile, UserCaps({1: 10_000}), {1: 10_001})
    with pytest.raises(UserInputError, match="above the profile ceiling"):
        check_before_device(profile, UserCaps(), {1: profile.channels[0].ceiling_ua + 1})
    check_before_device(profile, UserCaps({1: 10_000}), {1: 10_000})


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"amplitude_ua": 50_001}, "amplitude"),
        ({"amplitude_ua": -1}, "amplitude"),
        ({"rate_mhz": 79_999}, "rate"),
        ({"rate_mhz": 80_001}, "rate"),
        ({"phase_width_us": 181}, "width"),
        ({"waveform": Waveform.ASYMMETRIC_BIPHASIC}, "waveform"),
        ({"pattern": Pattern.BURST, "burst_rate_mhz": 2_000, "pulses_per_burst": 5}, "pattern"),
        ({"burst_rate_mhz": 2_000}, "burst fields"),
        ({"channel": 2}, "not part"),
    ],
)
def test_check_setpoint_refuses_every_field_outside_the_chain(
    change: dict[str, object], what: str
) -> None:
    limits = chain()
    check_setpoint(good(), limits)
    check_setpoint(good(amplitude_ua=50_000), limits)
    with pytest.raises(LimitViolation, match=what):
        check_setpoint(good(**change), limits)


def test_check_setpoint_checks_burst_trains() -> None:
    limits = build_limits(resolve("glute-piriformis"), info(), UserCaps(), {})
    phase = resolve("glute-piriformis").phases[0]
    ok = Setpoint(
        1,
        1_000,
        phase.rate_mhz,
        phase.width_us,
        Waveform.SYMMETRIC_BIPHASIC,
        Pattern.BURST,
        phase.burst_rate_mhz or 0,
        phase.pulses_per_burst or 0,
    )
    check_setpoint(ok, limits)
    with pytest.raises(LimitViolation, match="pulses"):
        check_setpoint(replace(ok, pulses_per_burst=ok.pulses_per_burst + 1), limits)
    with pytest.raises(LimitViolation, match="burst rate"):
        check_setpoint(replace(ok, burst_rate_mhz=ok.burst_rate_mhz + 1), limits)


def test_user_caps_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_caps(path) == UserCaps()
    path.write_text("[caps]\nchannel1_max_ma = 30\nchannel2_max_ma = 25.5\n")
    assert load_caps(path).max_ua == {1: 30_000, 2: 25_500}
    bad_lines = (
        "channel1_max_ma = 81",
        "channel1_max_ma = 0",
        "channel1_max_ma = 1.0001",
        "channel3_max_ma = 5",
        'channel1_max_ma = "5"',
        "channel1_max_ma = nan",
    )
    for bad in bad_lines:
        path.write_text(f"[caps]\n{bad}\n")
        with pytest.raises(UserInputError):
            load_caps(path)
    path.write_text("[caps\n")
    with pytest.raises(UserInputError, match="TOML"):
        load_caps(path)
