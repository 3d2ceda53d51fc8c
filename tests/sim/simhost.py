"""Helpers for the simulator tests: a host that talks to a DeviceModel in virtual time."""

from __future__ import annotations

from tenscontrol.clock import VirtualClock
from tenscontrol.protocol import (
    Ack,
    Boot,
    Frame,
    FrameDecoder,
    Message,
    Nak,
    Pattern,
    Setpoint,
    Telemetry,
    Waveform,
    decode_message,
    encode_message,
)
from tenscontrol.sim.eventlog import MemorySink
from tenscontrol.sim.faults import SimOptions, parse_options
from tenscontrol.sim.model import DeviceModel


def setpoint(
    channel: int = 1,
    amplitude_ua: int = 20_000,
    rate_mhz: int = 80_000,
    width_us: int = 180,
    waveform: int = 0,
    pattern: int = 0,
    burst_mhz: int = 0,
    pulses: int = 0,
) -> Setpoint:
    """A SET message; waveform/pattern may be any int (invalid ones are sent raw)."""
    return Setpoint(
        channel,
        amplitude_ua,
        rate_mhz,
        width_us,
        Waveform(waveform) if waveform in (0, 1) else waveform,  # type: ignore[arg-type]
        Pattern(pattern) if pattern in (0, 1) else pattern,  # type: ignore[arg-type]
        burst_mhz,
        pulses,
    )


class Host:
    """Sends frames to a model on a virtual clock and decodes what comes back."""

    def __init__(self, options: SimOptions | None = None) -> None:
        self.clock = VirtualClock()
        self.sink = MemorySink()
        self.model = DeviceModel(self.clock.monotonic(), options, sink=self.sink)
        self.decoder = FrameDecoder()
        self.received: list[tuple[float, int, Message]] = []
        self.seq = 0

    def send_raw(self, data: bytes) -> list[Message]:
        """Feed bytes now; return the messages the device sent in response (and pushed)."""
        self.model.receive(data, self.clock.monotonic())
        return self.collect()

    def send(self, message: Message, version: int = 1) -> Message:
        """Send a request; return its response (IDENTITY, ACK or NAK) with the same seq."""
        seq = self.seq
        self.seq = (self.seq + 1) & 0xFFFF
        out = self.send_raw(encode_message(message, seq, version))
        responses = [m for m in out if not isinstance(m, Telemetry | Boot)]
        assert len(responses) == 1, out
        return responses[0]

    def collect(self) -> list[Message]:
        messages = []
        for frame in self.decoder.feed(self.model.take_output()):
            assert isinstance(frame, Frame), frame
            message = decode_message(frame)
            self.received.append((self.clock.monotonic(), frame.seq, message))
            messages.append(message)
        return messages

    def run(self, seconds: float) -> list[Message]:
        """Advance virtual time by ``seconds`` step by step through device events."""
        end = self.clock.monotonic() + seconds
        while True:
            step = min(self.model.next_event_time(), end)
            self.clock.sleep_until(step)
            self.model.advance(self.clock.monotonic())
            if step >= end:
                break
        return self.collect()

    def telemetry(self) -> list[Telemetry]:
        return [m for _, _, m in self.received if isinstance(m, Telemetry)]

    def delivered(self, channel: int = 1) -> int:
        return self.model.channel(channel).delivered_ua


def ack(message: Message) -> Ack:
    assert isinstance(message, Ack), message
    return message


def nak(message: Message) -> Nak:
    assert isinstance(message, Nak), message
    return message


def options(**kw: str) -> SimOptions:
    return parse_options(list(kw.items()))
