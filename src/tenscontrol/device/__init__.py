"""The host-side driver: :class:`TensDevice` over any port (device path, sim://, socket://)."""

from tenscontrol.device.driver import TensDevice
from tenscontrol.device.state import (
    DeviceEvent,
    DeviceInfo,
    LinkFailed,
    LinkStats,
    TelemetrySample,
)

__all__ = ["DeviceEvent", "DeviceInfo", "LinkFailed", "LinkStats", "TelemetrySample", "TensDevice"]
