"""Find TENS devices: serial ports whose USB VID:PID is the one firmware_protocol.md names.

Listing never writes to a port. Only matching ports, or ports the user names, are probed.
"""

from __future__ import annotations

from dataclasses import dataclass

from serial.tools import list_ports

from tenscontrol.protocol.constants import USB_PID, USB_VID


@dataclass(frozen=True, slots=True)
class PortCandidate:
    """A serial port seen on this machine. ``matches`` is True for a tenscontrol VID:PID."""

    device: str
    description: str
    vid: int | None
    pid: int | None
    serial_number: str | None
    matches: bool

    @property
    def usb_id(self) -> str:
        """``vvvv:pppp`` in hex, or ``-`` for a port without USB ids."""
        if self.vid is None or self.pid is None:
            return "-"
        return f"{self.vid:04x}:{self.pid:04x}"


def list_serial_ports(*, include_all: bool = False) -> list[PortCandidate]:
    """Serial ports, tenscontrol devices first; others only with ``include_all``."""
    found: list[PortCandidate] = []
    for port in list_ports.comports():
        matches = port.vid == USB_VID and port.pid == USB_PID
        if not (matches or include_all):
            continue
        found.append(
            PortCandidate(
                device=port.device,
                description=port.description or "",
                vid=port.vid,
                pid=port.pid,
                serial_number=port.serial_number,
                matches=matches,
            )
        )
    return sorted(found, key=lambda c: (not c.matches, c.device))
