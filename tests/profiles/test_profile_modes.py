"""All six classic TENS modes can be written as a profile and pass the dose check."""

from __future__ import annotations

from typing import Any

import pytest
from profile_helpers import profile_from, valid_dict

from tenscontrol.profiles.dose import Verdict, check_profile

BASE: dict[str, Any] = {"waveform": "symmetric_biphasic", "pattern": "continuous"}
MODES: dict[str, list[dict[str, Any]]] = {
    "conventional": [dict(BASE, duration_s=1800, rate_hz=80, phase_width_us=180)],
    "acupuncture-like": [dict(BASE, duration_s=1800, rate_hz=2, phase_width_us=250)],
    "burst": [
        dict(
            BASE,
            duration_s=1800,
            rate_hz=100,
            phase_width_us=200,
            pattern="burst",
            burst_rate_hz=2,
            pulses_per_burst=7,
        )
    ],
    "modulated-rate": [
        dict(
            BASE,
            duration_s=1800,
            rate_hz=2,
            phase_width_us=150,
            modulation={"kind": "rate", "rate_to_hz": 125, "period_s": 12},
        )
    ],
    "modulated-width": [
        dict(
            BASE,
            duration_s=1800,
            rate_hz=80,
            phase_width_us=200,
            modulation={"kind": "width", "width_to_us": 100, "period_s": 6},
        )
    ],
    "modulated-amplitude": [
        dict(
            BASE,
            duration_s=1800,
            rate_hz=100,
            phase_width_us=150,
            waveform="asymmetric_biphasic",
            modulation={"kind": "amplitude", "dip_percent": 30, "period_s": 4.5},
        )
    ],
    "strength-duration": [
        dict(
            BASE,
            duration_s=1800,
            rate_hz=80,
            phase_width_us=100,
            modulation={"kind": "strength_duration", "width_to_us": 250, "period_s": 8},
        )
    ],
    "mixed-frequency": [
        dict(BASE, duration_s=3, rate_hz=3, phase_width_us=200),
        dict(BASE, duration_s=3, rate_hz=90, phase_width_us=200),
    ],
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_mode_is_expressible(mode: str) -> None:
    data = valid_dict()
    data["phases"] = MODES[mode]
    data["repeat_phases"] = mode == "mixed-frequency"
    prof = profile_from(data)
    assert check_profile(prof).verdict is Verdict.OK


def test_fractional_seconds_are_exact() -> None:
    data = valid_dict()
    data["repeat_phases"] = True
    data["phases"] = [dict(MODES["conventional"][0], duration_s=0.1)]
    prof = profile_from(data)
    assert prof.phases[0].duration_ms == 100
    assert prof.duration_ms % prof.cycle_ms == 0
