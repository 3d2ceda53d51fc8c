"""Checks of STOP, of the output rules (slew up, instant drop) and of TELEMETRY's cadence
and contents (sections 4.4, 4.9, 6, 8, 9.8)."""

from __future__ import annotations

import itertools
import statistics

from tenscontrol.conformance.bench import (
    Bench,
    allowance_ua,
    answer_text,
    describe,
    idle_and_zero,
)
from tenscontrol.conformance.host import Arrival
from tenscontrol.conformance.limits import (
    GRID_TOLERANCE_MS,
    LOW_UA,
    REPLY_WAIT_MS,
    RESPONSE_SLACK_MS,
    SLEW_SLACK_UA,
    SLEW_TOLERANCE_PERCENT,
    STOP_CONFIRM_WAIT_MS,
)
from tenscontrol.conformance.results import Check, CheckFailed, Outcome, check, passed, require
from tenscontrol.conformance.setpoints import payload
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    DeviceState,
    Lead,
    MsgType,
    NakCode,
    Telemetry,
)
from tenscontrol.protocol.constants import TELEMETRY_PERIOD_MS

#: The STOP checks: the first to drive an output, so that a device that does not stop
#: fails them before anything else depends on a STOP.
STOP_CHECKS: list[Check] = []
CHECKS: list[Check] = []
#: Frames the cadence is measured over (about a second).
_CADENCE_FRAMES = 21
#: Frames the output is watched for after it reached its setpoint.
_STEADY_FRAMES = 6
#: Answers the response time is measured over.
_RESPONSES = 10
#: Section 8: an answer within 20 ms, a STOP's ACK within 10 ms.
_ANSWER_MS = 20
_STOP_ACK_MS = 10


def _one_stop(bench: Bench, *, version: int, body: bytes, what: str) -> str:
    """One STOP (no retry) in ``version`` with ``body``: it must be ACKed in version 1 and
    the first TELEMETRY after the ACK must show IDLE and 0 (sections 4.4, 9.8)."""
    bench.run_at(1, LOW_UA)
    since = bench.mark()
    answer = bench.ask_raw(MsgType.STOP, body, version=version)
    if not isinstance(answer, Ack) or answer.request_type is not MsgType.STOP:
        raise CheckFailed(f"{what}: expected ACK(STOP), got {answer_text(answer)}")
    require(answer.applied is None, f"{what}: the ACK echoes {answer.applied}")
    byte = next(a.version for a in bench.arrivals(since) if a.message is answer)
    require(byte == PROTOCOL_MAJOR, f"{what}: the ACK came in version byte {byte}, not 1")
    after = bench.next_telemetry(bench.mark(), STOP_CONFIRM_WAIT_MS, keepalive=False)
    require(idle_and_zero(after), f"{what}: ACKed, but the next TELEMETRY shows {describe(after)}")
    return f"{what}: ACK in version 1, then IDLE and 0"


@check(
    STOP_CHECKS, "stop.confirmed", "9.8", "After STOP's ACK the first TELEMETRY shows IDLE and 0"
)
def _stop_confirmed(bench: Bench) -> Outcome:
    bench.run_at(1, LOW_UA)
    outcome = bench.stop()
    require(outcome.confirmed, outcome.detail)
    return passed(f"from {LOW_UA} uA: {outcome.detail}")


@check(STOP_CHECKS, "stop.semantics", "4.4", "STOP disables every channel; accepted in any state")
def _stop_semantics(bench: Bench) -> Outcome:
    detail = _one_stop(bench, version=PROTOCOL_MAJOR, body=b"", what="STOP")
    fields = bench.fields(1, LOW_UA)
    bench.expect_nak(MsgType.SET, payload(fields), NakCode.BAD_STATE, 0, "SET after STOP")
    again = bench.ask_raw(MsgType.STOP, b"")
    require(isinstance(again, Ack), f"STOP while IDLE: {answer_text(again)}")
    return passed(f"{detail}; a SET after it NAK BAD_STATE; STOP while IDLE ACKed")


@check(STOP_CHECKS, "stop.any-version", "4.4", "STOP in any version byte stops output")
def _stop_any_version(bench: Bench) -> Outcome:
    done = [_one_stop(bench, version=v, body=b"", what=f"STOP in byte {v}") for v in (2, 0)]
    return passed("; ".join(done) + " (V18)")


