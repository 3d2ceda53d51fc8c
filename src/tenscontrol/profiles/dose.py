"""The dose check: what a profile delivers per channel and phase, against the hard limits.

Every figure is computed exactly (integers and :class:`fractions.Fraction`) at the load of
:data:`hard_limits.LOAD_OHM` and compared exactly; floats appear only when a figure is shown.
RMS current and current density involve a square root, so they are compared squared.

Worst case within a phase: the highest pulse rate and the widest phase the phase reaches,
at full amplitude (modulation only dips amplitude, so full amplitude bounds it; for
strength-duration this over-states rms and charge, which is the safe side). Bursts count
the pulses actually delivered per second (trains per second x pulses per train). Both
waveforms are counted as two equal phases per pulse: exact for symmetric biphasic and an
upper bound for asymmetric balanced biphasic, whose second phase is lower and longer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from fractions import Fraction

from tenscontrol import hard_limits as hl
from tenscontrol.profiles.model import Channel, Phase, Profile
from tenscontrol.profiles.units import fmt_number

#: Phases per pulse of a charge-balanced biphasic waveform.
PHASES_PER_PULSE = 2


class Verdict(IntEnum):
    """Outcome of one comparison, ordered by severity."""

    OK = 0
    WARN = 1
    REFUSE = 2

    @property
    def label(self) -> str:
        """Lower-case name for display: ok, warn, refuse."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Limit:
    """One row of the limits table.

    ``refuse``/``warn`` are in the internal unit of the quantity (see :data:`LIMITS`);
    ``scale`` converts that unit to the display ``unit``. ``squared`` quantities (rms,
    density) are compared as squares against the limit squared. ``warn_inclusive`` warns at
    the warn level itself, not only above it.
    """

    key: str
    label: str
    unit: str
    scale: int
    refuse: int
    warn: int | None
    source: str
    squared: bool = False
    warn_inclusive: bool = False

    def verdict(self, value: Fraction) -> Verdict:
        """Exact verdict for ``value`` (squared when ``self.squared``)."""
        power = 2 if self.squared else 1
        if value > Fraction(self.refuse) ** power:
            return Verdict.REFUSE
        if self.warn is None:
            return Verdict.OK
        warn = Fraction(self.warn) ** power
        if value > warn or (self.warn_inclusive and value == warn):
            return Verdict.WARN
        return Verdict.OK

    def show(self, value: Fraction) -> str:
        """A value of this quantity (squared when ``self.squared``) as display text."""
        plain = Fraction(math.sqrt(value)) if self.squared else value
        return fmt_number(plain, self.scale)

    def describe(self) -> str:
        """The limit as text: ``refuse > 2, warn >= 1.5 mA/cm2``."""
        text = f"refuse > {fmt_number(self.refuse, self.scale)}"
        if self.warn is not None:
            sign = ">=" if self.warn_inclusive else ">"
            text += f", warn {sign} {fmt_number(self.warn, self.scale)}"
        return f"{text} {self.unit}"


_IEC = "IEC 60601-2-10"
#: The limits table, in the order the dose table shows it. Internal units: peak uA, rms uA,
#: density uA/cm2, power density uW/cm2, charge pC, energy uJ, voltage mV.
LIMITS: tuple[Limit, ...] = (
    Limit(
        "peak",
        "peak current",
        "mA",
        1_000,
        hl.MAX_AMPLITUDE_UA,
        None,
        f"{_IEC} (1st ed.) d.c. limit 80 mA at 500 ohm; consumer range 0-80 mA",
    ),
    Limit(
        "rms",
        "rms current",
        "mA",
        1_000,
        hl.RMS_REFUSE_UA,
        hl.RMS_WARN_UA,
        f"{_IEC} (1st ed.) table for 500 ohm; warn level a design choice",
        squared=True,
    ),
    Limit(
        "density",
        "rms current density",
        "mA/cm2",
        1_000,
        hl.RMS_DENSITY_REFUSE_UA_PER_CM2,
        hl.RMS_DENSITY_WARN_UA_PER_CM2,
        f"{_IEC} instructions-for-use clause (2 mA/cm2 needs special attention)",
        squared=True,
        warn_inclusive=True,
    ),
    Limit(
        "power_density",
        "average power density",
        "mW/cm2",
        1_000,
        hl.POWER_DENSITY_REFUSE_UW_PER_CM2,
        None,
        "FDA powered muscle stimulator 510(k) guidance (0.25 W/cm2)",
    ),
    Limit(
        "phase_charge",
        "phase charge",
        "uC",
        1_000_000,
        hl.PHASE_CHARGE_REFUSE_PC,
        hl.PHASE_CHARGE_WARN_PC,
        "design choice; FDA asks for the maximum phase charge at 500 ohm",
    ),
    Limit(
        "net_charge",
        "net charge per pulse",
        "uC",
        1_000_000,
        hl.NET_CHARGE_REFUSE_PC,
        None,
        f"{_IEC} d.c. precautions; balanced biphasic only",
    ),
    Limit(
        "energy",
        "energy per pulse",
        "mJ",
        1_000,
        hl.ENERGY_PER_PULSE_REFUSE_UJ,
        None,
        f"{_IEC} (300 mJ at 500 ohm)",
    ),
    Limit(
        "voltage", "peak voltage", "V", 1_000, hl.PEAK_VOLTAGE_REFUSE_MV, None, f"{_IEC} (500 V)"
    ),
)
LIMIT_BY_KEY = {limit.key: limit for limit in LIMITS}


# --- Formulas (pure, exact) -------------------------------------------------------------


def duty(pulses_mhz: int, width_us: int, phases: int = PHASES_PER_PULSE) -> Fraction:
    """Fraction of time current flows: pulses/s x phase width x phases per pulse."""
    return Fraction(pulses_mhz * width_us * phases, 1_000 * 1_000_000)


