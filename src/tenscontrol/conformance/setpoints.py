"""SET payloads for the checks: a valid one for a channel, and ones that break chosen rows
of section 4.5's refusal table (raw integers, so unknown enum values can be sent).

Fields are the table's eight, in payload order (see :data:`FIELDS`); a payload is built
with the protocol's own layout (``protocol.layouts.SETPOINT``). Only valid values of the
channel's own capabilities are picked for a valid SET (the middle of the usual TENS range
where the channel allows it); nothing here clamps a value a person gave.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tenscontrol.conformance.results import Skipped
from tenscontrol.protocol import ChannelCapabilities, Pattern, Setpoint, Waveform
from tenscontrol.protocol.layouts import SETPOINT

#: The payload's fields, 1-based in a NAK: channel is field 1, pulses_per_burst field 8.
FIELDS = SETPOINT.fields
#: Rate and phase width a valid SET asks for when the channel allows them, mHz and us.
PREFERRED_RATE_MHZ = 80_000
PREFERRED_WIDTH_US = 180
#: Enum values no version 1 device knows.
UNKNOWN_WAVEFORM = 2
UNKNOWN_PATTERN = 2

Fields = list[int]


def _inside(value: int, low: int, high: int) -> int:
    """``value`` if the channel's range holds it, else the nearest end of the range (a
    choice of a valid test value, never a command corrected)."""
    return min(max(value, low), high)


def valid_fields(caps: ChannelCapabilities, channel: int, amplitude_ua: int) -> Fields:
    """A SET the channel must accept at ``amplitude_ua``: continuous if it can, else the
    slowest burst it allows. Raises :class:`Skipped` when it supports nothing known."""
    rate = _inside(PREFERRED_RATE_MHZ, caps.rate_min_mhz, caps.rate_max_mhz)
    width = _inside(PREFERRED_WIDTH_US, caps.width_min_us, caps.width_max_us)
    waveforms = [w for w in Waveform if caps.waveforms >> w & 1]
    if not waveforms:
        raise Skipped(f"channel {channel} lists no known waveform (mask 0b{caps.waveforms:b})")
    if caps.patterns >> Pattern.CONTINUOUS & 1:
        return [channel, amplitude_ua, rate, width, waveforms[0], Pattern.CONTINUOUS, 0, 0]
    if not caps.patterns >> Pattern.BURST & 1:
        raise Skipped(f"channel {channel} lists no known pattern (mask 0b{caps.patterns:b})")
    burst, pulses = caps.burst_rate_min_mhz, caps.pulses_per_burst_min
    if pulses * burst >= rate:  # the train must fit its period (section 4.5, last row)
        raise Skipped(f"channel {channel}: no burst train fits at {rate} mHz")
    return [channel, amplitude_ua, rate, width, waveforms[0], Pattern.BURST, burst, pulses]


def payload(fields: Sequence[int]) -> bytes:
    """The 18-byte SET payload of ``fields``."""
    return SETPOINT.pack(*fields)


def as_setpoint(fields: Sequence[int]) -> Setpoint:
    """``fields`` (valid ones) as the message an ACK must echo."""
    channel, amp, rate, width, wave, pattern, burst, pulses = fields
    return Setpoint(channel, amp, rate, width, Waveform(wave), Pattern(pattern), burst, pulses)


@dataclass(frozen=True, slots=True)
class Row:
    """One row of section 4.5's table that a field value alone can break: the check's
    name, the NAK it must give (code name, field) and how to break it."""

    name: str
    field: int
    breaks: Callable[[Fields, ChannelCapabilities, int], list[Fields]]


def _rate(f: Fields, caps: ChannelCapabilities, n: int) -> list[Fields]:
    out = [_with(f, 2, caps.rate_max_mhz + 1)]
    if caps.rate_min_mhz > 0:
        out.append(_with(f, 2, caps.rate_min_mhz - 1))
    return out


def _width(f: Fields, caps: ChannelCapabilities, n: int) -> list[Fields]:
    out = [_with(f, 3, caps.width_max_us + 1)] if caps.width_max_us < 0xFFFF else []
    if caps.width_min_us > 0:
        out.append(_with(f, 3, caps.width_min_us - 1))
    return out


def _waveform(f: Fields, caps: ChannelCapabilities, n: int) -> list[Fields]:
    missing = [w for w in Waveform if not caps.waveforms >> w & 1]
    return [_with(f, 4, UNKNOWN_WAVEFORM), *(_with(f, 4, w) for w in missing)]


def _pattern(f: Fields, caps: ChannelCapabilities, n: int) -> list[Fields]:
    missing = [p for p in Pattern if not caps.patterns >> p & 1]
    return [_with(f, 5, UNKNOWN_PATTERN), *(_with(f, 5, p) for p in missing)]


def _burst_rate(f: Fields, caps: ChannelCapabilities, n: int) -> list[Fields]:
    if f[5] == Pattern.CONTINUOUS:
        return [_with(f, 6, 1)]
    return [_with(f, 6, caps.burst_rate_max_mhz + 1)]


def _pulses(f: Fields, caps: ChannelCapabilities, n: int) -> list[Fields]:
    if f[5] == Pattern.CONTINUOUS:
        return [_with(f, 7, 1)]
    out = [_with(f, 7, caps.pulses_per_burst_max + 1)] if caps.pulses_per_burst_max < 255 else []
    # a train longer than its period: pulses * burst_rate >= rate
    too_long = -(-f[2] // max(f[6], 1))
    if too_long <= caps.pulses_per_burst_max:
        out.append(_with(f, 7, too_long))
    return out


def _with(fields: Fields, index: int, value: int) -> Fields:
    out = list(fields)
    out[index] = value
    return out


#: The rows after the amplitude one, in the table's order (rows 6-11: field 3 to 8).
VALUE_ROWS = (
    Row("rate", 3, _rate),
    Row("width", 4, _width),
    Row("waveform", 5, _waveform),
    Row("pattern", 6, _pattern),
    Row("burst-rate", 7, _burst_rate),
    Row("pulses", 8, _pulses),
)


def break_after(fields: Fields, caps: ChannelCapabilities, field: int) -> Fields:
    """``fields`` with every value row after field ``field`` broken too (rate, width,
    waveform, pattern, burst rate, pulses: the first way each can be), so that a NAK naming
    ``field`` shows the device checked the rows in the table's order."""
    out = list(fields)
    for row in VALUE_ROWS:
        if row.field > field:
            broken = row.breaks(out, caps, out[0])
            if broken:
                out = broken[0]
    return out
