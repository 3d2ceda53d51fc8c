"""The limit chain of a session, built once at its start, and the one check every setpoint
passes before it is sent.

Chain, one direction only (each link may only narrow the one before it)::

    hard ceilings (hard_limits) >= device capabilities (effective, from IDENTITY)
        >= user caps (config.toml) >= profile ceiling >= live setpoint

The effective amplitude ceiling of a channel is the minimum of the amplitude links; the
link that sets it is named (``binding``). A later link whose *ceiling* is higher than an
earlier one is simply out-ranked (the minimum wins: nothing is widened). What would need
widening is refused with :class:`UserInputError` naming the link: a profile whose rates,
widths, waveforms, patterns or burst trains the device cannot produce, a profile needing a
channel the device lacks, an intensity above the effective ceiling. The dose check of the
profile runs again at each channel's effective ceiling and its real pad area; a refuse
verdict refuses the session.

:func:`check_setpoint` compares every field of a setpoint with the chain in integer units
and raises :class:`LimitViolation` (never clamps, never ``assert``): a violation is a bug in
the host and the engine turns it into an emergency stop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tenscontrol import hard_limits as hl
from tenscontrol.device.state import DeviceInfo
from tenscontrol.errors import DoseRefused, LimitViolation, UserInputError
from tenscontrol.profiles.dose import Verdict, check_profile
from tenscontrol.profiles.model import Phase, Profile
from tenscontrol.profiles.units import fmt_number
from tenscontrol.protocol import ChannelCapabilities, Pattern, Setpoint, Waveform
from tenscontrol.session.config import UserCaps

WAVEFORMS = {
    "symmetric_biphasic": Waveform.SYMMETRIC_BIPHASIC,
    "asymmetric_biphasic": Waveform.ASYMMETRIC_BIPHASIC,
}
PATTERNS = {"continuous": Pattern.CONTINUOUS, "burst": Pattern.BURST}


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    """Everything a setpoint of one channel must stay within. Units: uA, mHz, us.

    Ranges are the intersection of the hard ceilings, the device's effective capabilities
    and what the profile asks for (its phases, modulation included).
    """

    channel: int
    ceiling_ua: int
    binding: str
    links_ua: tuple[tuple[str, int], ...]
    rate_min_mhz: int
    rate_max_mhz: int
    width_min_us: int
    width_max_us: int
    waveforms: frozenset[Waveform]
    patterns: frozenset[Pattern]
    burst_rate_min_mhz: int
    burst_rate_max_mhz: int
    pulses_min: int
    pulses_max: int
    pad_area_mm2: int


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """The chain of every enabled channel (channel number -> limits)."""

    channels: dict[int, ChannelLimits]

    def of(self, channel: int) -> ChannelLimits:
        """Limits of ``channel``; a channel outside the session is a bug."""
        limits = self.channels.get(channel)
        if limits is None:
            raise LimitViolation(f"channel {channel} is not part of this session")
        return limits


def _phase_ranges(phase: Phase) -> tuple[int, int, int, int]:
    """(rate min, rate max, width min, width max) a phase reaches, modulation included."""
    rate_lo, rate_hi = phase.rate_mhz, phase.max_rate_mhz
    mod = phase.modulation
    if mod is not None and mod.rate_to_mhz is not None:
        rate_lo = min(rate_lo, mod.rate_to_mhz)
    width_lo, width_hi = phase.width_us, phase.max_width_us
    if mod is not None and mod.width_to_us is not None:
        width_lo = min(width_lo, mod.width_to_us)
    return rate_lo, rate_hi, width_lo, width_hi


def _device_refuses(caps: ChannelCapabilities, phase: Phase, index: int, n: int) -> str | None:
    """Why the device cannot produce ``phase`` on channel ``n``, or None."""
    rate_lo, rate_hi, width_lo, width_hi = _phase_ranges(phase)
    where = f"channel {n}, phase {index + 1}"
    if rate_lo < caps.rate_min_mhz or rate_hi > caps.rate_max_mhz:
        return (
            f"{where}: pulse rate {rate_lo}-{rate_hi} mHz is outside the device's "
            f"{caps.rate_min_mhz}-{caps.rate_max_mhz} mHz"
        )
    if width_lo < caps.width_min_us or width_hi > caps.width_max_us:
        return (
            f"{where}: phase width {width_lo}-{width_hi} us is outside the device's "
            f"{caps.width_min_us}-{caps.width_max_us} us"
        )
    if not caps.waveforms >> WAVEFORMS[phase.waveform] & 1:
        return f"{where}: the device does not offer waveform {phase.waveform}"
    if not caps.patterns >> PATTERNS[phase.pattern] & 1:
        return f"{where}: the device does not offer pattern {phase.pattern}"
    if phase.pattern == "burst":
        burst, pulses = phase.burst_rate_mhz or 0, phase.pulses_per_burst or 0
        if not caps.burst_rate_min_mhz <= burst <= caps.burst_rate_max_mhz:
            return f"{where}: burst rate {burst} mHz is outside the device's range"
        if not caps.pulses_per_burst_min <= pulses <= caps.pulses_per_burst_max:
            return f"{where}: {pulses} pulses per burst is outside the device's range"
    return None


def build_limits(
    profile: Profile,
    info: DeviceInfo,
    caps: UserCaps,
    intensities_ua: dict[int, int | None],
) -> SessionLimits:
    """Build and check the chain for every channel of ``profile``.

    ``intensities_ua`` maps channel -> starting target in uA (None: wait at 0). Raises
    :class:`UserInputError` naming the link that would have to widen, or
    :class:`DoseRefused` when the dose check at the effective ceiling refuses.
    """
    unknown = sorted(set(intensities_ua) - {c.number for c in profile.channels})
    if unknown:
        raise UserInputError(f"intensity given for channel {unknown[0]}, which the profile lacks")
    channels: dict[int, ChannelLimits] = {}
    for channel in profile.channels:
        n = channel.number
        if n > len(info.channels):
            raise UserInputError(
                f"profile {profile.name} needs channel {n}; the device has {len(info.channels)}"
            )
        dev = info.channels[n - 1]
        for index, phase in enumerate(profile.phases):
            reason = _device_refuses(dev, phase, index, n)
            if reason is not None:
                raise UserInputError(f"device capabilities: {reason}")
        links = _links(channel.number, channel.ceiling_ua, caps, dev.max_amplitude_ua)
        ceiling, binding = _ceiling_under(links, n, intensities_ua.get(n))
        ranges = [_phase_ranges(p) for p in profile.phases]
        bursts = [p for p in profile.phases if p.pattern == "burst"]
        channels[n] = ChannelLimits(
            channel=n,
            ceiling_ua=ceiling,
            binding=binding,
            links_ua=tuple(links),
            rate_min_mhz=max(hl.MIN_PULSE_RATE_MHZ, dev.rate_min_mhz, min(r[0] for r in ranges)),
            rate_max_mhz=min(hl.MAX_PULSE_RATE_MHZ, dev.rate_max_mhz, max(r[1] for r in ranges)),
            width_min_us=max(hl.MIN_PHASE_WIDTH_US, dev.width_min_us, min(r[2] for r in ranges)),
            width_max_us=min(hl.MAX_PHASE_WIDTH_US, dev.width_max_us, max(r[3] for r in ranges)),
            waveforms=frozenset(WAVEFORMS[p.waveform] for p in profile.phases),
            patterns=frozenset(PATTERNS[p.pattern] for p in profile.phases),
            burst_rate_min_mhz=max(
                hl.MIN_BURST_RATE_MHZ,
                dev.burst_rate_min_mhz,
                min((p.burst_rate_mhz or 0 for p in bursts), default=hl.MIN_BURST_RATE_MHZ),
            ),
            burst_rate_max_mhz=min(
                hl.MAX_BURST_RATE_MHZ,
                dev.burst_rate_max_mhz,
                max((p.burst_rate_mhz or 0 for p in bursts), default=0),
            ),
            pulses_min=max(
                hl.MIN_PULSES_PER_BURST,
                dev.pulses_per_burst_min,
                min((p.pulses_per_burst or 0 for p in bursts), default=hl.MIN_PULSES_PER_BURST),
            ),
            pulses_max=min(
                hl.MAX_PULSES_PER_BURST,
                dev.pulses_per_burst_max,
                max((p.pulses_per_burst or 0 for p in bursts), default=0),
            ),
            pad_area_mm2=channel.pad_area_mm2,
        )
    _recheck_dose(profile, {n: lim.ceiling_ua for n, lim in channels.items()})
    return SessionLimits(channels)


def check_before_device(
    profile: Profile, caps: UserCaps, intensities_ua: dict[int, int | None]
) -> None:
    """The part of the chain known before any port is opened: hard ceiling, user caps and
    profile ceiling, the starting intensities under them, and the dose check there.

    The device can only lower a ceiling further, and every dose figure grows with the
    current, so what passes here cannot be refused later for a reason found here; what
    fails here is refused (exit 2) before anything reaches a device. Units: uA.
    """
    ceilings: dict[int, int] = {}
    for channel in profile.channels:
        n = channel.number
        links = _links(n, channel.ceiling_ua, caps, None)
        ceilings[n], _ = _ceiling_under(links, n, intensities_ua.get(n))
    _recheck_dose(profile, ceilings)


def _links(
    channel: int, profile_ua: int, caps: UserCaps, device_ua: int | None
) -> list[tuple[str, int]]:
    """The amplitude links of ``channel``'s chain, widest first (device: None if unknown)."""
    links = [("hard ceiling", hl.MAX_AMPLITUDE_UA)]
    if device_ua is not None:
        links.append(("device capability", device_ua))
    cap = caps.cap(channel)
    if cap is not None:
        links.append(("user cap", cap))
    links.append(("profile ceiling", profile_ua))
    return links


