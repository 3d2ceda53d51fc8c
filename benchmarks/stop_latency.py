"""Stop latency over a pty, to ``tens simulate --pty`` in another process: from the
``TensDevice.stop()`` call to the STOP's ACK (the device sends it once output is 0), and to
the return of ``stop()`` (confirmed: the first telemetry after the ACK showed output 0),
next to the raw round trip of one frame over the same pty.

Run: ``python benchmarks/stop_latency.py [--trials 200]``. Targets: ACK p99 <= 5 ms;
confirmed p99 <= 60 ms (the next telemetry frame comes within one 50 ms period).
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import serial

from tenscontrol.device import TensDevice
from tenscontrol.protocol import (
    Ack,
    Frame,
    FrameDecoder,
    FrameFault,
    Heartbeat,
    MsgType,
    Pattern,
    Setpoint,
    Waveform,
    decode_message,
    encode_message,
)
from tenscontrol.sim.spawn import SimulatorProcess
from tenscontrol.transport.trace import FrameTracer


class StopAckClock(FrameTracer):
    """A tracer that writes nothing and notes when each STOP's ACK arrived (perf_counter s)."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.acked_at: float | None = None

    def record(self, direction: str, wire: bytes, item: Frame | FrameFault | None) -> None:
        """Note an incoming ACK whose request type is STOP."""
        if direction != "<" or not isinstance(item, Frame):
            return
        if item.msg_type == MsgType.ACK and item.payload[:1] == bytes([MsgType.STOP]):
            self.acked_at = time.perf_counter()

    def record_sent(self, wire: bytes, message: object, seq: int) -> None:
        """Nothing: only answers are timed."""


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def raw_round_trips(path: str, trials: int) -> list[float]:
    """Seconds from writing a HEARTBEAT to decoding its ACK, bare pyserial, no driver."""
    samples: list[float] = []
    with serial.Serial(path, timeout=0.5, exclusive=True) as port:
        port.reset_input_buffer()
        decoder = FrameDecoder()
        for seq in range(trials):
            start = time.perf_counter()
            port.write(encode_message(Heartbeat(), seq))
            answered = False
            while not answered:
                chunk = port.read(max(1, port.in_waiting))
                if not chunk:
                    raise SystemExit("no answer from the simulator")
                for item in decoder.feed(chunk):
                    if isinstance(item, Frame) and item.seq == seq:
                        answered = isinstance(decode_message(item), Ack)
            samples.append(time.perf_counter() - start)
    return samples


def stop_latencies(path: str, trials: int) -> tuple[list[float], list[float]]:
    """Seconds from calling ``stop()`` to the STOP's ACK, and to its return (confirmed)."""
    level = Setpoint(1, 2_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 0, 0)
    acks: list[float] = []
    confirmed: list[float] = []
    clock = StopAckClock()
    with TensDevice.open(path, tracer=clock) as device:
        for _ in range(trials):
            device.start([1])
            device.set_channel(level)
            clock.acked_at = None
            start = time.perf_counter()
            device.stop()
            confirmed.append(time.perf_counter() - start)
            if clock.acked_at is None:
                raise SystemExit("stop() returned without a STOP ACK traced")
            acks.append(clock.acked_at - start)
    return acks, confirmed


def report(name: str, samples: list[float]) -> None:
    """One line: median and p99 in milliseconds."""
    median_ms = statistics.median(samples) * 1000
    p99_ms = percentile(samples, 0.99) * 1000
    print(f"{name:<28} n={len(samples):<4} median {median_ms:6.2f} ms   p99 {p99_ms:6.2f} ms")


def measure(trials: int) -> tuple[list[float], list[float], list[float]]:
    """(raw round trips, stop -> ACK, stop -> confirmed) in seconds, on one
    ``tens simulate --pty`` process."""
    with SimulatorProcess(["--pty"]) as simulator:
        raw = raw_round_trips(simulator.port, trials)
        acks, confirmed = stop_latencies(simulator.port, trials)
    return raw, acks, confirmed


def main() -> None:
    """Measure both on one simulator process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    raw, acks, confirmed = measure(args.trials)
    report("raw pty round trip", raw)
    report("stop() to its ACK (output 0)", acks)
    report("stop() to confirmed 0", confirmed)


if __name__ == "__main__":
    main()
