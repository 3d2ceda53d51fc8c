"""Session histories for the care tests (pain diary, progress, tolerance): logs written by
the product's own writer, with a built-in profile as run in the header, at local times a
test chooses."""

from __future__ import annotations

import functools
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tenscontrol.profiles import resolve
from tenscontrol.records.diary import PainSource, pain_record
from tenscontrol.records.logwriter import SessionLogWriter

#: Pain scores of a session: (before, after), either None.
Pain = tuple[int | None, int | None]


def local_wall(day: date, hour: int = 12, minute: int = 0) -> float:
    """Unix time of ``hour:minute`` local time on ``day``."""
    return datetime(day.year, day.month, day.day, hour, minute).timestamp()


@functools.cache
def profile_as_run(name: str) -> dict[str, Any]:
    """A built-in profile as a header has it (``asdict`` of the loaded profile)."""
    data = asdict(resolve(name))
    data["path"] = None
    data["builtin"] = True
    return data


def write_session(
    home: Path,
    started_wall: float,
    *,
    profile: str = "low-back",
    phases: list[dict[str, Any]] | None = None,
    duration_ms: int = 1_800_000,
    max_ua: int = 20_000,
    simulated: bool = False,
    pain: Pain | None = None,
    finished: bool = True,
) -> Path:
    """One session's log in the data folder ``home``: header (``profile`` as run, its
    ``phases`` replaced when given), start, a telemetry line, stop and summary (unless
    ``finished`` is False: an interrupted log) and the pain diary's record when ``pain``."""
    stamp = datetime.fromtimestamp(started_wall, UTC).strftime("%Y%m%dT%H%M%SZ")
    writer = SessionLogWriter.create(f"{stamp}-{profile}", home)
    run_as = dict(profile_as_run(profile))
    if phases is not None:
        run_as["phases"] = phases
    header: dict[str, object] = {
        "type": "header",
        "schema": 1,
        "session_id": writer.session_id,
        "started_wall": started_wall,
        "simulated": simulated,
        "profile": run_as,
        "device": {"model": "TC-SIM-2" if simulated else "TC-1", "serial_number": "T1"},
        "limits": {"1": {"ceiling_ua": 50_000}},
        "intensities_ua": {"1": max_ua},
        "duration_ms": duration_ms,
    }
    writer.write(header, sync=False)
    writer.write({"type": "event", "t_ms": 0, "event": "start", "channels": [1]}, sync=False)
    delivered = {"1": max_ua}
    telemetry = {"setpoint_ua": delivered, "delivered_ua": delivered}
    writer.write({"type": "event", "t_ms": 1_000, "event": "telemetry", **telemetry}, sync=False)
    if finished:
        summary: dict[str, object] = {"type": "summary", "reason": "completed"}
        summary |= {"duration_ms": duration_ms, "max_delivered_ua": delivered}
        summary["ended_wall"] = started_wall + duration_ms / 1_000
        writer.write(summary, sync=False)
    if pain is not None:
        record = pain_record(duration_ms, pain[0], pain[1], PainSource.PROMPT, started_wall)
        writer.write(record, sync=False)
    writer.close()
    return writer.path
