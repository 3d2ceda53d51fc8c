"""The ``status`` object shows setpoint and delivered current as a pair measured together
(issue 13): never an over-delivery that did not happen (a ramp-down step the device had not
seen yet), never hiding one that did; and the profile named with its origin."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from control_helpers import Rig, virtual_rig

from tenscontrol import hard_limits as hl
from tenscontrol.control.status import status_of
from tenscontrol.device import TelemetrySample
from tenscontrol.device.state import DeviceEvent
from tenscontrol.profiles import resolve
from tenscontrol.session import SessionEngine


def watch_status(rig: Rig, engine: SessionEngine) -> list[dict[str, Any]]:
    """Every channel-1 status entry, read at every telemetry frame while the engine runs."""
    seen: list[dict[str, Any]] = []

    def look(event: DeviceEvent) -> None:
        if isinstance(event, TelemetrySample):
            status = status_of(engine)
            if status["state"] == "running":
                seen.append(status["channels"][0])

    rig.device.subscribe(look)
    return seen


def test_a_ramp_down_never_shows_delivered_above_the_setpoint(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 20_000}, duration_ms=20_000)
        seen = watch_status(rig, engine)
        result = engine.run()
    assert result.reason == "completed"
    shown = [c for c in seen if c["delivered_ua"] is not None]
    assert shown
    assert all(c["delivered_ua"] <= c["setpoint_ua"] for c in shown), [
        c for c in shown if c["delivered_ua"] > c["setpoint_ua"]
    ][:3]
    # the case that used to read as over-delivery did happen: the host had already sent a
    # lower SET than the frame's delivered current (both are shown, each with its name)
    assert any(c["commanded_ua"] < c["delivered_ua"] for c in shown)


def test_a_real_over_delivery_still_shows_as_delivered_above_the_setpoint(
    tmp_path: Path,
) -> None:
    with virtual_rig(tmp_path, "overdeliver=1@12:50") as rig:
        engine = rig.engine("low-back", {1: 10_000}, duration_ms=30_000)
        seen = watch_status(rig, engine)
        result = engine.run()
    assert result.reason == "fault"
    over = [
        c
        for c in seen
        if c["delivered_ua"] is not None
        and c["delivered_ua"] > c["setpoint_ua"] + hl.over_delivery_margin_ua(c["setpoint_ua"])
    ]
    assert over, seen[-5:]
    assert all(c["setpoint_ua"] <= 10_000 for c in over)  # judged against what was sent


def test_status_names_a_user_profile_by_its_file(tmp_path: Path) -> None:
    builtin = resolve("low-back")
    assert builtin.path is not None
    mine = tmp_path / "low-back.toml"
    mine.write_bytes(builtin.path.read_bytes().replace(b"ceiling_ma = 50", b"ceiling_ma = 70"))
    shown = []
    with virtual_rig(tmp_path) as rig:
        for profile in (resolve(str(mine)), builtin):
            engine = rig.engine(profile, {1: 5_000}, duration_ms=6_000)
            engine.run()
            shown.append(status_of(engine))
    by_label = {s["profile"]: s["profile_sha256"] for s in shown}
    assert by_label[f"low-back ({mine})"] == hashlib.sha256(mine.read_bytes()).hexdigest()
    assert by_label["low-back"] == hashlib.sha256(builtin.path.read_bytes()).hexdigest()
