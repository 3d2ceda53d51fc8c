"""Timing figures of one device process over its pty, taken through the conformance
suite's reference host (:class:`~tenscontrol.conformance.bench.Bench` on a
:class:`~tenscontrol.conformance.host.SpecHost`) and the project's codec, and read on the
device's own clock wherever the figure is the device's.

The device's clock is TELEMETRY's ``uptime_ms`` (ms since the device's reset; periodic
frames on the 50 ms grid). A host instant ``h`` (``time.monotonic()``, s) is put on it as
``h - offset``, where ``offset`` is the smallest ``arrival - uptime_ms / 1000`` of every
TELEMETRY received so far: the frame that came fastest (a host that reads late only makes
the difference larger). Every device here counts time at the rate of the machine's
monotonic clock (the posix board reads CLOCK_MONOTONIC; QEMU's TIMER0 follows the host's
clock, as QEMU runs without ``-icount``; the Python simulator runs on ``time.monotonic()``),
so one offset holds for a whole run. A host instant so placed is early by about two pty
transits (~0.2 ms idle) and ``uptime_ms`` has a resolution of 1 ms; the figures below are
good to that. Every process is fresh, so ``uptime_ms`` never wraps (that takes 49 days).

- :func:`round_trips`: a HEARTBEAT frame written -> its answer decoded (the ACK of a device,
  the frame itself from :mod:`pty_echo`), bare port and codec, the same code on every target.
- :func:`stop_trials`: channel 1 delivering, then STOP, written as soon as a frame shows the
  output up (so just after a periodic frame): written -> its ACK read (host clock; the
  device sends the ACK only once output is 0), and STOP written -> ``uptime_ms`` of the
  first TELEMETRY after the ACK, which must show IDLE and 0 (the spec's confirmation, 9.8):
  one period less the host's reaction when the device took the STOP in time.
- :func:`watchdog_trials`: channel 1 delivering, one last HEARTBEAT, then silence: the last
  frame written -> ``uptime_ms`` of the first TELEMETRY showing HOST_LOST (the event frame
  of section 4.9), next to the watchdog START asked for.
- :func:`cadence_run`: channel 1 delivering for a while with heartbeats: intervals between
  consecutive TELEMETRY ``uptime_ms`` (and, for comparison, between their arrivals here).
- :func:`log_stop_to_zero_ms`: on a device with the simulator's event log, the log's
  ``stop`` line -> the ``output`` line that left every channel at 0, both on its clock.

Output is driven only on a device whose IDENTITY has the SIMULATOR flag, at 1 mA, and every
SET passes the conformance suite's amplitude guard (2 mA) before it is written.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tenscontrol.conformance.bench import Bench, answer_text, idle_and_zero
from tenscontrol.conformance.host import REPLY_TIMEOUT_S, Arrival, SpecHost
from tenscontrol.conformance.limits import (
    CONFORMANCE_MAX_UA,
    LOW_UA,
    STOP_CONFIRM_WAIT_MS,
    TELEMETRY_WAIT_MS,
)
from tenscontrol.conformance.runner import AmplitudeGuard
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    Fault,
    Frame,
    FrameDecoder,
    Heartbeat,
    Hello,
    Identity,
    IdentityFlag,
    MsgType,
    Stop,
    Telemetry,
    encode_message,
)
from tenscontrol.transport.ports import Port

#: Current the trials drive channel 1 to, uA (the conformance suite's everyday level).
DRIVE_UA = LOW_UA
#: The watchdog of the STOP and cadence trials, ms (the reference host's, section 7).
HOST_WATCHDOG_MS = 500
#: Round trips run before the counted ones (first-use costs of both processes).
WARMUP = 5
#: How long after the expected expiry a watchdog trial still waits for HOST_LOST, ms.
EXPIRY_WAIT_MS = 400
#: Attempts per request, the same seq each time (section 9.3: a lost frame is sent again,
#: so one dropped by a loaded machine costs a trial 250 ms rather than the run).
REQUEST_ATTEMPTS = 3
#: Frame types that answer a HEARTBEAT: a device's ACK or NAK, or the frame itself (echo).
_ANSWERS = frozenset({MsgType.ACK, MsgType.NAK, MsgType.HEARTBEAT})
_MS_PER_S = 1_000
_SEQ_MASK = 0xFFFF


@dataclass(frozen=True)
class RoundTrips:
    """HEARTBEAT -> answer, seconds of the host's clock; ``lost``: trials with no answer
    within the host's 250 ms reply timeout (not among the samples)."""

    samples_s: list[float]
    lost: int


