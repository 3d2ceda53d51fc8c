"""The simulated device's TELEMETRY frames (firmware_protocol.md section 4.9).

:class:`TelemetryBuilder` turns the firmware's state into one TELEMETRY message: run state,
every latched fault, the battery, uptime (ms since the last reset), host frames dropped,
and per channel the setpoint in force, the delivered current (uA), the lead and its
impedance (ohm). It keeps each channel's previous entry, which is immutable, and reuses it
while nothing in it changed, so a steady channel costs no new object per frame.
"""

from __future__ import annotations

from tenscontrol.protocol import ChannelTelemetry, Lead, Telemetry
from tenscontrol.protocol.constants import IMPEDANCE_OPEN, fault_of
from tenscontrol.sim.channel import Channel
from tenscontrol.sim.firmware import (
    BATTERY_LOW,
    BATTERY_OK,
    LEAD_IMPEDANCE_OHM,
    US_PER_MS,
    Firmware,
)

#: Uptime and the frame-error count are u32 on the wire: they wrap.
_U32 = 0xFFFFFFFF


class TelemetryBuilder:
    """Builds the TELEMETRY frames of one simulated device."""

    def __init__(self) -> None:
        self._last: dict[int, ChannelTelemetry] = {}

    def build(self, firmware: Firmware, frame_errors: int) -> Telemetry:
        """TELEMETRY for the firmware's state now; ``frame_errors`` since the last reset."""
        mv, pct = BATTERY_LOW if firmware.battery_low else BATTERY_OK
        device_faults = int(firmware.device_faults)
        channels = tuple(self._channel(ch, device_faults) for ch in firmware.channels)
        return Telemetry(
            state=firmware.state,
            faults=firmware.all_faults(),
            battery_mv=mv,
            battery_pct=pct,
            uptime_ms=((firmware.now_us - firmware.boot_us) // US_PER_MS) & _U32,
            frame_errors=frame_errors & _U32,
            channels=channels,
        )

    def _channel(self, ch: Channel, device_faults: int) -> ChannelTelemetry:
        """Channel ``ch``'s entry; the previous frame's when nothing in it changed."""
        setpoint = ch.setpoint if ch.enabled and not ch.faults else 0
        faults = int(ch.faults) | device_faults
        last = self._last.get(ch.number)
        if (
            last is not None
            and last.setpoint_ua == setpoint
            and last.delivered_ua == ch.delivered
            and last.lead is ch.lead
            and last.faults == faults
        ):
            return last
        entry = ChannelTelemetry(
            setpoint_ua=setpoint,
            delivered_ua=ch.delivered,
            lead=ch.lead,
            impedance_ohm=LEAD_IMPEDANCE_OHM if ch.lead is Lead.OK else IMPEDANCE_OPEN,
            faults=fault_of(faults),
        )
        self._last[ch.number] = entry
        return entry
