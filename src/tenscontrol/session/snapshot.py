"""Building the immutable :class:`~tenscontrol.session.events.Snapshot` of a session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tenscontrol.device import TelemetrySample
from tenscontrol.profiles.timeline import Stimulation
from tenscontrol.protocol import Fault, Setpoint
from tenscontrol.session.events import ChannelSnapshot, SessionState, Snapshot
from tenscontrol.session.plan import SessionPlan
from tenscontrol.session.ramps import ChannelRamp


@dataclass(frozen=True, slots=True)
class SnapshotInputs:
    """Everything a snapshot is made of (the engine's state at one moment). Units: ms, uA."""

    session_id: str
    state: SessionState
    t_ms: int
    stim: Stimulation | None
    plan: SessionPlan
    ramps: dict[int, ChannelRamp]
    sent: dict[int, Setpoint | None]
    host_faults: dict[int, list[str]]
    max_delivered: dict[int, int]
    latest: TelemetrySample | None
    link_quality: float
    reason: str | None
    #: Per channel, the over-delivery check's reference for the latest frame (None: none yet).
    judged_ua: Mapping[int, int | None] = field(default_factory=dict)


def fault_names(faults: Fault | None) -> tuple[str, ...]:
    """Names of the latched faults in ``faults``."""
    if not faults:
        return ()
    return tuple(f.name or str(int(f)) for f in Fault if f and f in faults)


def build_snapshot(inputs: SnapshotInputs) -> Snapshot:
    """A snapshot from the engine's state; channels in order."""
    tel = inputs.latest.telemetry if inputs.latest is not None else None
    channels = []
    for n, ramp in sorted(inputs.ramps.items()):
        ct = tel.channels[n - 1] if tel is not None and n <= len(tel.channels) else None
        sent = inputs.sent.get(n)
        stim = inputs.stim
        commanded = sent.amplitude_ua if sent else 0
        judged = inputs.judged_ua.get(n)
        channels.append(
            ChannelSnapshot(
                channel=n,
                # paired with delivered_ua: the setpoint that frame is judged against
                setpoint_ua=judged if ct is not None and judged is not None else commanded,
                commanded_ua=commanded,
                delivered_ua=ct.delivered_ua if ct else None,
                lead=ct.lead.name.lower() if ct else None,
                target_ua=ramp.target_ua,
                paused=ramp.paused,
                faults=(*inputs.host_faults[n], *fault_names(ct.faults if ct else None)),
                max_delivered_ua=inputs.max_delivered[n],
                ceiling_ua=ramp.ceiling_ua,
                rate_mhz=sent.rate_mhz if sent else (stim.rate_mhz if stim else None),
                phase_width_us=sent.phase_width_us if sent else (stim.width_us if stim else None),
            )
        )
    plan = inputs.plan
    phase = inputs.stim.phase_index if inputs.stim is not None else None
    return Snapshot(
        session_id=inputs.session_id,
        state=inputs.state,
        phase_index=phase,
        phase_label=plan.profile.phases[phase].label if phase is not None else None,
        elapsed_ms=inputs.t_ms,
        remaining_ms=max(0, plan.duration_ms - inputs.t_ms),
        channels=tuple(channels),
        link_quality=inputs.link_quality,
        battery_pct=tel.battery_pct if tel is not None else None,
        simulated=plan.info.is_simulator,
        reason=inputs.reason,
    )
