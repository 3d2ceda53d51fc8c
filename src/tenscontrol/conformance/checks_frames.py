"""Checks of sequence ids, framing and resynchronisation, and the version and type rules
of every request (sections 2, 3, 4 and 4.6)."""

from __future__ import annotations

import itertools
import random

from tenscontrol.conformance.bench import Bench, answer_text
from tenscontrol.conformance.results import (
    Check,
    CheckFailed,
    Outcome,
    Skipped,
    check,
    passed,
    require,
)
from tenscontrol.protocol import Ack, DeviceState, Heartbeat, MsgType, NakCode, Start, Telemetry

CHECKS: list[Check] = []
#: Sequence ids the echo is tried with: a high byte, both sides of the sign bit, the top,
#: then the wrap to 0 (section 3: 65535 wraps to 0).
_SEQ_PROBES = (0x0100, 0x7FFF, 0x8000, 0xFFFF, 0x0000)
#: How many pushed frames the counter is followed over.
_PUSHED_FRAMES = 12
_U32 = 0xFFFFFFFF
#: Seed of the garbage bytes: the same bytes every run.
_GARBAGE_SEED = 14
#: Type bytes no version 1 device knows as a request: unused host types and device types.
_UNKNOWN_TYPES = (0x06, 0x7F, MsgType.IDENTITY, MsgType.TELEMETRY)


@check(CHECKS, "seq.echo", "3", "Every answer echoes its request's 16-bit seq")
def _seq_echo(bench: Bench) -> Outcome:
    exchange = bench.host.exchange
    resume = exchange.next_seq  # the run goes on from here: its seqs stay low
    try:
        for seq in _SEQ_PROBES:
            exchange.next_seq = seq
            since = len(exchange.unmatched)
            answer = bench.ask(Heartbeat())
            if not isinstance(answer, Ack):
                wrong = [f"seq 0x{a.seq:04x}" for a in exchange.unmatched[since:]]
                came = f" (an answer came with {', '.join(wrong)})" if wrong else ""
                raise CheckFailed(f"HEARTBEAT seq 0x{seq:04x}: no answer with that seq{came}")
    finally:
        exchange.next_seq = resume
    return passed("seq 0x0100, 0x7fff, 0x8000, 0xffff and the wrap to 0x0000 echoed")


@check(CHECKS, "seq.retry", "3", "A request sent twice with one seq is answered twice")
def _seq_retry(bench: Bench) -> Outcome:
    exchange = bench.host.exchange
    seq, wire = exchange.request_raw(MsgType.HEARTBEAT, b"")
    since = bench.mark()
    bench.host.write_bytes(wire + wire)
    bench.wait(150, keepalive=False)
    answers = [a for a in bench.arrivals(since) if a.seq == seq and isinstance(a.message, Ack)]
    require(len(answers) == 2, f"two copies of HEARTBEAT seq {seq}: {len(answers)} ACK(s)")
    return passed(f"both copies of seq {seq} ACKed (a retry keeps its seq, section 9.3)")


@check(CHECKS, "seq.pushed", "3", "Pushed frames count up by 1")
def _seq_pushed(bench: Bench) -> Outcome:
    errors = bench.host.frame_errors
    since = bench.mark()
    bench.wait(50 * _PUSHED_FRAMES + 25, keepalive=False)
    if bench.host.frame_errors != errors:
        raise Skipped("the link broke device frames meanwhile: gaps are the link's")
    frames = [a for a, _ in bench.telemetry(since)]
    require(len(frames) >= 2, f"{len(frames)} TELEMETRY frame(s) came")  # cadence: elsewhere
    gaps = [
        f"{a.seq}->{b.seq}" for a, b in itertools.pairwise(frames) if (a.seq + 1) & 0xFFFF != b.seq
    ]
    require(not gaps, f"TELEMETRY seq not +1: {', '.join(gaps[:5])}")
    return passed(f"{len(frames)} TELEMETRY frames, seq {frames[0].seq} to {frames[-1].seq}")


def _errors_now(bench: Bench) -> Telemetry:
    """A TELEMETRY frame built after everything sent so far (its frame_errors counts it)."""
    bench.heartbeat()
    return bench.next_telemetry(bench.mark())


def _dropped(bench: Bench, data: bytes, what: str, *, rise: int = 1) -> str:
    """Write ``data``: no answer may come, and the device's frame-error counter must rise
    by at least ``rise`` (by exactly 0 when ``rise`` is 0); then a HEARTBEAT is answered."""
    before = _errors_now(bench)
    answers = bench.unanswered(data)
    if answers:
        raise CheckFailed(f"{what}: answered with {answer_text(answers[0].message)}")
    after = _errors_now(bench)
    grew = (after.frame_errors - before.frame_errors) & _U32
    if rise:
        require(grew >= rise, f"{what}: frame_errors rose by {grew}, expected {rise} or more")
    else:
        require(grew == 0, f"{what}: frame_errors rose by {grew}; an empty frame is no error")
    return f"frame_errors {before.frame_errors} -> {after.frame_errors}"


