"""Deliberately non-conforming devices, for the conformance suite to catch.

Each defect is the conforming simulator with one thing wrong, built by composition: a
:class:`FilterPort` sits in front of a simulated device (a ``sim://`` port) and sees
every frame both ways, the way a bug in a device's firmware would show on its wire. Two
defects live below the wire (the slew, the watchdog) and are made by replacing one
attribute of the simulator's firmware for the test (pytest's ``monkeypatch``).

A :class:`FilterPort` is a pyserial-like port (``read``, ``write``, ``in_waiting``,
``timeout``, ``dtr``); :class:`PtyBridge` serves one on a pseudo-terminal, for a real
``tens conformance`` process.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from tenscontrol.clock import VirtualClock
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    Fault,
    Frame,
    Identity,
    IdentityFlag,
    Message,
    MsgType,
    Nak,
    NakCode,
    Telemetry,
    decode_frame,
    decode_message,
    encode_frame,
    encode_message,
    encode_payload,
)
from tenscontrol.sim.protocol_sim import Serial as SimSerial

#: What a host-frame hook may do: None passes the frame on to the device unchanged,
#: otherwise (bytes for the device instead, frames answered to the host instead).
HostVerdict = tuple[bytes, bytes] | None


class FilterPort:
    """A port whose far end is ``inner`` (a simulated device) seen through two hooks:
    ``on_host(frame)`` for each host frame, ``on_device(frame)`` for each device frame
    (returning the bytes to deliver to the host, b"" to drop it). Bytes that are not a
    frame (garbage, broken frames) pass unchanged, as the link would carry them."""

    def __init__(self, inner: SimSerial) -> None:
        self.inner = inner
        self._to_host = bytearray()
        self._from_host = bytearray()
        self._from_device = bytearray()
        self.dtr = True
        self.rts = True
        #: Every well-formed host frame written, in order.
        self.host_frames: list[Frame] = []

    # --- hooks (defects override them) ---------------------------------------------------
    def on_host(self, frame: Frame) -> HostVerdict:
        return None

    def on_device(self, frame: Frame, wire: bytes) -> bytes:
        return wire

    # --- the port --------------------------------------------------------------------------
    @property
    def timeout(self) -> float | None:
        return self.inner.timeout

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        self.inner.timeout = value

    @property
    def clock(self) -> object:
        return self.inner.clock

    @property
    def in_waiting(self) -> int:
        self._pull(0)
        return len(self._to_host)

    def read(self, size: int = 1) -> bytes:
        if not self._to_host:
            self._pull(1)
        data = bytes(self._to_host[:size])
        del self._to_host[:size]
        return data

    def _pull(self, first: int) -> None:
        """Take what the device sent (waiting up to the port's timeout for ``first`` bytes)
        and pass each whole frame through :meth:`on_device`."""
        data = self.inner.read(first) if first else b""
        waiting = self.inner.in_waiting
        if waiting:
            data += self.inner.read(waiting)
        self._from_device += data
        while (end := self._from_device.find(0)) >= 0:
            wire = bytes(self._from_device[: end + 1])
            del self._from_device[: end + 1]
            frame = decode_frame(wire[:-1]) if end else None
            self._to_host += self.on_device(frame, wire) if isinstance(frame, Frame) else wire

    def write(self, data: bytes) -> int:
        self._from_host += data
        while (end := self._from_host.find(0)) >= 0:
            wire = bytes(self._from_host[: end + 1])
            del self._from_host[: end + 1]
            frame = decode_frame(wire[:-1]) if end else None
            verdict = None
            if isinstance(frame, Frame):
                self.host_frames.append(frame)
                verdict = self.on_host(frame)
            if verdict is None:
                self.inner.write(wire)
            else:
                to_device, to_host = verdict
                if to_device:
                    self.inner.write(to_device)
                self._to_host += to_host
        return len(data)

    def flush(self) -> None:
        self.inner.flush()

    def reset_input_buffer(self) -> None:
        self._to_host.clear()

    def close(self) -> None:
        self.inner.close()

    # --- for the defects -------------------------------------------------------------------
    def answer(self, frame: Frame, message: Ack | Nak) -> HostVerdict:
        """Answer ``frame`` here (the device never sees it)."""
        return b"", encode_message(message, frame.seq, PROTOCOL_MAJOR)


def reencoded(frame: Frame, message: Message, *, version: int | None = None) -> bytes:
    """``frame`` carrying ``message`` instead (same seq; its version unless given)."""
    byte = frame.version if version is None else version
    return encode_frame(byte, frame.msg_type, frame.seq, encode_payload(message))


# --- the defects -----------------------------------------------------------------------------
class StopKeepsOutput(FilterPort):
    """STOP is ACKed, but never reaches the output stage: the device keeps RUNNING."""

    def on_host(self, frame: Frame) -> HostVerdict:
        if frame.msg_type == MsgType.STOP:
            return self.answer(frame, Ack(MsgType.STOP))
        return None


class StopForeignRefused(FilterPort):
    """1.0 behaviour: a STOP in another version byte is NAK UNSUPPORTED_VERSION."""

    def on_host(self, frame: Frame) -> HostVerdict:
        if frame.msg_type == MsgType.STOP and frame.version != PROTOCOL_MAJOR:
            return self.answer(frame, Nak(MsgType.STOP, NakCode.UNSUPPORTED_VERSION, 0))
        return None


class SeqFifteenBits(FilterPort):
    """Answers echo only 15 bits of the seq (a field one bit too narrow)."""

    def on_device(self, frame: Frame, wire: bytes) -> bytes:
        if frame.msg_type in (MsgType.IDENTITY, MsgType.ACK, MsgType.NAK) and frame.seq > 0x7FFF:
            return encode_frame(frame.version, frame.msg_type, frame.seq & 0x7FFF, frame.payload)
        return wire


class RateNakNamesAmplitude(FilterPort):
    """A SET refused for its rate (field 3) is NAKed naming field 2."""

    def on_device(self, frame: Frame, wire: bytes) -> bytes:
        message = decode_message(frame) if frame.msg_type == MsgType.NAK else None
        if isinstance(message, Nak) and message.request_type == MsgType.SET and message.field == 3:
            return reencoded(frame, replace(message, field=2))
        return wire


class TelemetryEvery100ms(FilterPort):
    """Periodic TELEMETRY every 100 ms (every other frame of the 50 ms grid), numbered
    without gaps, as a device with the wrong period would send them."""

    def __init__(self, inner: SimSerial) -> None:
        super().__init__(inner)
        self._seq = 0

    def on_device(self, frame: Frame, wire: bytes) -> bytes:
        if frame.msg_type != MsgType.TELEMETRY:
            return wire
        sample = decode_message(frame)
        if isinstance(sample, Telemetry) and sample.uptime_ms % 100 == 50:
            return b""  # on the grid and odd: this device would not have sent it
        seq, self._seq = self._seq, (self._seq + 1) & 0xFFFF
        return encode_frame(frame.version, frame.msg_type, seq, frame.payload)


class ForeignHelloRefreshes(FilterPort):
    """A HELLO in another version byte refreshes the watchdog (1.0's simulator did): here
    by a HEARTBEAT in version 1 slipped to the device with it, its ACK kept back."""

    def __init__(self, inner: SimSerial) -> None:
        super().__init__(inner)
        self._swallow: set[int] = set()

    def on_host(self, frame: Frame) -> HostVerdict:
        if frame.msg_type != MsgType.HELLO or frame.version == PROTOCOL_MAJOR:
            return None
        self._swallow.add(frame.seq)
        refresh = encode_frame(PROTOCOL_MAJOR, MsgType.HEARTBEAT, frame.seq, b"")
        original = encode_frame(frame.version, frame.msg_type, frame.seq, frame.payload)
        return refresh + original, b""

    def on_device(self, frame: Frame, wire: bytes) -> bytes:
        if frame.msg_type == MsgType.ACK and frame.seq in self._swallow:
            message = decode_message(frame)
            if isinstance(message, Ack) and message.request_type is MsgType.HEARTBEAT:
                self._swallow.discard(frame.seq)
                return b""
        return wire


class SelectsOutsideRange(FilterPort):
    """The device speaks 1-2 and selects its own highest version whatever the host
    offered: HELLO(1, 1) is answered with selected_version 2 (in version byte 2)."""

    def on_device(self, frame: Frame, wire: bytes) -> bytes:
        message = decode_message(frame) if frame.msg_type == MsgType.IDENTITY else None
        if isinstance(message, Identity) and message.selected_version:
            changed = replace(message, selected_version=2, device_max_version=2)
            return reencoded(frame, changed, version=2)
        return wire


class NotASimulator(FilterPort):
    """The simulator with its SIMULATOR flag cleared: to the suite, a real device. Records
    the amplitude of every SET the host writes."""

    def __init__(self, inner: SimSerial) -> None:
        super().__init__(inner)
        self.set_amplitudes: list[int] = []

    def on_host(self, frame: Frame) -> HostVerdict:
        if frame.msg_type == MsgType.SET and len(frame.payload) >= 5:
            self.set_amplitudes.append(int.from_bytes(frame.payload[1:5], "little"))
        return None

    def on_device(self, frame: Frame, wire: bytes) -> bytes:
        message = decode_message(frame) if frame.msg_type == MsgType.IDENTITY else None
        if isinstance(message, Identity):
            return reencoded(frame, replace(message, flags=IdentityFlag(0)))
        return wire


class LateHost(FilterPort):
    """No defect of the device: the host is held up for 100 ms right when a TELEMETRY
    frame showing HOST_LOST arrives (a busy machine), as a real run may be."""

    DELAY_S = 0.1

    def __init__(self, inner: SimSerial) -> None:
        super().__init__(inner)
        self._lost = False

    def on_device(self, frame: Frame, wire: bytes) -> bytes:
        sample = decode_message(frame) if frame.msg_type == MsgType.TELEMETRY else None
        if isinstance(sample, Telemetry):
            lost = bool(sample.faults & Fault.HOST_LOST)
            clock = self.inner.clock
            if lost and not self._lost and isinstance(clock, VirtualClock):
                clock.sleep_until(clock.monotonic() + self.DELAY_S)  # the first frame only
            self._lost = lost
        return wire


@dataclass(frozen=True)
class Defect:
    """A defective device: how to build it, and the checks it must fail (exactly)."""

    name: str
    port: Callable[[SimSerial], FilterPort]
    fails: frozenset[str]
    #: The suite's final STOP is confirmed (False: the device never stops, exit 3).
    stops: bool = True


#: Defects made at the wire, and what they must fail.
WIRE_DEFECTS = (
    Defect("stop-keeps-output", StopKeepsOutput, frozenset({"stop.confirmed"}), stops=False),
    Defect("stop-foreign-refused", StopForeignRefused, frozenset({"stop.any-version"})),
    Defect("seq-15-bits", SeqFifteenBits, frozenset({"seq.echo"})),
    Defect("nak-wrong-field", RateNakNamesAmplitude, frozenset({"nak.set.rate"})),
    Defect("telemetry-100ms", TelemetryEvery100ms, frozenset({"telemetry.cadence"})),
    Defect("foreign-hello-refreshes", ForeignHelloRefreshes, frozenset({"watchdog.foreign-hello"})),
    Defect("selects-outside-range", SelectsOutsideRange, frozenset({"handshake.version-select"})),
)


P = TypeVar("P", bound=FilterPort)


class PtyBridge(Generic[P]):
    """Serve a :class:`FilterPort` (on a real-clock simulator) on a pseudo-terminal: a
    thread copies host bytes in and the device's bytes out every :data:`POLL_S`."""

    POLL_S = 0.002

    def __init__(self, port: P) -> None:
        self.port = port
        port.timeout = 0
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pty-bridge", daemon=True)

    def __enter__(self) -> PtyBridge[P]:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.port.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self._master], [], [], self.POLL_S)
            if readable:
                with contextlib.suppress(BlockingIOError, OSError):
                    data = os.read(self._master, 4096)
                    if data:
                        self.port.write(data)
            out = self.port.read(4096)
            if out:
                with contextlib.suppress(BlockingIOError, OSError):
                    os.write(self._master, out)