@check(STOP_CHECKS, "stop.with-payload", "4.4", "STOP with a payload stops output")
def _stop_payload(bench: Bench) -> Outcome:
    detail = _one_stop(bench, version=PROTOCOL_MAJOR, body=b"\xa5\x5a", what="STOP of 2 bytes")
    return passed(detail + " (V19)")


def _rises(samples: list[tuple[int, int]], slew: int) -> tuple[int, str | None]:
    """The fastest rise between samples (uptime ms, delivered uA), in uA/s, and the first
    pair that rose faster than ``slew`` allows (with the tolerance), if any."""
    fastest, problem = 0, None
    for (u1, d1), (u2, d2) in itertools.pairwise(samples):
        span = u2 - u1
        if span <= 0 or d2 <= d1:
            continue
        fastest = max(fastest, (d2 - d1) * 1_000 // span)
        allowed = slew * span * (100 + SLEW_TOLERANCE_PERCENT) // 100_000 + SLEW_SLACK_UA
        if d2 - d1 > allowed and problem is None:
            problem = f"rose {d2 - d1} uA in {span} ms (uptime {u1}-{u2}), allowed {allowed}"
    return fastest, problem


@check(CHECKS, "slew.rise", "6", "Output rises no faster than slew_ua_per_s, and holds")
def _slew(bench: Bench) -> Outcome:
    caps = bench.identity.channels[0]
    target = min(bench.drive_ua, caps.max_amplitude_ua)
    slew = bench.identity.slew_ua_per_s
    bench.start(0b01, 500)
    before = bench.latest()  # built before the SET arrived: the ramp starts after it
    since = bench.mark()
    bench.set(1, target)
    reached = bench.reach(1, target)
    bench.wait(TELEMETRY_PERIOD_MS * _STEADY_FRAMES)
    frames = [t for _, t in bench.telemetry(since)]
    samples = [(before.uptime_ms, before.channels[0].delivered_ua)]
    samples += [(t.uptime_ms, t.channels[0].delivered_ua) for t in frames]
    fastest, problem = _rises(samples, slew)
    require(problem is None, f"slew {slew} uA/s: {problem}")
    ceiling = target + allowance_ua(target)
    highest = max(t.channels[0].delivered_ua for t in frames)
    require(highest <= ceiling, f"delivered {highest} uA, above {target} uA + its allowance")
    ramp_ms = reached.uptime_ms - before.uptime_ms
    return passed(
        f"0 to {target} uA in {ramp_ms} ms of uptime; fastest {fastest} uA/s between frames "
        f"(limit {slew}); held for {_STEADY_FRAMES} frames"
    )


@check(CHECKS, "slew.instant-decrease", "6", "A lower setpoint is delivered at once")
def _decrease(bench: Bench) -> Outcome:
    target = min(bench.drive_ua, bench.identity.channels[0].max_amplitude_ua)
    bench.run_at(1, target)
    lower = target // 4
    bench.set(1, lower)
    since = bench.mark()
    bound = lower + allowance_ua(lower)
    first = bench.next_telemetry(since)
    shown = first.channels[0].delivered_ua
    if shown > bound:  # built within a pulse period of the SET: the next one must show it
        second_since = bench.mark()
        second = bench.next_telemetry(second_since)
        require(
            second.channels[0].delivered_ua <= bound,
            f"from {target} to {lower} uA: the first two frames after the ACK show "
            f"{shown} and {second.channels[0].delivered_ua} uA",
        )
        shown = second.channels[0].delivered_ua
        return passed(f"{target} -> {lower} uA: {shown} uA by the second frame after the ACK")
    return passed(f"{target} -> {lower} uA: {shown} uA in the first frame after the ACK")


@check(CHECKS, "telemetry.cadence", "4.9", "TELEMETRY every 50 ms on the grid from reset")
def _cadence(bench: Bench) -> Outcome:
    since = bench.mark()
    bench.wait(TELEMETRY_PERIOD_MS * _CADENCE_FRAMES + 25, keepalive=False)
    frames: list[tuple[Arrival, Telemetry]] = bench.telemetry(since)
    require(len(frames) >= _CADENCE_FRAMES - 2, f"{len(frames)} frames in about a second")
    uptimes = [t.uptime_ms for _, t in frames]
    deltas = [b - a for a, b in itertools.pairwise(uptimes)]
    odd = [d for d in deltas if abs(d - TELEMETRY_PERIOD_MS) > GRID_TOLERANCE_MS]
    require(not odd, f"uptime steps between frames {sorted(set(deltas))} ms, not 50")
    for uptime in uptimes:
        step = uptime % TELEMETRY_PERIOD_MS
        if min(step, TELEMETRY_PERIOD_MS - step) > GRID_TOLERANCE_MS:
            raise CheckFailed(f"uptime {uptime} ms is off the 50 ms grid counted from reset")
    arrivals = [a.at * 1_000 for a, _ in frames]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    mean = statistics.fmean(gaps)
    require(abs(mean - TELEMETRY_PERIOD_MS) <= 5, f"frames arrived every {mean:.1f} ms on average")
    return passed(
        f"{len(frames)} frames: uptime steps of 50 ms on the grid; arrivals every "
        f"{mean:.1f} ms (longest gap {max(gaps):.0f} ms)"
    )


@check(CHECKS, "telemetry.contents", "4.9", "TELEMETRY shows the state, channels and setpoints")
def _contents(bench: Bench) -> Outcome:
    idle = bench.next_telemetry(bench.mark(), keepalive=False)
    n = bench.channels
    problems = [] if len(idle.channels) == n else [f"{len(idle.channels)} channels, not {n}"]
    if not idle_and_zero(idle):
        problems.append(f"while IDLE: {describe(idle)}")
    if idle.faults:
        problems.append(f"faults {idle.faults.name} latched at rest")
    if not (0 <= idle.battery_pct <= 100 or idle.battery_pct == 0xFF):
        problems.append(f"battery_pct {idle.battery_pct}")
    off = [i for i, c in enumerate(idle.channels, 1) if c.lead is Lead.OFF]
    if off:
        problems.append(f"lead OFF on channel(s) {off}: connect a load to every channel")
    require(not problems, "; ".join(problems))
    bench.start(bench.all_mask, 500)
    bench.set(1, LOW_UA)
    after = bench.next_telemetry(bench.mark())
    setpoints = [c.setpoint_ua for c in after.channels]
    require(
        after.state is DeviceState.RUNNING and setpoints == [LOW_UA] + [0] * (n - 1),
        f"after START and SET channel 1 {LOW_UA} uA: {describe(after)}",
    )
    counts = {len(t.channels) for _, t in bench.telemetry()}
    require(counts == {n}, f"frames with {sorted(counts)} channels; IDENTITY says {n}")
    return passed(
        f"IDLE at 0, then RUNNING with setpoints {setpoints} uA; {n} channel(s) in every frame; "
        f"battery {idle.battery_mv} mV {idle.battery_pct} %"
    )


@check(CHECKS, "timing.response", "8", "Answers within 20 ms, STOP's ACK within 10 ms")
def _response(bench: Bench) -> Outcome:
    times = []
    for _ in range(_RESPONSES):
        sent = bench.now_ms()
        bench.heartbeat()
        times.append(bench.now_ms() - sent)
    stops = []
    for _ in range(3):
        bench.start(0b01, 500)
        sent = bench.now_ms()
        answer = bench.ask_raw(MsgType.STOP, b"")
        require(isinstance(answer, Ack), f"STOP: {answer_text(answer)}")
        stops.append(bench.now_ms() - sent)
    median, slowest = statistics.median(times), max(times)
    require(median <= _ANSWER_MS + RESPONSE_SLACK_MS, f"median answer {median:.1f} ms")
    require(slowest <= REPLY_WAIT_MS, f"an answer took {slowest:.0f} ms")
    stop = statistics.median(stops)
    require(stop <= _STOP_ACK_MS + RESPONSE_SLACK_MS, f"median STOP ACK {stop:.1f} ms")
    return passed(
        f"round trip median {median:.1f} ms, max {slowest:.1f} ms; STOP ACK median "
        f"{stop:.1f} ms (measured here, with the port's own latency)"
    )
