"""Setpoint timing on the real clock: how late each setpoint leaves the host against its
absolute due time, over a session against ``sim://`` with a threaded driver (or, with
``--pty``, over a pty to ``tens simulate --pty`` in another process).

Run: ``python benchmarks/setpoint_timing.py [--seconds 120] [--pty]``. Uses the built-in
``low-back-modulated`` profile (rate sweep, so a SET goes out on every 100 ms tick) at
20 mA; no session log is written. Prints the median, p99 and max lateness in ms.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from dataclasses import dataclass

from tenscontrol.device import TensDevice
from tenscontrol.profiles import resolve
from tenscontrol.protocol import Frame, FrameFault, MsgType
from tenscontrol.session import SessionEngine, UserCaps
from tenscontrol.sim.spawn import SimulatorProcess
from tenscontrol.transport import FrameTracer


class SetTimes(FrameTracer):
    """Records the monotonic time at which each SET frame was written to the port."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.sent: list[float] = []

    def record(self, direction: str, wire: bytes, item: Frame | FrameFault | None) -> None:
        """Keep the write time of outgoing SETs (no text is formatted)."""
        if direction == ">" and isinstance(item, Frame) and item.msg_type == MsgType.SET:
            self.sent.append(time.monotonic())


def summary(label: str, values_ms: list[float]) -> str:
    """Median, p99 and max of ``values_ms``."""
    ordered = sorted(values_ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (
        f"{label}: median {statistics.median(ordered):.3f} ms, p99 {p99:.3f} ms, "
        f"max {ordered[-1]:.3f} ms (n={len(ordered)})"
    )


@dataclass(frozen=True)
class Timing:
    """One session's setpoint lateness, in seconds against each tick's due time."""

    port: str  #: "sim://" or the pty's path
    seconds: int
    reason: str
    wall_s: float
    skipped_ticks: int
    calls_s: list[float]  #: engine hands the SET to the driver - due time (SETs accepted)
    wire_s: list[float]  #: SET frame written to the port - due time


def run(seconds: int, port: str) -> Timing:
    """A ``seconds``-long session on ``port`` (real clock); the lateness of its SETs."""
    tracer = SetTimes()
    with TensDevice.open(port, tracer=tracer) as device:
        engine = SessionEngine(
            resolve("low-back-modulated"),
            device,
            intensities_ua={1: 20_000},
            duration_ms=seconds * 1_000,
            caps=UserCaps(),
            record=False,
        )
        calls: list[float] = []
        engine.subscribe_timing(lambda sent: calls.append(sent.lateness_s))
        began = time.perf_counter()
        result = engine.run()
        wall = time.perf_counter() - began
    t0, period = engine.started_monotonic, engine.period_ms / 1_000
    # each SET on the wire against the due time of its tick (the last due time before it)
    wire = [(t - t0) % period for t in tracer.sent if t >= t0]
    return Timing(port, seconds, result.reason, wall, engine.skipped_ticks, calls, wire)


def measure(seconds: int, *, pty: bool) -> Timing:
    """:func:`run` on ``sim://``, or on a ``tens simulate --pty`` process if ``pty``."""
    if not pty:
        return run(seconds, "sim://")
    with SimulatorProcess(["--pty"]) as simulator:
        return run(seconds, simulator.port)


def main() -> None:
    """Run the session and print the timing figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=120, help="session length (default 120)")
    parser.add_argument("--pty", action="store_true", help="to `tens simulate --pty`, not sim://")
    args = parser.parse_args()
    timing = measure(args.seconds, pty=args.pty)
    print(
        f"session: {args.seconds} s on the real clock to {timing.port}, {timing.reason}, "
        f"wall {timing.wall_s:.2f} s"
    )
    print(f"ticks skipped (late): {timing.skipped_ticks}")
    calls = [x * 1_000 for x in timing.calls_s]
    wire = [x * 1_000 for x in timing.wire_s]
    print(summary("engine hands SET to the driver - due time", calls))
    print(summary("SET frame written to the port - due time", wire))


if __name__ == "__main__":
    main()