def rms_squared_ua2(current_ua: int, on_fraction: Fraction) -> Fraction:
    """RMS current squared, uA^2: I^2 x duty (I_rms = I x sqrt(duty))."""
    return current_ua * current_ua * on_fraction


def density_squared(rms2_ua2: Fraction, pad_area_mm2: int) -> Fraction:
    """RMS current density squared, (uA/cm2)^2, on a pad of ``pad_area_mm2``."""
    return rms2_ua2 * Fraction(100, pad_area_mm2) ** 2


def power_density_uw_per_cm2(rms2_ua2: Fraction, pad_area_mm2: int) -> Fraction:
    """Average power density at the standard load, uW/cm2: I_rms^2 x R / area."""
    return rms2_ua2 * hl.LOAD_OHM * 100 / (1_000_000 * pad_area_mm2)


def phase_charge_pc(current_ua: int, width_us: int) -> int:
    """Charge of one phase, pC (uA x us)."""
    return current_ua * width_us


def energy_per_pulse_uj(current_ua: int, width_us: int, phases: int = PHASES_PER_PULSE) -> Fraction:
    """Energy of one pulse at the standard load, uJ: I^2 x R x width, summed over phases."""
    return Fraction(current_ua * current_ua * hl.LOAD_OHM * width_us * phases, 10**12)


def peak_voltage_mv(current_ua: int) -> Fraction:
    """Peak voltage across the standard load, mV."""
    return Fraction(current_ua * hl.LOAD_OHM, 1_000)


# --- The check --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DoseRow:
    """One quantity for one channel and phase, with its verdict against ``limit``."""

    channel: int
    phase: int  # 0-based index into profile.phases
    limit: Limit
    value: Fraction  # internal unit; squared when limit.squared
    verdict: Verdict

    @property
    def shown(self) -> str:
        """The value in display units."""
        return self.limit.show(self.value)


@dataclass(frozen=True, slots=True)
class PhaseDose:
    """The figures for one channel in one phase, at the worst case of that phase."""

    channel: int
    phase: int
    current_ua: int
    pulses_mhz: int
    width_us: int
    duty: Fraction
    rows: tuple[DoseRow, ...]

    def value(self, key: str) -> Fraction:
        """The exact value of quantity ``key`` (squared for rms and density)."""
        return next(r.value for r in self.rows if r.limit.key == key)


@dataclass(frozen=True, slots=True)
class DoseReport:
    """The dose check of a whole profile at one intensity (``None``: each channel's ceiling)."""

    profile: str
    intensity_ua: int | None
    entries: tuple[PhaseDose, ...]

    @property
    def rows(self) -> tuple[DoseRow, ...]:
        """Every row of every channel and phase."""
        return tuple(row for entry in self.entries for row in entry.rows)

    @property
    def verdict(self) -> Verdict:
        """The worst verdict of all rows."""
        return max((row.verdict for row in self.rows), default=Verdict.OK)

    def findings(self, verdict: Verdict) -> list[DoseRow]:
        """Rows with exactly this verdict."""
        return [row for row in self.rows if row.verdict is verdict]

    def worst(self, channel: int, key: str) -> Fraction:
        """Largest value of ``key`` over the phases of ``channel``."""
        return max(e.value(key) for e in self.entries if e.channel == channel)


def _ceiling_limit(channel: Channel) -> Limit:
    return Limit(
        "ceiling",
        "current vs profile ceiling",
        "mA",
        1_000,
        channel.ceiling_ua,
        None,
        f"this profile's ceiling for channel {channel.number}",
    )


def phase_dose(channel: Channel, index: int, phase: Phase, current_ua: int) -> PhaseDose:
    """Dose figures of ``channel`` in ``phase`` at peak current ``current_ua`` (worst case)."""
    pulses = phase.max_pulses_mhz
    width = phase.max_width_us
    on = duty(pulses, width)
    rms2 = rms_squared_ua2(current_ua, on)
    values: dict[str, Fraction] = {
        "peak": Fraction(current_ua),
        "rms": rms2,
        "density": density_squared(rms2, channel.pad_area_mm2),
        "power_density": power_density_uw_per_cm2(rms2, channel.pad_area_mm2),
        "phase_charge": Fraction(phase_charge_pc(current_ua, width)),
        # Balanced biphasic (the only waveforms a profile may name): the second phase
        # carries the same charge back, so the net charge per pulse is zero.
        "net_charge": Fraction(0),
        "energy": energy_per_pulse_uj(current_ua, width),
        "voltage": peak_voltage_mv(current_ua),
    }
    rows = [
        DoseRow(channel.number, index, lim, values[lim.key], lim.verdict(values[lim.key]))
        for lim in LIMITS
    ]
    if current_ua > channel.ceiling_ua:
        lim = _ceiling_limit(channel)
        rows.insert(1, DoseRow(channel.number, index, lim, Fraction(current_ua), Verdict.REFUSE))
    return PhaseDose(channel.number, index, current_ua, pulses, width, on, tuple(rows))


def check_profile(profile: Profile, intensity_ua: int | None = None) -> DoseReport:
    """The dose check of ``profile`` at ``intensity_ua`` on every channel, or at each ceiling.

    An intensity above a channel's ceiling is itself refused (a session never goes there).
    """
    if intensity_ua is not None and intensity_ua < 0:
        raise ValueError("intensity_ua must not be negative")
    entries = tuple(
        phase_dose(ch, i, ph, ch.ceiling_ua if intensity_ua is None else intensity_ua)
        for ch in profile.channels
        for i, ph in enumerate(profile.phases)
    )
    return DoseReport(profile.name, intensity_ua, entries)
