"""The host-side driver: :class:`TensDevice` over any port (device path, sim://, socket://)."""

from tenscontrol.device.driver import RECOMMENDED_SWITCH_INTERVAL_S, TensDevice
from tenscontrol.device.state import (
    DeviceEvent,
    DeviceInfo,
    LinkFailed,
    LinkStats,
    TelemetrySample,
)

__all__ = [
    "RECOMMENDED_SWITCH_INTERVAL_S",
    "DeviceEvent",
    "DeviceInfo",
    "LinkFailed",
    "LinkStats",
    "TelemetrySample",
    "TensDevice",
]