@dataclass(frozen=True)
class StopTrial:
    """One STOP while channel 1 delivered."""

    written_s: float  #: host monotonic clock when the STOP was written, s
    ack_ms: float  #: STOP written -> its ACK read, host clock, ms
    zero_ms: float  #: STOP written (device clock) -> uptime_ms of the first frame after the ACK
    confirmed: bool  #: that frame showed IDLE and 0 on every channel


@dataclass(frozen=True)
class WatchdogTrial:
    """One silence while channel 1 delivered."""

    asked_ms: int  #: the watchdog START asked for, ms
    expired_ms: float  #: last frame written (device clock) -> uptime_ms of the HOST_LOST frame
    zeroed: bool  #: the HOST_LOST frame showed IDLE and 0 on every channel

    @property
    def error_ms(self) -> float:
        """How much later than asked the watchdog expired, ms (negative: earlier)."""
        return self.expired_ms - self.asked_ms


@dataclass(frozen=True)
class Cadence:
    """TELEMETRY while running: intervals between consecutive frames (seq + 1), ms."""

    seconds: float  #: how long the run was, s
    device_ms: list[int]  #: between their uptime_ms
    host_ms: list[float]  #: between their arrivals here (host clock)
    lost: int  #: frames missing by their seq


def round_trips(port: Port, trials: int) -> RoundTrips:
    """``trials`` round trips of one HEARTBEAT frame each (after :data:`WARMUP`), one at a
    time; an answer that does not come within :data:`REPLY_TIMEOUT_S` is counted lost."""
    decoder = FrameDecoder()
    port.reset_input_buffer()
    samples: list[float] = []
    lost = 0
    for n in range(WARMUP + trials):
        seq = n & _SEQ_MASK
        start = time.perf_counter()
        port.write(encode_message(Heartbeat(), seq))
        answer = _await_answer(port, decoder, seq, start + REPLY_TIMEOUT_S)
        took = time.perf_counter() - start
        if n < WARMUP:
            continue
        if answer is None:
            lost += 1
        elif answer.msg_type == MsgType.NAK:
            raise RuntimeError(f"HEARTBEAT seq {seq} refused with a NAK")
        else:
            samples.append(took)
    return RoundTrips(samples, lost)


def _await_answer(port: Port, decoder: FrameDecoder, seq: int, deadline: float) -> Frame | None:
    """Read until a frame answering ``seq`` is decoded; None at ``deadline`` (perf_counter)."""
    while time.perf_counter() < deadline:
        chunk = port.read(max(1, port.in_waiting))
        for item in decoder.feed(chunk):
            if isinstance(item, Frame) and item.seq == seq and item.msg_type in _ANSWERS:
                return item
    return None


class StampedPort:
    """``port`` for the reference host, noting when it last wrote (``written_s``, host
    monotonic clock, s): the instant the last frame left, a repeated request included."""

    def __init__(self, port: Port) -> None:
        self.port = port
        self.written_s = 0.0

    @property
    def in_waiting(self) -> int:
        """Bytes ready to read."""
        return self.port.in_waiting

    def read(self, size: int = 1, /) -> bytes:
        """Up to ``size`` bytes, waiting at most the port's timeout."""
        return self.port.read(size)

    def write(self, data: bytes, /) -> int | None:
        """Send ``data``, noting the time first."""
        self.written_s = time.monotonic()
        return self.port.write(data)


def last_write_s(bench: Bench) -> float:
    """When ``bench``'s port last wrote (host monotonic clock, s)."""
    port = bench.host.port
    if not isinstance(port, StampedPort):
        raise TypeError("the bench was not opened by open_bench")
    return port.written_s