def _ceiling_under(
    links: list[tuple[str, int]], channel: int, target_ua: int | None
) -> tuple[int, str]:
    """The chain's ceiling in uA and the link that sets it; a starting intensity above it
    (or below 0) is refused naming that link."""
    ceiling = min(value for _, value in links)
    binding = [name for name, value in links if value == ceiling][-1]
    if target_ua is not None and not 0 <= target_ua <= ceiling:
        raise UserInputError(
            f"channel {channel}: intensity {fmt_number(target_ua, 1_000)} mA is above the "
            f"{binding} of {fmt_number(ceiling, 1_000)} mA",
            hint="ask for less, or change that limit",
        )
    return ceiling, binding


def _recheck_dose(profile: Profile, ceilings_ua: dict[int, int]) -> None:
    """The profile's dose check at each channel's ceiling in ``ceilings_ua``."""
    effective = replace(
        profile,
        channels=tuple(replace(c, ceiling_ua=ceilings_ua[c.number]) for c in profile.channels),
    )
    report = check_profile(effective)
    refused = report.findings(Verdict.REFUSE)
    if refused:
        row = refused[0]
        where = f"{profile.path}: " if profile.path is not None else f"profile {profile.name}: "
        raise DoseRefused(
            f"{where}dose check at the channel's ceiling "
            f"({fmt_number(ceilings_ua[row.channel], 1_000)} mA):"
            f" channel {row.channel}, phase {row.phase + 1}:"
            f" {row.limit.label} {row.shown} {row.limit.unit} ({row.limit.describe()})",
            hint="lower ceiling_ma, or use larger pads (pad_area_cm2)",
        )


