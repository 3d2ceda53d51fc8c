"""Helpers for the session tests: the engine on a simulated device in virtual time."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tenscontrol import sim
from tenscontrol.clock import VirtualClock
from tenscontrol.device import TensDevice
from tenscontrol.profiles import Profile, resolve
from tenscontrol.session import SessionEngine
from tenscontrol.session.config import UserCaps
from tenscontrol.sim.model import DeviceModel

_names = itertools.count()


@dataclass
class Rig:
    """A connected virtual device, its clock, its model and the simulator's event log."""

    device: TensDevice
    clock: VirtualClock
    sim_log: Path
    data_root: Path

    @property
    def model(self) -> DeviceModel:
        return self.device._core.port.model  # type: ignore[attr-defined,no-any-return]

    def engine(
        self,
        profile: Profile | str = "low-back",
        intensities_ua: dict[int, int | None] | None = None,
        **kwargs: Any,
    ) -> SessionEngine:
        """A SessionEngine on this rig (no user caps unless given)."""
        chosen = resolve(profile) if isinstance(profile, str) else profile
        kwargs.setdefault("caps", UserCaps())
        kwargs.setdefault("data_root", self.data_root)
        return SessionEngine(chosen, self.device, intensities_ua=intensities_ua, **kwargs)

    def sim_events(self) -> list[dict[str, Any]]:
        """The simulator's own log (what the device did), parsed."""
        if not self.sim_log.exists():
            return []
        return [json.loads(line) for line in self.sim_log.read_text().splitlines()]


@contextmanager
def virtual_rig(tmp_path: Path, options: str = "", **kwargs: Any) -> Iterator[Rig]:
    """A TensDevice in manual mode on a simulator with ``options`` (a sim:// URL query), a
    virtual clock and a sim log."""
    clock = VirtualClock()
    name = f"session-{next(_names)}"
    tmp_path.mkdir(parents=True, exist_ok=True)
    sim_log = tmp_path / f"{name}-sim.jsonl"
    query = f"log={sim_log}" + (f"&{options}" if options else "")
    port = sim.open_simulator(sim.parse_query(query), clock=clock)
    device = TensDevice(port, clock=clock, threaded=False, **kwargs)
    try:
        device.connect()
        yield Rig(device, clock, sim_log, tmp_path / "data")
    finally:
        device.close()


def long_profile(name: str = "low-back", minutes: int = 60) -> Profile:
    """A built-in profile stretched to ``minutes`` (its single phase lengthened)."""
    base = resolve(name)
    ms = minutes * 60_000
    phases = (replace(base.phases[0], duration_ms=ms), *base.phases[1:])
    if base.repeat_phases:
        phases = base.phases
    return replace(base, duration_ms=ms, phases=phases)


def outputs_within_setpoints(events: list[dict[str, Any]]) -> list[str]:
    """Problems where the simulated device's delivered current exceeded its last SET."""
    setpoint: dict[int, int] = {}
    problems = []
    for event in events:
        kind = event["event"]
        if kind == "set":
            setpoint[event["channel"]] = event["amplitude_ua"]
        elif kind == "output" and event["amplitude_ua"] > setpoint.get(event["channel"], 0):
            problems.append(f"{event}")
    return problems


#: Unix time of virtual time 0 (VirtualClock's default ``start_wall``).
WALL0 = VirtualClock().wall()


def device_s(event: dict[str, Any]) -> float:
    """Virtual (device) time of a simulator log event, seconds since power-on."""
    return float(event["t"]) - WALL0


def delivered_series(events: list[dict[str, Any]], channel: int) -> list[tuple[float, int]]:
    """(device time s, delivered uA) of every output change of ``channel`` in the sim log."""
    return [
        (device_s(e), e["amplitude_ua"])
        for e in events
        if e["event"] == "output" and e["channel"] == channel
    ]
