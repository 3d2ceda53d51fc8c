"""The dose formulas against hand-worked examples, scaling laws, and exact limit edges."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from profile_helpers import one_phase, replace, run, write

from tenscontrol import hard_limits as hl
from tenscontrol.profiles import dose
from tenscontrol.profiles.dose import LIMIT_BY_KEY, Verdict, check_profile
from tenscontrol.profiles.model import Channel

currents = st.integers(min_value=0, max_value=hl.MAX_AMPLITUDE_UA)
widths = st.integers(min_value=hl.MIN_PHASE_WIDTH_US, max_value=hl.MAX_PHASE_WIDTH_US)
rates = st.integers(min_value=hl.MIN_PULSE_RATE_MHZ, max_value=hl.MAX_PULSE_RATE_MHZ)
areas = st.integers(min_value=hl.MIN_PAD_AREA_MM2, max_value=hl.MAX_PAD_AREA_MM2)


def test_worked_example_of_the_safety_document() -> None:
    """50 mA, 200 us, 100 Hz, symmetric biphasic -> duty 0.04, 10 mA rms, 0.4 / 2.5 mA/cm2."""
    on = dose.duty(100_000, 200)
    assert on == Fraction(4, 100)
    rms2 = dose.rms_squared_ua2(50_000, on)
    assert rms2 == 10_000**2  # 10 mA rms, exactly
    assert dose.density_squared(rms2, 2_500) == 400**2  # 0.4 mA/cm2 on 25 cm2
    assert dose.density_squared(rms2, 400) == 2_500**2  # 2.5 mA/cm2 on 4 cm2
    assert dose.phase_charge_pc(50_000, 200) == 10_000_000  # 10 uC
    assert dose.peak_voltage_mv(50_000) == 25_000  # 25 V at 500 ohm
    assert dose.energy_per_pulse_uj(50_000, 200) == 500  # 0.05^2 * 500 * 200e-6 * 2 J
    assert dose.power_density_uw_per_cm2(rms2, 2_500) == 2_000  # 0.01^2*500/25 W/cm2


def test_worked_example_through_a_profile() -> None:
    prof = one_phase(rate_hz=100, phase_width_us=200)
    report = check_profile(prof)  # ceiling 50 mA on 25 cm2
    entry = report.entries[0]
    assert entry.duty == Fraction(1, 25)
    assert LIMIT_BY_KEY["rms"].show(entry.value("rms")) == "10"
    assert LIMIT_BY_KEY["density"].show(entry.value("density")) == "0.4"
    assert report.verdict is Verdict.OK


def test_peeled_pad_is_refused_on_density(tmp_path: Path) -> None:
    """The same stimulation on 4 cm2 of contact is 2.5 mA/cm2: refused, exit 2."""
    path = write(tmp_path, replace("pad_area_cm2 = 25", "pad_area_cm2 = 4"))
    result = run("profile", "check", str(path))
    assert result.exit_code == 2
    assert "refused: channel 1 phase 1: rms current density 2.5 mA/cm2" in result.stderr
    assert "IEC 60601-2-10" in result.stderr
    assert "Traceback" not in result.output


def test_warning_only_exits_0_and_prints_it(tmp_path: Path) -> None:
    # 75 mA at duty 0.04 is exactly 15 mA rms (not above the warn level), and on 10 cm2
    # exactly 1.5 mA/cm2, which warns because that warn level is inclusive.
    text = replace("pad_area_cm2 = 25", "pad_area_cm2 = 10").replace(
        "ceiling_ma = 50", "ceiling_ma = 75"
    )
    result = run("profile", "check", str(write(tmp_path, text)))
    assert result.exit_code == 0, result.output
    assert "warning: channel 1 phase 1: rms current density 1.5 mA/cm2" in result.stderr
    assert "rms current 15 mA" not in result.stderr
    assert "dose check warn" in result.stdout


def test_limits_are_exact_at_the_edge() -> None:
    rms, density, charge = (
        LIMIT_BY_KEY["rms"],
        LIMIT_BY_KEY["density"],
        LIMIT_BY_KEY["phase_charge"],
    )
    assert rms.verdict(Fraction(hl.RMS_WARN_UA) ** 2) is Verdict.OK
    assert rms.verdict(Fraction(hl.RMS_WARN_UA) ** 2 + Fraction(1, 10**9)) is Verdict.WARN
    assert rms.verdict(Fraction(hl.RMS_REFUSE_UA) ** 2) is Verdict.WARN
    assert rms.verdict(Fraction(hl.RMS_REFUSE_UA) ** 2 + Fraction(1, 10**9)) is Verdict.REFUSE
    warn = Fraction(hl.RMS_DENSITY_WARN_UA_PER_CM2) ** 2
    assert density.verdict(warn - Fraction(1, 10**9)) is Verdict.OK
    assert density.verdict(warn) is Verdict.WARN
    assert density.verdict(Fraction(hl.RMS_DENSITY_REFUSE_UA_PER_CM2) ** 2) is Verdict.WARN
    assert charge.verdict(Fraction(hl.PHASE_CHARGE_WARN_PC)) is Verdict.OK
    assert charge.verdict(Fraction(hl.PHASE_CHARGE_WARN_PC + 1)) is Verdict.WARN
    assert charge.verdict(Fraction(hl.PHASE_CHARGE_REFUSE_PC + 1)) is Verdict.REFUSE


def test_density_exactly_at_refuse_is_not_refused() -> None:
    # 2 mA/cm2 exactly: rms 10 mA (50 mA, duty 0.04) on 5 cm2.
    prof = one_phase()
    small_pad = Channel(number=1, body_area="x", placement="y", pad_area_mm2=500, ceiling_ua=50_000)
    entry = dose.phase_dose(small_pad, 0, prof.phases[0], 50_000)
    assert entry.value("density") == 2_000**2
    assert next(r for r in entry.rows if r.limit.key == "density").verdict is Verdict.WARN


def test_burst_counts_pulses_actually_delivered() -> None:
    prof = one_phase(rate_hz=100, pattern="burst", burst_rate_hz=2, pulses_per_burst=7)
    entry = check_profile(prof).entries[0]
    assert entry.pulses_mhz == 14_000
    assert entry.duty == dose.duty(14_000, 200)


def test_modulation_uses_the_worst_case() -> None:
    rate = one_phase(rate_hz=80, modulation={"kind": "rate", "rate_to_hz": 120, "period_s": 12})
    assert check_profile(rate).entries[0].pulses_mhz == 120_000
    down = one_phase(rate_hz=120, modulation={"kind": "rate", "rate_to_hz": 80, "period_s": 12})
    assert check_profile(down).entries[0].pulses_mhz == 120_000
    width = one_phase(
        phase_width_us=100, modulation={"kind": "width", "width_to_us": 250, "period_s": 5}
    )
    assert check_profile(width).entries[0].width_us == 250
    sd = one_phase(
        phase_width_us=100,
        modulation={"kind": "strength_duration", "width_to_us": 200, "period_s": 5},
    )
    entry = check_profile(sd).entries[0]
    assert entry.width_us == 200
    assert entry.current_ua == 50_000  # full amplitude at the widest width: the safe side


def test_intensity_above_ceiling_is_refused() -> None:
    report = check_profile(one_phase(), intensity_ua=50_001)
    refused = report.findings(Verdict.REFUSE)
    assert [r.limit.key for r in refused] == ["ceiling"]


def test_intensity_check_on_the_command_line() -> None:
    ok = run("profile", "check", "low-back", "--intensity", "20")
    assert ok.exit_code == 0
    assert "at 20 mA" in ok.stdout
    for bad in ("nan", "inf", "-1", "20.0001"):
        result = run("profile", "check", "low-back", "--intensity", bad)
        assert result.exit_code == 2, bad
        assert "--intensity must be" in result.stderr


@given(currents, rates, widths)
def test_rms_scales_linearly_with_current(current: int, rate: int, width: int) -> None:
    on = dose.duty(rate, width)
    single = dose.rms_squared_ua2(current, on)
    assert dose.rms_squared_ua2(2 * current, on) == 4 * single  # rms doubles
    assert single == current**2 * Fraction(rate * width * 2, 10**9)


@given(currents, widths)
def test_phase_charge_scales_with_width_and_current(current: int, width: int) -> None:
    assert dose.phase_charge_pc(current, 2 * width) == 2 * dose.phase_charge_pc(current, width)
    assert dose.phase_charge_pc(current, width) == current * width


@given(rates, widths)
def test_symmetric_biphasic_doubles_the_duty(rate: int, width: int) -> None:
    assert dose.duty(rate, width) == 2 * dose.duty(rate, width, phases=1)
    assert dose.duty(rate, width, phases=1) == Fraction(rate, 1000) * Fraction(width, 10**6)


@given(currents, rates, widths, areas)
def test_density_is_rms_over_area(current: int, rate: int, width: int, area: int) -> None:
    rms2 = dose.rms_squared_ua2(current, dose.duty(rate, width))
    density2 = dose.density_squared(rms2, area)
    assert density2 * Fraction(area, 100) ** 2 == rms2
    # power density = density^2 * R * area (W/cm2) -> consistent with the exact formula
    power = dose.power_density_uw_per_cm2(rms2, area)
    assert power == density2 * Fraction(area, 100) * hl.LOAD_OHM / 10**6
    expected = (current / 1e3) * math.sqrt(rate * width * 2 / 1e9)  # display-only float check
    assert math.isclose(math.sqrt(rms2) / 1e3, expected, rel_tol=1e-9, abs_tol=1e-12)


@given(currents, widths)
def test_energy_and_voltage_scale(current: int, width: int) -> None:
    assert dose.energy_per_pulse_uj(2 * current, width) == 4 * dose.energy_per_pulse_uj(
        current, width
    )
    assert dose.peak_voltage_mv(current) == Fraction(current, 2)


@given(st.integers(min_value=1, max_value=hl.MAX_AMPLITUDE_UA))
def test_every_row_has_a_source_and_worse_current_never_improves(current: int) -> None:
    prof = one_phase(rate_hz=150, phase_width_us=300)
    low = check_profile(prof, intensity_ua=min(current, 50_000))
    assert all(row.limit.source for row in low.rows)
    high = check_profile(prof, intensity_ua=50_000)
    assert high.verdict >= low.verdict
