"""Numbers and codes of the wire protocol (firmware_protocol.md), as enums and constants.

Everything here is part of the spec: change it only together with firmware_protocol.md.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag
from typing import Final

#: Protocol major version this package speaks, and its minor version (firmware_protocol.md
#: 1.1: the simulator's IDENTITY carries PROTOCOL_MINOR).
PROTOCOL_MAJOR: Final = 1
PROTOCOL_MINOR: Final = 1

#: USB identity of a tenscontrol device (pid.codes open-hardware vendor id).
USB_VID: Final = 0x1209
USB_PID: Final = 0x7E4E

#: Nominal line settings (CDC-ACM ignores them, real UART bridges do not).
BAUDRATE: Final = 115_200

#: Frame delimiter after COBS stuffing.
DELIMITER: Final = 0x00
#: Header: version u8, type u8, sequence id u16 little-endian.
HEADER_LEN: Final = 4
#: Trailer: CRC-32/ISO-HDLC over header and payload, u32 little-endian.
CRC_LEN: Final = 4
#: Largest payload, in bytes.
MAX_PAYLOAD_LEN: Final = 240
#: Largest unstuffed frame (header + payload + CRC).
MAX_RAW_FRAME_LEN: Final = HEADER_LEN + MAX_PAYLOAD_LEN + CRC_LEN
#: Largest stuffed frame, delimiter not counted (COBS adds 1 byte per 254, at least 1).
MAX_STUFFED_FRAME_LEN: Final = MAX_RAW_FRAME_LEN + 1 + MAX_RAW_FRAME_LEN // 254
#: Smallest unstuffed frame.
MIN_RAW_FRAME_LEN: Final = HEADER_LEN + CRC_LEN

#: Device timing (see the timing table of the spec), milliseconds.
TELEMETRY_PERIOD_MS: Final = 50
WATCHDOG_DEFAULT_MS: Final = 1_000
#: Device-side over-delivery trip: longer than the host's 100 ms, so the host trips first.
DEVICE_OVER_DELIVERY_MS: Final = 200
#: Largest model or serial-number string, bytes of ASCII.
MAX_ID_STRING_LEN: Final = 24
#: Most channels IDENTITY and TELEMETRY may carry (spec 1.1, D2): 23 bytes of IDENTITY
#: head, two 24-byte strings and 6 x 28 bytes of capabilities is 239 <= 240; a 7th would not
#: fit. Encoders refuse more, decoders treat more as a malformed payload. (The host accepts
#: at most hard_limits.MAX_CHANNELS.)
MAX_CHANNELS_ON_WIRE: Final = 6
#: Impedance value meaning "open circuit or not measured".
IMPEDANCE_OPEN: Final = 0xFFFF


class MsgType(IntEnum):
    """Message type byte. 0x01-0x7F host requests, 0x80-0x9F responses, 0xA0-0xBF pushed."""

    HELLO = 0x01
    START = 0x02
    STOP = 0x03
    SET = 0x04
    HEARTBEAT = 0x05
    IDENTITY = 0x81
    ACK = 0x82
    NAK = 0x83
    TELEMETRY = 0xA0
    BOOT = 0xA1


#: Host frames that refresh the device watchdog: every host request, but only when it is
#: written in the negotiated version byte (HELLO included, spec 1.1 D4).
WATCHDOG_REFRESHING: Final = frozenset(
    {MsgType.HELLO, MsgType.START, MsgType.STOP, MsgType.SET, MsgType.HEARTBEAT}
)


class NakCode(IntEnum):
    """Why the device refused a request. ``field`` in the NAK names the payload field."""

    BAD_LENGTH = 1
    UNKNOWN_TYPE = 2
    UNSUPPORTED_VERSION = 3
    BAD_CHANNEL = 4
    OUT_OF_RANGE = 5
    BAD_STATE = 6
    FAULT_LATCHED = 7
    LEAD_OFF = 8
    LOW_BATTERY = 9
    INTERNAL = 10


NAK_TEXT: Final[dict[NakCode, str]] = {
    NakCode.BAD_LENGTH: "payload length is wrong for this message type",
    NakCode.UNKNOWN_TYPE: "the device does not know this message type",
    NakCode.UNSUPPORTED_VERSION: "the frame's protocol version is not the negotiated one",
    NakCode.BAD_CHANNEL: "no such channel on this device",
    NakCode.OUT_OF_RANGE: "a value is outside the device's limits",
    NakCode.BAD_STATE: "not allowed in the device's current state (START first?)",
    NakCode.FAULT_LATCHED: "a fault is latched; only a new START clears it",
    NakCode.LEAD_OFF: "an electrode lead is off; reattach the pad, then START",
    NakCode.LOW_BATTERY: "the device battery is too low to stimulate",
    NakCode.INTERNAL: "the device reports an internal error",
}


class Fault(IntFlag):
    """Latched faults. Channel faults use bits 0-2, device-wide faults bits 3-5."""

    NONE = 0
    LEAD_OFF = 0x01
    OVER_DELIVERY = 0x02
    OVER_CURRENT = 0x04
    LOW_BATTERY = 0x08
    HOST_LOST = 0x10
    INTERNAL = 0x20


CHANNEL_FAULTS: Final = Fault.LEAD_OFF | Fault.OVER_DELIVERY | Fault.OVER_CURRENT
DEVICE_FAULTS: Final = Fault.LOW_BATTERY | Fault.HOST_LOST | Fault.INTERNAL

#: ``Fault(value)`` for each value seen so far (a u8 on the wire: at most 256 entries).
_FAULT_OF: dict[int, Fault] = {}


def fault_of(value: int) -> Fault:
    """``Fault(value)``, remembered per value: the same member, without calling the flag
    class (and its pure-Python lookup) for every frame. Thread-safe (a dict store)."""
    member = _FAULT_OF.get(value)
    if member is None:
        member = _FAULT_OF[value] = Fault(value)
    return member


class DeviceState(IntEnum):
    """Device-wide state: IDLE (no output, watchdog off) or RUNNING (watchdog armed)."""

    IDLE = 0
    RUNNING = 1


class Waveform(IntEnum):
    """Charge-balanced biphasic waveforms. Monophasic does not exist on this wire."""

    SYMMETRIC_BIPHASIC = 0
    ASYMMETRIC_BIPHASIC = 1


class Pattern(IntEnum):
    """Continuous pulses, or trains (bursts) of pulses."""

    CONTINUOUS = 0
    BURST = 1


class Lead(IntEnum):
    """Electrode contact as the device measures it."""

    OK = 0
    OFF = 1


class ResetReason(IntEnum):
    """Why the device (re)booted, carried by BOOT."""

    POWER_ON = 0
    MCU_WATCHDOG = 1
    BROWN_OUT = 2
    SOFTWARE_RESET = 3
    UNKNOWN = 0xFF


class IdentityFlag(IntFlag):
    """Flags in IDENTITY."""

    NONE = 0
    SIMULATOR = 0x01