def open_bench(port: Port, name: str) -> Bench:
    """The reference host on ``port`` (each request up to :data:`REQUEST_ATTEMPTS` times):
    HELLO(1, 1), then a confirmed STOP (section 9.1). Raises :class:`RuntimeError` for no
    IDENTITY, a device without the SIMULATOR flag (output is driven on simulated devices
    only) or a STOP that was not confirmed."""
    guard = AmplitudeGuard(CONFORMANCE_MAX_UA)
    host = SpecHost(StampedPort(port), attempts=REQUEST_ATTEMPTS, outgoing=guard, prompt=True)
    host.resync()
    identity = host.request(Hello(PROTOCOL_MAJOR, PROTOCOL_MAJOR))
    if not isinstance(identity, Identity):
        raise RuntimeError(f"{name}: HELLO(1, 1) answered with {answer_text(identity)}")
    if IdentityFlag.SIMULATOR not in identity.flags:
        raise RuntimeError(f"{name}: IDENTITY lacks the SIMULATOR flag: not driving it")
    bench = Bench(host, identity, first_version=PROTOCOL_MAJOR, port_name=name)
    _stop_confirmed(bench, "the STOP after the handshake")
    return bench


def _stop_confirmed(bench: Bench, what: str) -> None:
    outcome = bench.stop()
    if not outcome.confirmed:
        raise RuntimeError(f"{bench.port_name}: {what} was not confirmed: {outcome.detail}")


def clock_offset_s(arrivals: Iterable[Arrival]) -> float:
    """Host clock minus device clock, s: the smallest ``at - uptime_ms / 1000`` of the
    TELEMETRY among ``arrivals`` (see the module's doc). Raises :class:`RuntimeError` when
    there is none."""
    offsets = [
        a.at - a.message.uptime_ms / _MS_PER_S for a in arrivals if isinstance(a.message, Telemetry)
    ]
    if not offsets:
        raise RuntimeError("no TELEMETRY received: the device's clock cannot be placed")
    return min(offsets)


def device_ms(bench: Bench, host_s: float) -> float:
    """Host instant ``host_s`` (monotonic, s) on the device's clock, ms since its reset."""
    return (host_s - clock_offset_s(bench.arrivals())) * _MS_PER_S


def _delivering(arrival: Arrival) -> bool:
    sample = arrival.message
    return isinstance(sample, Telemetry) and sample.channels[0].delivered_ua > 0


def _host_lost(arrival: Arrival) -> bool:
    sample = arrival.message
    return isinstance(sample, Telemetry) and Fault.HOST_LOST in sample.faults


def _drive(bench: Bench, watchdog_ms: int) -> None:
    """START channel 1 with ``watchdog_ms``, SET it to :data:`DRIVE_UA`, and wait (with
    heartbeats) for a TELEMETRY that shows it delivering above 0."""
    bench.start(0b01, watchdog_ms)
    bench.set(1, DRIVE_UA)
    if bench.until(_delivering, TELEMETRY_WAIT_MS) is None:
        raise RuntimeError(f"{bench.port_name}: channel 1 never delivered")


def stop_trials(bench: Bench, count: int) -> list[StopTrial]:
    """``count`` STOPs, each while channel 1 delivers (see the module's doc). A trial whose
    first frame after the ACK does not show 0 is recorded unconfirmed and stopped again,
    confirmed (or :class:`RuntimeError`)."""
    trials = []
    for _ in range(count):
        _drive(bench, HOST_WATCHDOG_MS)
        since = bench.mark()
        answer = bench.ask(Stop())
        written = last_write_s(bench)
        if not isinstance(answer, Ack) or answer.request_type is not MsgType.STOP:
            raise RuntimeError(f"{bench.port_name}: STOP answered with {answer_text(answer)}")
        ack = next(a for a in bench.arrivals(since) if a.message is answer)
        frame = bench.until(
            lambda a: isinstance(a.message, Telemetry),
            STOP_CONFIRM_WAIT_MS,
            keepalive=False,
            since=ack.place + 1,
        )
        if frame is None or not isinstance(frame.message, Telemetry):
            raise RuntimeError(f"{bench.port_name}: no TELEMETRY after the STOP's ACK")
        confirmed = idle_and_zero(frame.message)
        trials.append(
            StopTrial(
                written_s=written,
                ack_ms=(ack.at - written) * _MS_PER_S,
                zero_ms=frame.message.uptime_ms - device_ms(bench, written),
                confirmed=confirmed,
            )
        )
        if not confirmed:
            _stop_confirmed(bench, "the STOP after an unconfirmed one")
    return trials