def check_setpoint(setpoint: Setpoint, limits: SessionLimits) -> None:
    """Raise :class:`LimitViolation` unless every field of ``setpoint`` is within the chain.

    Integer comparisons only (uA, mHz, us). Called for every setpoint before it is sent.
    """
    lim = limits.of(setpoint.channel)
    sp = setpoint
    problems: list[str] = []
    if not 0 <= sp.amplitude_ua <= lim.ceiling_ua or sp.amplitude_ua > hl.MAX_AMPLITUDE_UA:
        problems.append(
            f"amplitude {sp.amplitude_ua} uA above the {lim.binding} {lim.ceiling_ua} uA"
        )
    if not lim.rate_min_mhz <= sp.rate_mhz <= lim.rate_max_mhz:
        problems.append(f"rate {sp.rate_mhz} mHz outside {lim.rate_min_mhz}-{lim.rate_max_mhz}")
    if not lim.width_min_us <= sp.phase_width_us <= lim.width_max_us:
        problems.append(
            f"width {sp.phase_width_us} us outside {lim.width_min_us}-{lim.width_max_us}"
        )
    if sp.waveform not in lim.waveforms:
        problems.append(f"waveform {sp.waveform!r} not allowed")
    if sp.pattern not in lim.patterns:
        problems.append(f"pattern {sp.pattern!r} not allowed")
    if sp.pattern is Pattern.BURST:
        if not lim.burst_rate_min_mhz <= sp.burst_rate_mhz <= lim.burst_rate_max_mhz:
            problems.append(f"burst rate {sp.burst_rate_mhz} mHz out of range")
        if not lim.pulses_min <= sp.pulses_per_burst <= lim.pulses_max:
            problems.append(f"{sp.pulses_per_burst} pulses per burst out of range")
        if sp.pulses_per_burst * sp.burst_rate_mhz >= sp.rate_mhz:
            problems.append("burst train longer than its period")
    elif sp.burst_rate_mhz != 0 or sp.pulses_per_burst != 0:
        problems.append("burst fields set in continuous pattern")
    if problems:
        raise LimitViolation(f"setpoint for channel {sp.channel} refused: {'; '.join(problems)}")
