"""Stop latency over a pty: ``TensDevice.stop()`` call to the device's confirmed 0, next to
the raw round trip of one frame over the same pty, to ``tens simulate --pty`` in another
process.

Run: ``python benchmarks/stop_latency.py [--trials 200]``. Target: stop p99 <= 5 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time

import serial

from tenscontrol.device import TensDevice
from tenscontrol.protocol import (
    Ack,
    Frame,
    FrameDecoder,
    Heartbeat,
    Pattern,
    Setpoint,
    Waveform,
    decode_message,
    encode_message,
)
from tenscontrol.sim.spawn import SimulatorProcess


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


def stop_latencies(path: str, trials: int) -> list[float]:
    """Seconds from calling ``stop()`` to its return (the device confirmed 0)."""
    level = Setpoint(1, 2_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 0, 0)
    samples: list[float] = []
    with TensDevice.open(path) as device:
        for _ in range(trials):
            device.start([1])
            device.set_channel(level)
            start = time.perf_counter()
            device.stop()
            samples.append(time.perf_counter() - start)
    return samples


def report(name: str, samples: list[float]) -> None:
    """One line: median and p99 in milliseconds."""
    median_ms = statistics.median(samples) * 1000
    p99_ms = percentile(samples, 0.99) * 1000
    print(f"{name:<28} n={len(samples):<4} median {median_ms:6.2f} ms   p99 {p99_ms:6.2f} ms")


def measure(trials: int) -> tuple[list[float], list[float]]:
    """(raw round trips, stop latencies) in seconds, on one ``tens simulate --pty`` process."""
    with SimulatorProcess(["--pty"]) as simulator:
        raw = raw_round_trips(simulator.port, trials)
        stops = stop_latencies(simulator.port, trials)
    return raw, stops


def main() -> None:
    """Measure both on one simulator process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    raw, stops = measure(args.trials)
    report("raw pty round trip", raw)
    report("stop() to confirmed 0", stops)


if __name__ == "__main__":
    main()
