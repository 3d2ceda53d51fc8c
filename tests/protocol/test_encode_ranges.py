"""Encoders refuse what does not fit the wire with the protocol's own error: an
:class:`EncodeError` (a :class:`ProtocolError`) naming the field and its range, never a bare
``struct.error``, ``ValueError`` or ``OverflowError``.

The wire width of every field is written out here from the payload tables of
firmware_protocol.md, not read from the codec's layouts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from wire_strategies import capabilities, channel_telemetry, messages, u16

from tenscontrol.errors import EncodeError, ProtocolError
from tenscontrol.protocol import (
    Ack,
    ChannelCapabilities,
    ChannelTelemetry,
    DeviceState,
    Fault,
    Heartbeat,
    Identity,
    IdentityFlag,
    Lead,
    Message,
    MsgType,
    Pattern,
    Setpoint,
    Telemetry,
    Waveform,
    encode_frame,
    encode_message,
    encode_payload,
)

#: Bits of each integer field on the wire (firmware_protocol.md, one table per message).
WIDTHS: dict[str, dict[str, int]] = {
    "Hello": {"min_version": 8, "max_version": 8},
    "Start": {"channel_mask": 8, "watchdog_ms": 16},
    "Setpoint": {
        "channel": 8,
        "amplitude_ua": 32,
        "rate_mhz": 32,
        "phase_width_us": 16,
        "waveform": 8,
        "pattern": 8,
        "burst_rate_mhz": 32,
        "pulses_per_burst": 8,
    },
    "Identity": {
        "selected_version": 8,
        "minor_version": 8,
        "device_min_version": 8,
        "device_max_version": 8,
        "flags": 8,
        "firmware": 8,
        "watchdog_min_ms": 16,
        "watchdog_max_ms": 16,
        "watchdog_default_ms": 16,
        "telemetry_period_ms": 16,
        "slew_ua_per_s": 32,
    },
    "ChannelCapabilities": {
        "max_amplitude_ua": 32,
        "rate_min_mhz": 32,
        "rate_max_mhz": 32,
        "width_min_us": 16,
        "width_max_us": 16,
        "waveforms": 8,
        "patterns": 8,
        "burst_rate_min_mhz": 32,
        "burst_rate_max_mhz": 32,
        "pulses_per_burst_min": 8,
        "pulses_per_burst_max": 8,
    },
    "Ack": {"request_type": 8},
    "Nak": {"request_type": 8, "code": 8, "field": 8},
    "Telemetry": {
        "state": 8,
        "faults": 8,
        "battery_mv": 16,
        "battery_pct": 8,
        "uptime_ms": 32,
        "frame_errors": 32,
    },
    "ChannelTelemetry": {
        "setpoint_ua": 32,
        "delivered_ua": 32,
        "lead": 8,
        "impedance_ohm": 16,
        "faults": 8,
    },
    "Boot": {"reason": 8},
}

IDENTITY = Identity(1, 0, 1, 1, IdentityFlag.NONE, (1, 0, 0), "TC", "", 0, 0, 0, 0, 0, ())
TELEMETRY = Telemetry(DeviceState.IDLE, Fault.NONE, 0, 0, 0, 0)

Where = tuple[str | int, ...]


@dataclasses.dataclass(frozen=True)
class Leaf:
    """One integer field of a message: where it is, its wire width, how an error names it."""

    where: Where
    bits: int
    name: str


def leaves(value: object, where: Where = (), name: str = "", width: int = 0) -> Iterator[Leaf]:
    """Every integer field of ``value``, however deep (an ACK's echo, channel lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value).__name__
        # A channel entry is named by its list (``Identity.channels[1]``); a nested message
        # (an ACK's echo) by its own class, as the error names the fields of that message.
        owner = name if where and isinstance(where[-1], int) else kind
        for f in dataclasses.fields(value):
            field_name, bits = f"{owner}.{f.name}", WIDTHS[kind].get(f.name, 0)
            yield from leaves(getattr(value, f.name), (*where, f.name), field_name, bits)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from leaves(item, (*where, i), f"{name}[{i}]", width)
    elif isinstance(value, int):
        yield Leaf(where, width, name)


def replaced(value: object, where: Where, new: object) -> object:
    """``value`` with the field at ``where`` set to ``new`` (frozen dataclasses, tuples)."""
    if not where:
        return new
    head, rest = where[0], where[1:]
    if isinstance(head, int):
        items = list(value)  # type: ignore[call-overload]
        items[head] = replaced(items[head], rest, new)
        return tuple(items)
    changes = {head: replaced(getattr(value, head), rest, new)}
    return dataclasses.replace(value, **changes)  # type: ignore[type-var]


def a_field(message: Message, data: st.DataObject) -> Leaf:
    """One integer field of ``message``, drawn (messages without any are skipped)."""
    fields = list(leaves(message))
    assume(fields)
    return data.draw(st.sampled_from(fields))


def refusal(message: object, seq: int = 0, version: int = 1) -> str:
    """The text of the :class:`EncodeError` that encoding ``message`` raises (any other
    exception, ``struct.error`` or ``ValueError`` say, fails the test)."""
    with pytest.raises(EncodeError) as caught:
        encode_message(message, seq, version)  # type: ignore[arg-type]
    assert isinstance(caught.value, ProtocolError)
    return str(caught.value)


def test_the_issue_example_names_the_field_and_its_range() -> None:
    setpoint = Setpoint(1, 2**33, 80_000, 200, Waveform(0), Pattern(0), 0, 0)
    assert refusal(setpoint) == (
        "cannot encode Setpoint.amplitude_ua = 8589934592: outside its wire range"
        " 0..4294967295 (u32)"
    )


def test_every_integer_field_has_a_width() -> None:
    """The table covers the strategy's messages: no field is left at width 0."""
    channel = ChannelTelemetry(0, 0, Lead.OK, 0, Fault.NONE)
    examples = [
        dataclasses.replace(IDENTITY, channels=(ChannelCapabilities(*(0,) * 11),)),
        dataclasses.replace(TELEMETRY, channels=(channel,)),
        Ack(MsgType.SET, Setpoint(1, 0, 0, 0, Waveform(0), Pattern(0), 0, 0)),
    ]
    for message in examples:
        assert all(leaf.bits for leaf in leaves(message)), list(leaves(message))


@given(messages, u16, st.data())
def test_a_field_outside_its_wire_range_is_an_encode_error_naming_it(
    message: Message, seq: int, data: st.DataObject
) -> None:
    leaf = a_field(message, data)
    top = (1 << leaf.bits) - 1
    bad = data.draw(st.one_of(st.integers(max_value=-1), st.integers(min_value=top + 1)))
    text = refusal(replaced(message, leaf.where, bad), seq)
    assert f"{leaf.name} = {bad}: outside its wire range 0..{top} (u{leaf.bits})" in text
    # Either edge of the range itself is fine.
    for edge in (0, top):
        encode_payload(replaced(message, leaf.where, edge))  # type: ignore[arg-type]


@given(messages, st.data())
def test_a_field_that_is_not_an_integer_is_an_encode_error_naming_it(
    message: Message, data: st.DataObject
) -> None:
    leaf = a_field(message, data)
    bad = data.draw(st.one_of(st.floats(), st.none(), st.text(max_size=3), st.binary(max_size=3)))
    assert f"{leaf.name} = {bad!r}: not an integer" in refusal(replaced(message, leaf.where, bad))


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=0x10000)))
def test_a_sequence_id_outside_its_range_is_named(bad: int) -> None:
    text = refusal(Heartbeat(), seq=bad)
    assert f"frame.seq = {bad}: outside its wire range 0..65535 (u16)" in text


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=0x100)))
def test_a_version_outside_its_range_is_named(bad: int) -> None:
    text = refusal(Heartbeat(), version=bad)
    assert f"frame.version = {bad}: outside its wire range 0..255 (u8)" in text


