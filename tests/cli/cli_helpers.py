"""Helpers for the CLI tests: recorded sessions in a data dir, made in virtual time."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "session"))

from session_helpers import virtual_rig

from helpers.cli import run as run  # re-exported for the cli tests
from tenscontrol.records import index
from tenscontrol.records.logwriter import SessionLogWriter


def real_session(
    tmp_path: Path, options: str = "", intensity_ua: int = 15_000, duration_ms: int = 20_000
) -> Path:
    """Run low-back on the simulated device in virtual time; its log (data dir tmp/data)."""
    with virtual_rig(tmp_path, options) as rig:
        result = rig.engine("low-back", {1: intensity_ua}, duration_ms=duration_ms).run()
    if result.log_path is None:
        raise RuntimeError("no log written")
    return result.log_path


def torn_session(root: Path, session_id: str = "20300101T000000Z-calf") -> Path:
    """A log cut short by a crash: header, a few events, no summary, a torn last line."""
    writer = SessionLogWriter.create(session_id, root)
    writer.write(
        {
            "type": "header",
            "session_id": session_id,
            "started_wall": 1_893_456_000.0,
            "simulated": False,
            "profile": {"name": "calf"},
            "device": {"model": "TC-1", "serial_number": "A1", "firmware": "1.0"},
            "limits": {"1": {"ceiling_ua": 40_000}},
        },
        sync=True,
    )
    writer.write({"type": "event", "t_ms": 0, "event": "start", "channels": [1]}, sync=True)
    for second in range(1, 6):
        writer.write(
            {
                "type": "event",
                "t_ms": second * 1_000,
                "event": "telemetry",
                "setpoint_ua": {"1": second * 2_000},
                "delivered_ua": {"1": second * 1_900},
            },
            sync=False,
        )
    writer.close()
    with writer.path.open("a") as handle:
        handle.write('{"type": "event", "t_ms": 6000, "eve')
    return writer.path


def set_pain(root: Path, session_id: str, before: int, after: int) -> None:
    """Store pain scores for a session in the index (as the pain diary would)."""
    db = index.connect(root)
    db.execute(
        "UPDATE sessions SET pain_before = ?, pain_after = ? WHERE id = ?",
        (before, after, session_id),
    )
    db.commit()
    db.close()
