"""The plan of a session, fixed before anything is sent: its duration and setpoint period,
the limit chain (with the dose check at each channel's ceiling), the timeline, and what a
channel's output is at a given moment. Pure: the user caps are passed in (the caller reads
``config.toml``), nothing here touches a clock, a disk or a device. Units: ms, uA.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenscontrol import hard_limits as hl
from tenscontrol.device.state import DeviceInfo
from tenscontrol.errors import UserInputError
from tenscontrol.profiles.model import Profile
from tenscontrol.profiles.timeline import Stimulation, Timeline
from tenscontrol.session.config import UserCaps
from tenscontrol.session.limits import SessionLimits, build_limits
from tenscontrol.session.ramps import ChannelRamp

#: Setpoint rate: 10 Hz.
DEFAULT_PERIOD_MS = 100
#: Shortest setpoint period, ms (the longest is hard_limits.MAX_HEARTBEAT_PERIOD_MS).
MIN_PERIOD_MS = 20


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """What one session of ``profile`` on the device described by ``info`` will do.

    ``intensities_ua``: every channel of the profile -> its starting target in uA, or None
    (wait at 0 until raised). ``channels``: the profile's channel numbers, in its order.
    """

    profile: Profile
    info: DeviceInfo
    caps: UserCaps
    intensities_ua: dict[int, int | None]
    duration_ms: int
    period_ms: int
    limits: SessionLimits
    timeline: Timeline
    channels: tuple[int, ...]

    def new_ramps(self) -> dict[int, ChannelRamp]:
        """A fresh ramp per channel: its chain ceiling, the profile's soft start, the
        starting target (channel number -> ramp)."""
        return {
            n: ChannelRamp(
                n,
                self.limits.of(n).ceiling_ua,
                self.profile.soft_start_ms,
                self.intensities_ua[n],
            )
            for n in self.channels
        }

    def stimulation(self, t_ms: int) -> Stimulation:
        """The profile's pulse shape and modulation ``t_ms`` into the session."""
        return self.timeline.at(t_ms)

    def amplitude_ua(self, ramp: ChannelRamp, t_ms: int, stim: Stimulation) -> int:
        """``ramp``'s setpoint at ``t_ms`` under ``stim``, uA (advances its follow ramp):
        the session's own ramp-down covers the last part of ``duration_ms``."""
        return ramp.amplitude(t_ms, stim.amplitude_permille, self.duration_ms - t_ms)


def plan_session(
    profile: Profile,
    info: DeviceInfo | None,
    caps: UserCaps,
    intensities_ua: dict[int, int | None] | None = None,
    *,
    duration_ms: int | None = None,
    period_ms: int = DEFAULT_PERIOD_MS,
) -> SessionPlan:
    """Check and fix the plan of a session; nothing is sent.

    ``info``: the connected device's (None: not connected, refused). ``duration_ms``:
    shorter than the profile's, or None for the profile's (capped at the hard maximum).
    Raises :class:`UserInputError` (or :class:`~tenscontrol.errors.DoseRefused`) when the
    duration, the period, the soft start, the chain or the dose check refuse.
    """
    if info is None:
        raise UserInputError("connect the device before starting a session")
    limit_ms = min(profile.duration_ms, hl.MAX_SESSION_S * 1_000)
    duration = limit_ms if duration_ms is None else duration_ms
    if not 0 < duration <= limit_ms:
        raise UserInputError(
            f"session duration {duration} ms: must be 1 to {limit_ms} ms "
            f"(the maximum of profile {profile.name})"
        )
    if not MIN_PERIOD_MS <= period_ms <= hl.MAX_HEARTBEAT_PERIOD_MS:
        raise UserInputError(
            f"setpoint period {period_ms} ms is outside "
            f"{MIN_PERIOD_MS}-{hl.MAX_HEARTBEAT_PERIOD_MS} ms"
        )
    if profile.soft_start_ms < hl.MIN_SOFT_START_S * 1_000:
        raise UserInputError(f"profile {profile.name}: soft start below the minimum")
    wanted = intensities_ua or {}
    return SessionPlan(
        profile=profile,
        info=info,
        caps=caps,
        intensities_ua={c.number: wanted.get(c.number) for c in profile.channels},
        duration_ms=duration,
        period_ms=period_ms,
        limits=build_limits(profile, info, caps, dict(wanted)),
        timeline=Timeline(profile),
        channels=tuple(c.number for c in profile.channels),
    )