@given(st.integers(241, 1_000))
def test_a_payload_longer_than_a_frame_carries_is_refused(length: int) -> None:
    with pytest.raises(EncodeError, match=rf"frame.payload of {length} bytes.* 0\.\.240 bytes"):
        encode_frame(1, 0x81, 0, bytes(length))


@given(st.lists(capabilities, min_size=6, max_size=6))
def test_six_channels_with_the_longest_strings_fit_a_frame(
    channels: list[ChannelCapabilities],
) -> None:
    # Spec 1.1 (D2): 23 + 24 + 24 + 6 x 28 = 239 bytes, so no IDENTITY the wire carries is
    # ever too big for a frame (1.0 allowed 8 channels, 295 bytes: oversize).
    longest = dataclasses.replace(
        IDENTITY, model="M" * 24, serial_number="S" * 24, channels=tuple(channels)
    )
    assert len(encode_payload(longest)) == 239
    assert encode_message(longest, 0)


@given(
    st.lists(capabilities, min_size=7, max_size=12),
    st.lists(channel_telemetry, min_size=7, max_size=12),
)
def test_more_channels_than_the_wire_carries_are_refused(
    caps: list[ChannelCapabilities], rows: list[ChannelTelemetry]
) -> None:
    for message, count in (
        (dataclasses.replace(IDENTITY, channels=tuple(caps)), len(caps)),
        (dataclasses.replace(TELEMETRY, channels=tuple(rows)), len(rows)),
    ):
        assert f"channels: {count} channels, outside 0..6" in refusal(message)


@pytest.mark.parametrize(
    ("model", "problem"),
    [
        ("x" * 25, "longer than 24 bytes, outside its wire range 0..24 ASCII bytes"),
        ("caf\u00e9", "not ASCII"),
        (b"TC-1", "not a string"),
        (None, "not a string"),
    ],
)
def test_identity_strings_that_do_not_fit_are_refused(model: object, problem: str) -> None:
    for field in ("model", "serial_number"):
        text = refusal(dataclasses.replace(IDENTITY, **{field: model}))  # type: ignore[arg-type]
        assert text == f"cannot encode Identity.{field} = {model!r}: {problem}"


@pytest.mark.parametrize("firmware", [(), (1, 0), (1, 0, 0, 0)])
def test_a_firmware_version_is_three_numbers(firmware: tuple[int, ...]) -> None:
    text = refusal(dataclasses.replace(IDENTITY, firmware=firmware))  # type: ignore[arg-type]
    assert text == f"cannot encode Identity.firmware = {firmware!r}: not 3 numbers"


def test_an_ack_names_the_fields_of_the_request_it_echoes() -> None:
    setpoint = Setpoint(1, 0, 0, 0x10000, Waveform(0), Pattern(0), 0, 0)
    assert "Setpoint.phase_width_us = 65536" in refusal(Ack(MsgType.SET, setpoint))
