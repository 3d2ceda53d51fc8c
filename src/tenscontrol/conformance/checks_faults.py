"""Checks of the device's own over-delivery trip and of a latched channel fault (sections
4.3, 4.5, 7), of DTR (section 1), and of every device frame of the run (sections 2, 3).

A host cannot make a healthy device over-deliver, so these need the simulator's fault
injection: a simulator started with ``--overdeliver N@0:50`` (``sim://?overdeliver=N@0:50``),
N its last channel, delivers 50 % more than commanded there. The suite drives that channel
only in these checks. Elsewhere they are ``skip``, with the reason.
"""

from __future__ import annotations

from typing import Protocol, cast

from tenscontrol.conformance.bench import Bench, allowance_ua, answer_text, describe
from tenscontrol.conformance.host import Arrival
from tenscontrol.conformance.limits import LOW_UA
from tenscontrol.conformance.results import (
    Check,
    CheckFailed,
    Outcome,
    Skipped,
    check,
    manual,
    passed,
    require,
)
from tenscontrol.conformance.setpoints import as_setpoint, break_after, payload
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    Boot,
    DeviceState,
    Fault,
    Identity,
    MsgType,
    NakCode,
    Telemetry,
)
from tenscontrol.protocol.constants import DEVICE_OVER_DELIVERY_MS
from tenscontrol.transport.ports import PORT_ERRORS

CHECKS: list[Check] = []
#: Section 4.9: the event frame within 10 ms of the fault; 1 ms for whole-ms uptimes.
_EVENT_MS = 10
_ROUNDING_MS = 1
#: How long over-delivery is watched for after the SET, ms.
_WATCH_MS = 1_000
_DTR_STEPS = ("dtr", "rts")


class _ModemLines(Protocol):
    """A port with modem control lines (pyserial's)."""

    dtr: bool
    rts: bool


def _injection_hint(channel: int) -> str:
    return (
        f"start the simulator with --overdeliver {channel}@0:50 "
        f"(sim://?overdeliver={channel}@0:50) to run it"
    )


def _over(sample: Telemetry, channel: int) -> bool:
    ch = sample.channels[channel - 1]
    return ch.delivered_ua > ch.setpoint_ua + allowance_ua(ch.setpoint_ua)


def provoke(bench: Bench) -> tuple[int, Telemetry, str]:
    """Drive the last channel at 1 mA until the device latches OVER_DELIVERY there: the
    channel, the frame that showed the fault, and what was measured (uptime ms from the
    first over frame to the fault). Skips where nothing over-delivers; fails when the
    device lets an over-delivery run longer than section 7 allows."""
    if not bench.simulator:
        raise Skipped(
            "a host cannot make a healthy device over-deliver; this duty is checked on the "
            "simulator, through its fault injection"
        )
    if bench.channels < 2:
        raise Skipped("needs a second channel, driven only by these checks")
    channel = bench.channels
    bench.start(1 << (channel - 1), 500)
    before = bench.latest()
    since = bench.mark()
    bench.set(channel, LOW_UA)

    def tripped(arrival: Arrival) -> bool:
        sample = arrival.message
        return isinstance(sample, Telemetry) and bool(
            sample.channels[channel - 1].faults & Fault.OVER_DELIVERY
        )

    bench.until(tripped, _WATCH_MS, since=since)
    frames = [t for _, t in bench.telemetry(since)]
    faulted = [t for t in frames if t.channels[channel - 1].faults & Fault.OVER_DELIVERY]
    over = [t for t in frames if _over(t, channel)]
    if not over:
        if faulted:
            raise CheckFailed(f"OVER_DELIVERY latched on channel {channel} with no frame over")
        raise Skipped(f"channel {channel} never over-delivered: " + _injection_hint(channel))
    first = over[0]
    previous = [t for t in [before, *frames] if t.uptime_ms < first.uptime_ms][-1]
    limit = DEVICE_OVER_DELIVERY_MS + _EVENT_MS + _ROUNDING_MS
    if not faulted:
        lasted = over[-1].uptime_ms - first.uptime_ms
        raise CheckFailed(
            f"channel {channel} over for {lasted} ms of uptime (delivered "
            f"{over[-1].channels[channel - 1].delivered_ua} uA at setpoint {LOW_UA}), no fault"
        )
    trip = faulted[0]
    took = trip.uptime_ms - first.uptime_ms
    # the onset lies between the last frame that was not over and the first that was
    earliest = DEVICE_OVER_DELIVERY_MS - (first.uptime_ms - previous.uptime_ms) - _ROUNDING_MS
    require(
        earliest <= took <= limit,
        f"OVER_DELIVERY latched {took} ms after the first over frame; expected {earliest}-"
        f"{limit} ms (over for more than {DEVICE_OVER_DELIVERY_MS} ms, section 7)",
    )
    return (
        channel,
        trip,
        f"latched {took} ms after the first over frame (allowed {earliest}-{limit})",
    )


@check(CHECKS, "overdelivery.device-trip", "7", "The device trips on its own over-delivery")
def _device_trip(bench: Bench) -> Outcome:
    channel, trip, detail = provoke(bench)
    ch = trip.channels[channel - 1]
    require(ch.delivered_ua == 0 and ch.setpoint_ua == 0, f"after the trip: {describe(trip)}")
    require(
        trip.state is DeviceState.RUNNING, f"a channel fault stopped the device: {describe(trip)}"
    )
    return passed(f"channel {channel}: {detail}; that channel 0, the device still RUNNING")