@check(CHECKS, "frame.garbage", "2", "Garbage is dropped, counted, and the next 0x00 resyncs")
def _garbage(bench: Bench) -> Outcome:
    rng = random.Random(_GARBAGE_SEED)
    garbage = bytes(rng.randrange(1, 256) for _ in range(64))
    detail = _dropped(bench, garbage + b"\x00", "64 bytes of garbage")
    return passed(f"not answered, {detail}; the next frame answered")


@check(CHECKS, "frame.bad-crc", "2", "A frame with a bad CRC is dropped and counted")
def _bad_crc(bench: Bench) -> Outcome:
    detail = _dropped(bench, bench.heartbeat_frame(bad_crc=True), "HEARTBEAT with a bad CRC")
    return passed(f"not answered, {detail} (V15)")


@check(CHECKS, "frame.bad-stuffing", "2", "A frame with bad COBS stuffing is dropped and counted")
def _bad_stuffing(bench: Bench) -> Outcome:
    detail = _dropped(bench, bytes.fromhex("05112200"), "a code byte past the delimiter")
    return passed(f"not answered, {detail} (V16)")


@check(CHECKS, "frame.too-short", "2", "A raw frame under 8 bytes is dropped and counted")
def _too_short(bench: Bench) -> Outcome:
    # COBS of 4 bytes without a zero: a code byte of 5, then the bytes
    stuffed = bytes([5, 1, MsgType.HEARTBEAT, 7, 1])
    detail = _dropped(bench, stuffed + b"\x00", "a 4-byte raw frame")
    return passed(f"not answered, {detail}")


@check(CHECKS, "frame.oversize", "2", "An oversize frame is dropped whole and counted")
def _oversize(bench: Bench) -> Outcome:
    detail = _dropped(bench, b"\x01" * 300 + b"\x00", "300 bytes without a delimiter")
    # A valid HEARTBEAT at the end of 260 bytes is part of one oversize frame: a receiver
    # that kept only its last 250 bytes would answer it.
    tail = bench.heartbeat_frame()
    inside = _dropped(bench, b"\x01" * 260 + tail, "a HEARTBEAT at the end of 260 bytes")
    return passed(f"not answered, {detail}; a frame inside an oversize one dropped too, {inside}")


@check(CHECKS, "frame.empty", "2", "Empty frames are ignored without counting")
def _empty(bench: Bench) -> Outcome:
    detail = _dropped(bench, b"\x00\x00\x00", "three lone delimiters", rise=0)
    return passed(f"not answered, {detail}")


@check(CHECKS, "nak.unknown-type", "4", "An unknown type: NAK UNKNOWN_TYPE naming it")
def _unknown_type(bench: Bench) -> Outcome:
    for kind in _UNKNOWN_TYPES:
        bench.expect_nak(kind, b"", NakCode.UNKNOWN_TYPE, 0, f"type 0x{kind:02x}")
    shown = ", ".join(f"0x{k:02x}" for k in _UNKNOWN_TYPES)
    return passed(f"types {shown}: NAK UNKNOWN_TYPE field 0, request_type as sent")


@check(CHECKS, "nak.unsupported-version", "3", "Another version byte: NAK UNSUPPORTED_VERSION")
def _unsupported_version(bench: Bench) -> Outcome:
    for version in (2, 0, 0xFF):
        bench.expect_nak(
            MsgType.HEARTBEAT,
            b"",
            NakCode.UNSUPPORTED_VERSION,
            0,
            f"HEARTBEAT in version byte {version}",
            version=version,
        )
    start = Start(bench.all_mask, 500)
    body = bytes([start.channel_mask]) + start.watchdog_ms.to_bytes(2, "little")
    bench.expect_nak(
        MsgType.START, body, NakCode.UNSUPPORTED_VERSION, 0, "START in byte 2", version=2
    )
    after = bench.next_telemetry(bench.mark(), keepalive=False)
    require(after.state is DeviceState.IDLE, "a START in version byte 2 started the device")
    return passed("HEARTBEAT in 2, 0, 255 and START in 2: NAK UNSUPPORTED_VERSION; still IDLE")


@check(CHECKS, "nak.version-before-type", "3", "The version is checked before the type")
def _version_before_type(bench: Bench) -> Outcome:
    bench.expect_nak(0x06, b"", NakCode.UNSUPPORTED_VERSION, 0, "type 0x06 in byte 2", version=2)
    return passed("unknown type 0x06 in version byte 2: NAK UNSUPPORTED_VERSION (rule 3 first)")


@check(CHECKS, "nak.heartbeat-length", "4.6", "HEARTBEAT with a payload: NAK BAD_LENGTH")
def _heartbeat_length(bench: Bench) -> Outcome:
    bench.expect_nak(MsgType.HEARTBEAT, b"\x01", NakCode.BAD_LENGTH, 0, "HEARTBEAT of 1 byte")
    return passed("HEARTBEAT with 1 byte: NAK BAD_LENGTH field 0")
