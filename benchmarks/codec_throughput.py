"""Codec throughput: SET and TELEMETRY frames encoded, then decoded, per second.

Run: ``python benchmarks/codec_throughput.py``. Prints one line per message kind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from tenscontrol.protocol import (
    ChannelTelemetry,
    DeviceState,
    Fault,
    Frame,
    FrameDecoder,
    Lead,
    Message,
    Pattern,
    Setpoint,
    Telemetry,
    Waveform,
    decode_message,
    encode_message,
)

N = 50_000


@dataclass(frozen=True)
class Rates:
    """Frames per second of one message kind, and its size on the wire (bytes per frame)."""

    name: str
    frame_bytes: int
    encode: float
    decode: float
    both: float  #: encoded, then decoded: frames per second of the two together


def rates(name: str, message: Message, n: int = N) -> Rates:
    """Encode ``n`` copies of ``message``, then decode them; the rates per second."""
    start = time.perf_counter()
    wire = b"".join(encode_message(message, seq & 0xFFFF) for seq in range(n))
    encoded = time.perf_counter()
    decoder = FrameDecoder()
    count = 0
    for offset in range(0, len(wire), 4096):  # chunks as a serial read would give them
        for frame in decoder.feed(wire[offset : offset + 4096]):
            if isinstance(frame, Frame):
                decode_message(frame)
                count += 1
    decoded = time.perf_counter()
    if count != n:
        raise SystemExit(f"{name}: decoded {count} of {n} frames")
    return Rates(
        name, len(wire) // n, n / (encoded - start), n / (decoded - encoded), n / (decoded - start)
    )


def measure(name: str, message: Message, n: int = N) -> None:
    """Print encode, decode and round-trip rates for ``n`` copies of ``message``."""
    r = rates(name, message, n)
    print(
        f"{name:<10} {r.frame_bytes:>3} B/frame  encode {r.encode:>9,.0f}/s  "
        f"decode {r.decode:>9,.0f}/s  encode+decode {r.both:>9,.0f} frames/s"
    )


def messages() -> dict[str, Message]:
    """The two frames a session streams most: a SET and a two-channel TELEMETRY."""
    setpoint = Setpoint(
        1, 20_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 0, 0
    )
    channel = ChannelTelemetry(20_000, 19_800, Lead.OK, 820, Fault.NONE)
    telemetry = Telemetry(DeviceState.RUNNING, Fault.NONE, 3_900, 80, 1_000, 0, (channel,) * 2)
    return {"SET": setpoint, "TELEMETRY": telemetry}


def measure_all(n: int = N) -> list[Rates]:
    """Rates of every message of :func:`messages`."""
    return [rates(name, message, n) for name, message in messages().items()]


def main() -> None:
    """Measure the two frames a session streams most."""
    for name, message in messages().items():
        measure(name, message)


if __name__ == "__main__":
    main()