@check(CHECKS, "nak.set.fault-latched", "4.5", "SET above 0 on a faulted channel: FAULT_LATCHED")
def _fault_latched(bench: Bench) -> Outcome:
    channel, _, _ = provoke(bench)
    caps = bench.identity.channels[channel - 1]
    fields = break_after(bench.fields(channel, LOW_UA), caps, 2)
    bench.expect_nak(MsgType.SET, payload(fields), NakCode.FAULT_LATCHED, 0, "SET on the fault")
    return passed(f"channel {channel} with OVER_DELIVERY latched: NAK FAULT_LATCHED field 0")


@check(CHECKS, "set.zero-on-faulted", "4.5", "SET 0 on a faulted channel: ACKed, stores nothing")
def _zero_on_faulted(bench: Bench) -> Outcome:
    channel, _, _ = provoke(bench)
    fields = bench.fields(channel, 0)
    answer = bench.set_fields(fields)
    if not isinstance(answer, Ack):
        raise CheckFailed(f"SET 0 uA on the faulted channel: {answer_text(answer)}")
    require(answer.applied == as_setpoint(fields), f"the ACK echoes {answer.applied}")
    after = bench.next_telemetry(bench.mark())
    ch = after.channels[channel - 1]
    require(
        ch.setpoint_ua == 0 and ch.delivered_ua == 0 and bool(ch.faults & Fault.OVER_DELIVERY),
        f"after SET 0 on the faulted channel: {describe(after)}",
    )
    return passed(f"channel {channel}: ACK with its echo; still 0 uA, fault still latched")


@check(CHECKS, "fault.cleared-by-start", "4.3", "START naming a faulted channel clears it")
def _cleared_by_start(bench: Bench) -> Outcome:
    channel, _, _ = provoke(bench)
    bench.start(1 << (channel - 1), 500)
    after = bench.next_telemetry(bench.mark())
    ch = after.channels[channel - 1]
    require(not ch.faults and ch.setpoint_ua == 0, f"after START: {describe(after)}")
    return passed(f"channel {channel}: OVER_DELIVERY cleared by START, at 0 uA")


def _dtr_manual(why: str) -> Outcome:
    return manual(
        f"{why}. By hand: run a session at 1 mA into the load resistor, close and reopen the "
        "port from another program (which toggles DTR) or toggle DTR/RTS with a serial "
        "terminal; the output and uptime must go on unchanged, no BOOT, no reset"
    )


@check(CHECKS, "dtr.ignored", "1", "DTR and RTS change nothing")
def _dtr(bench: Bench) -> Outcome:
    port = bench.host.port
    if bench.port_name.lower().startswith(("socket://", "rfc2217://")):
        return _dtr_manual("a network link carries no DTR")
    if not all(hasattr(port, line) for line in _DTR_STEPS):
        return _dtr_manual("this port has no DTR control")
    try:
        cast(_ModemLines, port).dtr = True  # asserted already by the open: can it?
    except PORT_ERRORS as error:
        return _dtr_manual(f"this port cannot toggle DTR ({type(error).__name__}: {error})")
    before = bench.run_at(1, LOW_UA)
    since = bench.mark()
    try:
        for line in _DTR_STEPS:
            setattr(port, line, False)
            bench.wait(60)
            setattr(port, line, True)
    except PORT_ERRORS as error:
        return _dtr_manual(f"this port cannot toggle DTR ({type(error).__name__}: {error})")
    bench.wait(150)
    frames = [t for _, t in bench.telemetry(since)]
    boots = [a for a in bench.arrivals(since) if isinstance(a.message, Boot)]
    require(not boots, "the device sent BOOT after DTR/RTS changed")
    require(bool(frames), "no TELEMETRY after DTR/RTS changed")
    for sample in frames:
        if sample.state is not DeviceState.RUNNING or sample.channels[0].setpoint_ua != LOW_UA:
            raise CheckFailed(f"after DTR/RTS changed: {describe(sample)}")
    require(frames[0].uptime_ms > before.uptime_ms, "uptime went back: the device reset")
    return passed(f"DTR and RTS dropped and raised: still RUNNING at {LOW_UA} uA, no reset")


@check(CHECKS, "frames.well-formed", "3", "Every device frame of the run was well formed")
def _well_formed(bench: Bench) -> Outcome:
    exchange = bench.host.exchange
    arrivals = exchange.arrivals
    require(exchange.malformed == 0, f"{exchange.malformed} malformed device frame(s) dropped")
    # version 1, or a version an IDENTITY selected (it is written in it, section 4.1, and
    # the frames after it are too until the suite's HELLO(1, 1))
    selected = {a.message.selected_version for a in arrivals if isinstance(a.message, Identity)}
    allowed = {PROTOCOL_MAJOR} | (selected - {0})
    for a in arrivals:
        if a.version not in allowed:
            raise CheckFailed(f"a {type(a.message).__name__} came in version byte {a.version}")
    broken = exchange.frame_errors
    return passed(
        f"{len(arrivals)} device frames, each in a negotiated version byte and well "
        f"formed; {broken} broken on the link"
    )
