"""The ``status`` answer's object: the engine's latest snapshot in integer units.

Per channel, ``setpoint_ua`` and ``delivered_ua`` are a pair measured together (the
setpoint that frame's delivered current is judged against), and ``commanded_ua`` is the
newest value the host sent: see :class:`~tenscontrol.session.events.ChannelSnapshot`. The
profile is named as everywhere else: its name for a built-in, else the name and its file
(with the file's ``sha256`` as read)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tenscontrol.records.logreader import profile_label

if TYPE_CHECKING:
    from tenscontrol.session.engine import SessionEngine


def status_of(engine: SessionEngine) -> dict[str, Any]:
    """The engine's latest snapshot as the ``status`` object (integer ms, uA, percent)."""
    from tenscontrol.session.recorder import profile_path  # the engine is loaded already

    snap = engine.snapshot()
    profile = engine.profile
    return {
        "session_id": snap.session_id or engine.session_id,
        "profile": profile_label(profile.name, builtin=profile.builtin, path=profile_path(profile)),
        "profile_sha256": profile.sha256,
        "state": snap.state,
        "reason": snap.reason,
        "phase": snap.phase_index,
        "phase_label": snap.phase_label,
        "elapsed_ms": snap.elapsed_ms,
        "remaining_ms": snap.remaining_ms,
        "duration_ms": engine.duration_ms,
        "stimulating": snap.stimulating,
        "simulated": snap.simulated,
        "link_quality_pct": round(snap.link_quality * 100),
        "battery_pct": snap.battery_pct,
        "channels": [
            {**c.record(), "ceiling_ua": engine.limits.of(c.channel).ceiling_ua}
            for c in snap.channels
        ],
    }
