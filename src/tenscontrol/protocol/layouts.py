"""Byte layouts of the payloads in firmware_protocol.md (little-endian ``struct``s) and
the checked readers the codec decodes them with: every short, long or out-of-range payload
becomes a :class:`PayloadError` naming the message, the byte and the NAK code. Encoding is
checked by :class:`Layout`: a field outside its wire range is an ``EncodeError`` naming it."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import TypeVar

from tenscontrol.errors import PayloadError
from tenscontrol.protocol.constants import MAX_ID_STRING_LEN, NakCode
from tenscontrol.protocol.messages import Message
from tenscontrol.protocol.wire_struct import Layout

HELLO = Layout("Hello", "BB", ("min_version", "max_version"))
START = Layout("Start", "BH", ("channel_mask", "watchdog_ms"))
SETPOINT = Layout(
    "Setpoint",
    "BIIHBBIB",
    (
        "channel",
        "amplitude_ua",
        "rate_mhz",
        "phase_width_us",
        "waveform",
        "pattern",
        "burst_rate_mhz",
        "pulses_per_burst",
    ),
)
ACK_HEAD = Layout("Ack", "B", ("request_type",))
NAK = Layout("Nak", "BBB", ("request_type", "code", "field"))
ID_HEAD = Layout(
    "Identity",
    "BBBBBBBB",
    (
        "selected_version",
        "minor_version",
        "device_min_version",
        "device_max_version",
        "flags",
        "firmware[0]",
        "firmware[1]",
        "firmware[2]",
    ),
)
ID_TIMING = Layout(
    "Identity",
    "HHHHIB",
    (
        "watchdog_min_ms",
        "watchdog_max_ms",
        "watchdog_default_ms",
        "telemetry_period_ms",
        "slew_ua_per_s",
        "len(channels)",
    ),
)
CAPS = Layout(
    "Identity.channels",
    "IIIHHBBIIBB",
    (
        "max_amplitude_ua",
        "rate_min_mhz",
        "rate_max_mhz",
        "width_min_us",
        "width_max_us",
        "waveforms",
        "patterns",
        "burst_rate_min_mhz",
        "burst_rate_max_mhz",
        "pulses_per_burst_min",
        "pulses_per_burst_max",
    ),
)
TELEMETRY_HEAD = Layout(
    "Telemetry",
    "BBHBIIB",
    (
        "state",
        "faults",
        "battery_mv",
        "battery_pct",
        "uptime_ms",
        "frame_errors",
        "len(channels)",
    ),
)
CHANNEL_TELEMETRY = Layout(
    "Telemetry.channels",
    "IIBHB",
    ("setpoint_ua", "delivered_ua", "lead", "impedance_ohm", "faults"),
)
BOOT = Layout("Boot", "B", ("reason",))

E = TypeVar("E", bound=IntEnum)


def exact(payload: bytes, layout: Layout, what: str) -> tuple[int, ...]:
    """``payload`` unpacked with ``layout``; BAD_LENGTH unless it is exactly that long."""
    if len(payload) != layout.size:
        raise PayloadError(
            f"{what} payload is {len(payload)} bytes, expected {layout.size}",
            code=NakCode.BAD_LENGTH,
        )
    return layout.unpack(payload)


def enum_of(kind: type[E], value: int, field: int, what: str) -> E:
    """The member of ``kind`` for ``value``; OUT_OF_RANGE naming ``field`` if none."""
    member = kind._value2member_map_.get(value)
    if member is not None:  # the common case, without the cost of calling the enum class
        return member  # type: ignore[return-value]
    try:
        return kind(value)
    except ValueError:
        raise PayloadError(
            f"{what}: {value} is not a valid {kind.__name__}",
            code=NakCode.OUT_OF_RANGE,
            field=field,
        ) from None


def empty_decoder(what: str, build: Callable[[], Message]) -> Callable[[bytes], Message]:
    """A decoder for a message without payload (BAD_LENGTH if one comes)."""

    def decode(payload: bytes) -> Message:
        if payload:
            raise PayloadError(
                f"{what} payload is {len(payload)} bytes, expected 0", code=NakCode.BAD_LENGTH
            )
        return build()

    return decode


class PayloadReader:
    """Walks a payload, raising BAD_LENGTH when it runs short."""

    def __init__(self, payload: bytes, what: str) -> None:
        self.payload, self.offset, self.what = payload, 0, what

    def take(self, size: int) -> bytes:
        """The next ``size`` bytes."""
        if self.offset + size > len(self.payload):
            raise PayloadError(
                f"{self.what} payload ends at byte {len(self.payload)}, needs {self.offset + size}",
                code=NakCode.BAD_LENGTH,
            )
        chunk = self.payload[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def unpack(self, layout: Layout) -> tuple[int, ...]:
        """The next ``layout.size`` bytes, unpacked."""
        return layout.unpack(self.take(layout.size))

    def string(self) -> str:
        """A length-prefixed ASCII string of at most MAX_ID_STRING_LEN bytes."""
        (length,) = self.take(1)
        if length > MAX_ID_STRING_LEN:
            raise PayloadError(
                f"{self.what} string of {length} bytes at byte {self.offset - 1}",
                code=NakCode.BAD_LENGTH,
            )
        raw = self.take(length)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise PayloadError(
                f"{self.what} string at byte {self.offset - length} is not ASCII",
                code=NakCode.OUT_OF_RANGE,
            ) from None

    def done(self) -> None:
        """BAD_LENGTH if bytes are left over."""
        if self.offset != len(self.payload):
            raise PayloadError(
                f"{self.what} payload has {len(self.payload) - self.offset} extra bytes "
                f"from byte {self.offset}",
                code=NakCode.BAD_LENGTH,
            )
