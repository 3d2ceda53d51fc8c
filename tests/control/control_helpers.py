"""Helpers for the control tests: the engine on a simulated device in virtual time (the
session tests' rig), and actions run at a device time in the engine's own thread."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "session"))

from session_helpers import Rig, virtual_rig

from tenscontrol.device import TelemetrySample
from tenscontrol.device.state import DeviceEvent

__all__ = ["Rig", "at", "virtual_rig"]


def at(rig: Rig, when_s: float, action: Callable[[], None]) -> None:
    """Run ``action()`` once at device time ``when_s`` (deterministic, in the engine's
    thread: the device calls subscribers while the engine pumps the link)."""
    done: list[bool] = []

    def fire(event: DeviceEvent) -> None:
        if not done and isinstance(event, TelemetrySample) and event.at >= when_s:
            done.append(True)
            action()

    rig.device.subscribe(fire)
