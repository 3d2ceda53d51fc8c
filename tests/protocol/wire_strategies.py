"""Hypothesis strategies for the wire: every message type with fields anywhere in their wire
ranges, and the byte streams a noisy or hostile link could deliver.

The one copy, shared by the protocol tests and ``benchmarks/fuzz_decoder.py --hypothesis``.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tenscontrol.protocol import (
    Ack,
    Boot,
    ChannelCapabilities,
    ChannelTelemetry,
    DeviceState,
    Fault,
    Heartbeat,
    Hello,
    Identity,
    IdentityFlag,
    Lead,
    Message,
    MsgType,
    Nak,
    NakCode,
    Pattern,
    ResetReason,
    Setpoint,
    Start,
    Stop,
    Telemetry,
    Waveform,
    encode_frame,
    encode_message,
    encode_payload,
    message_type,
)
from tenscontrol.protocol.constants import MAX_PAYLOAD_LEN

u8, u16, u32 = st.integers(0, 0xFF), st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF)
#: Any ASCII, control characters and NUL included (NUL inside a payload is what COBS stuffs).
ascii_id = st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=24)

setpoints = st.builds(
    Setpoint, u8, u32, u32, u16, st.sampled_from(Waveform), st.sampled_from(Pattern), u32, u8
)
capabilities = st.builds(ChannelCapabilities, u32, u32, u32, u16, u16, u8, u8, u32, u32, u8, u8)
channel_telemetry = st.builds(
    ChannelTelemetry, u32, u32, st.sampled_from(Lead), u16, st.builds(Fault, u8)
)
identities = st.builds(
    Identity,
    u8,
    u8,
    u8,
    u8,
    st.builds(IdentityFlag, u8),  # unknown flag bits are kept, not dropped
    st.tuples(u8, u8, u8),
    ascii_id,
    ascii_id,
    u16,
    u16,
    u16,
    u16,
    u32,
    # 6 channels (the wire's most) with two 24-byte strings is 239 bytes: it always fits.
    st.lists(capabilities, max_size=6).map(tuple),
)
telemetries = st.builds(
    Telemetry,
    st.sampled_from(DeviceState),
    st.builds(Fault, u8),
    u16,
    u8,
    u32,
    u32,
    st.lists(channel_telemetry, max_size=6).map(tuple),  # 14 + 6 * 12 = 86 bytes
)
acks = st.one_of(
    st.builds(Ack, st.just(MsgType.START), st.builds(Start, u8, u16)),
    st.builds(Ack, st.just(MsgType.SET), setpoints),
    # Every other known type acknowledges with no echo, even ones no device would ACK.
    st.builds(Ack, st.sampled_from([t for t in MsgType if t not in (MsgType.START, MsgType.SET)])),
)
#: Every message type; all flag and fault bits, ACKs of every type, NAKs of unknown types.
messages: st.SearchStrategy[Message] = st.one_of(
    st.builds(Hello, u8, u8),
    st.builds(Start, u8, u16),
    st.just(Stop()),
    st.just(Heartbeat()),
    setpoints,
    identities,
    acks,
    st.builds(Nak, u8, st.sampled_from(NakCode), u8),  # request type as received: any byte
    telemetries,
    st.builds(Boot, st.sampled_from(ResetReason)),
)
#: A type byte: mostly known types (their decoders are the interesting part), sometimes any.
type_bytes = st.one_of(st.sampled_from([int(t) for t in MsgType]), u8)


def _reframed(message: Message, at: int, value: int) -> bytes:
    """``message``'s payload with one byte inserted, framed again with a correct CRC: damage
    that the payload decoders, not the CRC, have to meet."""
    payload = bytearray(encode_payload(message))
    payload.insert(at % (len(payload) + 1), value)
    return encode_frame(1, message_type(message), 0, bytes(payload[:MAX_PAYLOAD_LEN]))


#: One piece of a stream: noise, a long run without a delimiter, a few delimiters, a frame
#: (whole, cut short, or with a damaged payload under a fresh CRC).
stream_pieces = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda b, n: bytes([b]) * n, st.integers(1, 255), st.integers(1, 1_200)),
    st.builds(lambda n: b"\x00" * n, st.integers(1, 3)),
    st.builds(encode_message, messages, u16),
    st.builds(lambda m, s, k: encode_message(m, s)[:k], messages, u16, st.integers(0, 60)),
    st.builds(_reframed, messages, u8, u8),
)


def streams(max_pieces: int = 8) -> st.SearchStrategy[bytes]:
    """Bytes a noisy or hostile link could deliver: up to ``max_pieces`` pieces, in any order."""
    return st.lists(stream_pieces, max_size=max_pieces).map(b"".join)
