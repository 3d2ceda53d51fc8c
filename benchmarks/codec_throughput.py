"""Codec throughput: SET and TELEMETRY frames encoded, then decoded, per second.

Run: ``python benchmarks/codec_throughput.py``. Prints one line per message kind.
"""

from __future__ import annotations

import time

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


def measure(name: str, message: Message) -> None:
    """Print encode, decode and round-trip rates for ``N`` copies of ``message``."""
    start = time.perf_counter()
    wire = b"".join(encode_message(message, seq & 0xFFFF) for seq in range(N))
    encoded = time.perf_counter()
    decoder = FrameDecoder()
    count = 0
    for offset in range(0, len(wire), 4096):  # chunks as a serial read would give them
        for frame in decoder.feed(wire[offset : offset + 4096]):
            if isinstance(frame, Frame):
                decode_message(frame)
                count += 1
    decoded = time.perf_counter()
    if count != N:
        raise SystemExit(f"{name}: decoded {count} of {N} frames")
    enc_rate = N / (encoded - start)
    dec_rate = N / (decoded - encoded)
    both = N / (decoded - start)
    print(
        f"{name:<10} {len(wire) // N:>3} B/frame  encode {enc_rate:>9,.0f}/s  "
        f"decode {dec_rate:>9,.0f}/s  encode+decode {both:>9,.0f} frames/s"
    )


def main() -> None:
    """Measure the two frames a session streams most."""
    setpoint = Setpoint(
        1, 20_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 0, 0
    )
    channel = ChannelTelemetry(20_000, 19_800, Lead.OK, 820, Fault.NONE)
    telemetry = Telemetry(DeviceState.RUNNING, Fault.NONE, 3_900, 80, 1_000, 0, (channel,) * 2)
    measure("SET", setpoint)
    measure("TELEMETRY", telemetry)


if __name__ == "__main__":
    main()
