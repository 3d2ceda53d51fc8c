"""The dose table as a person reads it: each limit's text, the row that refuses an intensity
above the ceiling, values in display units, the worst value of a channel, and an intensity
below 0 refused outright (issue 17: each of these could change unseen)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from profile_helpers import one_phase

from tenscontrol.profiles.dose import LIMIT_BY_KEY, LIMITS, Verdict, check_profile

#: What ``tens profile check`` prints for each limit (docs/safety.md, section 3).
DESCRIBED = {
    "peak": "refuse > 80 mA",
    "rms": "refuse > 50, warn > 15 mA",
    "density": "refuse > 2, warn >= 1.5 mA/cm2",
    "power_density": "refuse > 250 mW/cm2",
    "phase_charge": "refuse > 50, warn > 25 uC",
    "net_charge": "refuse > 0 uC",
    "energy": "refuse > 300 mJ",
    "voltage": "refuse > 500 V",
}


@pytest.mark.parametrize("key", list(DESCRIBED))
def test_each_limit_describes_itself_with_its_values_and_unit(key: str) -> None:
    assert LIMIT_BY_KEY[key].describe() == DESCRIBED[key]


def test_the_table_has_every_limit_in_order() -> None:
    assert [limit.key for limit in LIMITS] == list(DESCRIBED)


def test_values_are_shown_in_display_units_square_roots_only_when_squared() -> None:
    # peak is a plain quantity: 4 uA is 0.004 mA, not the root of anything
    assert LIMIT_BY_KEY["peak"].show(Fraction(4_000)) == "4"
    assert LIMIT_BY_KEY["peak"].show(Fraction(4)) == "0.004"
    # rms is kept squared: (10 mA)^2 in uA^2 shows as 10 mA
    assert LIMIT_BY_KEY["rms"].show(Fraction(10_000**2)) == "10"


def test_an_intensity_above_the_ceiling_gets_its_own_refusing_row() -> None:
    report = check_profile(one_phase(), intensity_ua=50_001)  # ceiling 50 mA
    row = report.entries[0].rows[1]  # right after peak current, as the table shows it
    assert (row.channel, row.phase, row.value, row.verdict) == (
        1,
        0,
        Fraction(50_001),
        Verdict.REFUSE,
    )
    assert (row.limit.key, row.limit.label) == ("ceiling", "current vs profile ceiling")
    assert (row.limit.refuse, row.limit.warn) == (50_000, None)
    assert row.limit.describe() == "refuse > 50 mA"
    assert row.shown == "50.001"
    assert row.limit.source == "this profile's ceiling for channel 1"
    at_ceiling = check_profile(one_phase(), intensity_ua=50_000)
    assert "ceiling" not in [r.limit.key for r in at_ceiling.rows]


def test_the_worst_value_of_a_channel_is_its_largest_over_the_phases() -> None:
    profile = one_phase(rate_hz=100)
    two = replace(profile, phases=(profile.phases[0],) * 2)
    mixed = replace(profile, phases=(profile.phases[0], one_phase(rate_hz=150).phases[0]))
    assert check_profile(two).worst(1, "rms") == check_profile(profile).entries[0].value("rms")
    assert check_profile(mixed).worst(1, "rms") == check_profile(mixed).entries[1].value("rms")
    assert check_profile(mixed).worst(1, "peak") == 50_000
    assert [(e.channel, e.phase) for e in check_profile(mixed).entries] == [(1, 0), (1, 1)]
    assert check_profile(mixed).profile == "test-profile"


def test_a_negative_intensity_is_refused_before_any_figure() -> None:
    with pytest.raises(ValueError, match=r"^intensity_ua must not be negative$"):
        check_profile(one_phase(), intensity_ua=-1)
    assert check_profile(one_phase(), intensity_ua=0).verdict is Verdict.OK
