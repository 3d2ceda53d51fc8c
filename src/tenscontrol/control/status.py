"""The ``status`` answer's object: the engine's latest snapshot in integer units."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tenscontrol.session.engine import SessionEngine


def status_of(engine: SessionEngine) -> dict[str, Any]:
    """The engine's latest snapshot as the ``status`` object (integer ms, uA, percent)."""
    snap = engine.snapshot()
    return {
        "session_id": snap.session_id or engine.session_id,
        "profile": engine.profile.name,
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
