"""Helpers for the simulator tests: the reference host's exchange, wired straight to a
DeviceModel in virtual time (no port, no link)."""

from __future__ import annotations

from helpers.messages import setpoint
from tenscontrol.clock import VirtualClock
from tenscontrol.conformance.host import HostExchange, Received
from tenscontrol.protocol import (
    Ack,
    Boot,
    Message,
    Nak,
    Telemetry,
)
from tenscontrol.sim.eventlog import MemorySink
from tenscontrol.sim.faults import SimOptions, parse_options
from tenscontrol.sim.model import DeviceModel

__all__ = ["Host", "setpoint"]  # setpoint re-exported for the sim tests


class Host:
    """Sends requests to a model on a virtual clock and decodes what comes back, with the
    reference host's exchange (so every answer is checked against its request)."""

    def __init__(self, options: SimOptions | None = None) -> None:
        self.clock = VirtualClock()
        self.sink = MemorySink()
        self.model = DeviceModel(self.clock.monotonic(), options, sink=self.sink)
        self.exchange = HostExchange()
        self.received: list[tuple[float, int, Message]] = []

    def send_raw(self, data: bytes) -> list[Message]:
        """Feed bytes now; return the messages the device sent in response (and pushed)."""
        self.model.receive(data, self.clock.monotonic())
        return [message for _, message in self._collect()]

    def send(self, message: Message, version: int = 1) -> Message:
        """Send a request; return its response (IDENTITY, ACK or NAK) with the same seq."""
        seq, wire = self.exchange.request(message, version)
        self.model.receive(wire, self.clock.monotonic())
        out = self._collect()
        responses = [r for r in out if not isinstance(r.message, Telemetry | Boot)]
        assert len(responses) == 1, out
        assert responses[0].seq == seq, out
        return responses[0].message

    def collect(self) -> list[Message]:
        """Decode what the device sent since the last look."""
        return [message for _, message in self._collect()]

    def _collect(self) -> list[Received]:
        got = self.exchange.feed(self.model.take_output())
        assert self.exchange.frame_errors == 0  # the device never sends a broken frame
        now = self.clock.monotonic()
        self.received.extend((now, seq, message) for seq, message in got)
        return got

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
