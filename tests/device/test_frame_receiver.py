"""The receive path without a port: bytes in, usable messages out in order, every frame
traced and counted, and unusable ones (corrupt, another version, unreadable) dropped."""

from __future__ import annotations

import io

from tenscontrol.clock import VirtualClock
from tenscontrol.device.link_health import NOISE_MAX_DROPPED, SILENCE_LIMIT_S
from tenscontrol.device.receiver import FrameReceiver, Received
from tenscontrol.device.state import LinkStats
from tenscontrol.errors import DeviceTimeout, LinkTooNoisy
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    Heartbeat,
    MsgType,
    encode_frame,
    encode_message,
    message_type,
)
from tenscontrol.transport.trace import FrameTracer

ACK = Ack(message_type(Heartbeat()), None)
#: A frame in another protocol version: its CRC checks out, but it is no use on this link.
ALIEN = encode_frame(PROTOCOL_MAJOR + 1, int(MsgType.ACK), 9, b"")
#: A frame of this version whose payload does not decode as its type.
UNREADABLE = encode_frame(PROTOCOL_MAJOR, int(MsgType.ACK), 8, b"\xff")
#: Bytes between two delimiters whose CRC fails.
CORRUPT = b"\x05\x01\x02\x03\x04\x00"


def receiver() -> tuple[FrameReceiver, LinkStats, VirtualClock]:
    clock = VirtualClock()
    stats = LinkStats()
    return FrameReceiver(clock, stats), stats, clock


def test_usable_messages_come_out_in_order_with_their_sequence_ids() -> None:
    rx, stats, _clock = receiver()
    data = encode_message(ACK, 1) + encode_message(ACK, 2)
    assert list(rx.feed(data, None)) == [Received(1, ACK), Received(2, ACK)]
    assert (stats.frames_in, stats.frame_errors) == (2, 0)


def test_each_unusable_frame_is_one_drop_in_its_place() -> None:
    rx, stats, _clock = receiver()
    data = CORRUPT + encode_message(ACK, 1) + ALIEN + UNREADABLE + encode_message(ACK, 2)
    assert list(rx.feed(data, None)) == [None, Received(1, ACK), None, None, Received(2, ACK)]
    assert (stats.frames_in, stats.frame_errors) == (2, 3)


def test_a_frame_split_across_reads_is_decoded_once_whole() -> None:
    rx, _stats, _clock = receiver()
    wire = encode_message(ACK, 7)
    assert list(rx.feed(wire[:3], None)) == []
    assert list(rx.feed(wire[3:], None)) == [Received(7, ACK)]


def test_reset_forgets_a_frame_that_had_begun() -> None:
    rx, stats, _clock = receiver()
    wire = encode_message(ACK, 7)
    list(rx.feed(wire[:3], None))
    rx.reset()
    assert list(rx.feed(wire[3:], None)) == [None]  # the rest alone is corrupt
    assert stats.frame_errors == 1


def test_every_frame_is_traced_dropped_ones_too() -> None:
    rx, _stats, _clock = receiver()
    out = io.StringIO()
    list(rx.feed(encode_message(ACK, 1) + CORRUPT + ALIEN, FrameTracer(out)))
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert all(" < " in line for line in lines)
    assert "DROPPED" in lines[1]


def test_any_whole_frame_shows_the_device_is_there_a_corrupt_one_does_not() -> None:
    rx, _stats, clock = receiver()
    clock.advance(SILENCE_LIMIT_S + 0.5)
    list(rx.feed(CORRUPT, None))
    assert isinstance(rx.silence(), DeviceTimeout)
    list(rx.feed(ALIEN, None))  # unusable, but the device sent it
    assert rx.last_frame == clock.monotonic()
    assert rx.silence() is None


def test_drops_amount_to_a_noisy_link_at_the_limit() -> None:
    rx, _stats, _clock = receiver()
    list(rx.feed(ALIEN * (NOISE_MAX_DROPPED - 1), None))
    assert rx.noise() is None
    list(rx.feed(ALIEN, None))
    assert isinstance(rx.noise(), LinkTooNoisy)