def watchdog_trials(bench: Bench, periods_ms: Sequence[int]) -> list[WatchdogTrial]:
    """One silence per entry of ``periods_ms`` (the watchdog START asks for), each while
    channel 1 delivers; afterwards a confirmed STOP (HOST_LOST stays latched, as it must,
    until the next trial's START clears it)."""
    trials = []
    for asked in periods_ms:
        _drive(bench, asked)
        bench.heartbeat()  # the last frame the device hears: the silence starts at its write
        last = last_write_s(bench)
        found = bench.until(_host_lost, asked + EXPIRY_WAIT_MS, keepalive=False)
        bench.watchdog_ms = None  # expired or not, nothing is kept alive from here
        if found is None or not isinstance(found.message, Telemetry):
            _stop_confirmed(bench, "the STOP after a watchdog that did not expire")
            raise RuntimeError(f"{bench.port_name}: no HOST_LOST {asked + EXPIRY_WAIT_MS} ms on")
        sample = found.message
        expired = sample.uptime_ms - device_ms(bench, last)
        trials.append(WatchdogTrial(asked, expired, idle_and_zero(sample)))
        _stop_confirmed(bench, "the STOP after a watchdog trial")
    return trials


def cadence_run(bench: Bench, seconds: float) -> Cadence:
    """Channel 1 delivering for ``seconds`` with a HEARTBEAT every 100 ms; then a confirmed
    STOP. The intervals of the TELEMETRY that came meanwhile, see :func:`intervals`."""
    _drive(bench, HOST_WATCHDOG_MS)
    since = bench.mark()
    bench.wait(seconds * _MS_PER_S)
    frames = [a for a in bench.arrivals(since) if isinstance(a.message, Telemetry)]
    _stop_confirmed(bench, "the STOP after the cadence run")
    return intervals(frames, seconds)


def intervals(frames: Sequence[Arrival], seconds: float) -> Cadence:
    """Intervals between consecutive TELEMETRY ``frames`` (by seq, wrapping at 65536);
    a gap in seq is counted lost and gives no interval."""
    device: list[int] = []
    host: list[float] = []
    lost = 0
    for before, after in itertools.pairwise(frames):
        if not isinstance(before.message, Telemetry) or not isinstance(after.message, Telemetry):
            continue
        step = (after.seq - before.seq) & _SEQ_MASK
        if step != 1:
            lost += (step - 1) & _SEQ_MASK
            continue
        device.append(after.message.uptime_ms - before.message.uptime_ms)
        host.append((after.at - before.at) * _MS_PER_S)
    return Cadence(seconds, device, host, lost)


def log_stop_to_zero_ms(
    events: Iterable[dict[str, Any]], written_s: Sequence[float]
) -> list[float]:
    """For each STOP written at host instant ``written_s[i]`` (monotonic s, ascending): ms
    from the event log's first ``stop`` line at or after it to the ``output`` line that left
    every channel at 0 (``mono`` stamps, the device's clock). A device that zeroes before
    it logs the stop gives 0 (same instant) or less; a STOP with no such pair gives none.
    """
    levels: dict[int, int] = {}
    went_zero: dict[str, Any] | None = None  # the line that made every channel 0
    waiting: dict[str, Any] | None = None  # a stop line logged before its drop
    pending = list(written_s)
    found: list[float] = []
    for event in events:
        kind = event["event"]
        if kind == "output":
            levels[event["channel"]] = event["amplitude_ua"]
            if any(levels.values()):
                went_zero = None
            elif went_zero is None:
                went_zero = event
                if waiting is not None:
                    found.append((event["mono"] - waiting["mono"]) * _MS_PER_S)
                    waiting = None
        elif kind == "stop" and pending and event["mono"] >= pending[0]:
            pending.pop(0)
            waiting = None
            if any(levels.values()):
                waiting = event
            elif went_zero is not None:
                found.append((went_zero["mono"] - event["mono"]) * _MS_PER_S)
    return found
