"""Checks of START and SET: every refusal in the order of its table, and what an accepted
one does, ACK echo included (sections 4.3, 4.5, 4.7).

A refusal is tested with every later row of the table broken too, so the NAK must name
the row under test: that is what "in this order" means. After a refusal the device must be
unchanged (nothing starts, a setpoint is never clamped or half-applied).
"""

from __future__ import annotations

from tenscontrol.conformance.bench import Bench, answer_text, describe
from tenscontrol.conformance.limits import LOW_UA
from tenscontrol.conformance.results import (
    Check,
    CheckFailed,
    Outcome,
    Skipped,
    check,
    passed,
    require,
)
from tenscontrol.conformance.setpoints import (
    VALUE_ROWS,
    Fields,
    Row,
    as_setpoint,
    break_after,
    payload,
)
from tenscontrol.protocol import (
    Ack,
    ChannelCapabilities,
    DeviceState,
    MsgType,
    NakCode,
    Pattern,
    Start,
)

#: Checks that leave the device IDLE (they run before the STOP checks).
CHECKS: list[Check] = []
#: Checks that start the device (after the STOP checks, see the catalogue).
RUNNING_CHECKS: list[Check] = []
#: The setpoint a channel holds while SETs are refused, uA (it must still hold it after).
_HELD_UA = 500


def _start_body(mask: int, watchdog_ms: int) -> bytes:
    return bytes([mask]) + watchdog_ms.to_bytes(2, "little")


def _still_idle(bench: Bench, what: str) -> None:
    after = bench.next_telemetry(bench.mark(), keepalive=False)
    require(after.state is DeviceState.IDLE, f"after {what} the device shows {describe(after)}")


@check(CHECKS, "nak.start.length", "4.3", "START of the wrong length: NAK BAD_LENGTH (row 1)")
def _start_length(bench: Bench) -> Outcome:
    # mask 0 and a watchdog out of range in the bytes there are: rows 2 and 3 broken too
    for body in (b"\x00\x32", b"\x00\x32\x00\x00"):
        bench.expect_nak(MsgType.START, body, NakCode.BAD_LENGTH, 0, f"START of {len(body)} bytes")
    _still_idle(bench, "a START of the wrong length")
    return passed("2 and 4 bytes: NAK BAD_LENGTH field 0; still IDLE")


@check(CHECKS, "nak.start.channel", "4.3", "START with mask 0 or a missing channel (row 2)")
def _start_channel(bench: Bench) -> Outcome:
    missing = 1 << bench.channels
    for mask in (0, missing):  # with watchdog 50 ms: row 3 broken too (V23)
        bench.expect_nak(
            MsgType.START, _start_body(mask, 50), NakCode.BAD_CHANNEL, 1, f"START mask {mask:#x}"
        )
    _still_idle(bench, "a refused START")
    return passed(f"mask 0 and {missing:#x}: NAK BAD_CHANNEL field 1 before the watchdog; IDLE")


@check(CHECKS, "nak.start.watchdog", "4.3", "START with a watchdog out of range (row 3)")
def _start_watchdog(bench: Bench) -> Outcome:
    i = bench.identity
    for watchdog in (i.watchdog_min_ms - 1, i.watchdog_max_ms + 1):
        bench.expect_nak(
            MsgType.START,
            _start_body(1, watchdog),
            NakCode.OUT_OF_RANGE,
            2,
            f"START watchdog {watchdog} ms",
        )
    _still_idle(bench, "a refused START")
    return passed(
        f"{i.watchdog_min_ms - 1} and {i.watchdog_max_ms + 1} ms: NAK OUT_OF_RANGE field 2; IDLE"
    )


@check(
    RUNNING_CHECKS, "start.ack-echo", "4.3", "START is ACKed with the mask and watchdog in force"
)
def _start_echo(bench: Bench) -> Outcome:
    i = bench.identity
    asked = [(i.watchdog_min_ms, i.watchdog_min_ms), (i.watchdog_max_ms, i.watchdog_max_ms)]
    asked.append((0, i.watchdog_default_ms))
    for watchdog, in_force in asked:
        ack = bench.start(bench.all_mask, watchdog)
        want = Start(bench.all_mask, in_force)
        require(ack.applied == want, f"START watchdog {watchdog}: ACK echoes {ack.applied}")
    return passed(
        f"watchdog {i.watchdog_min_ms} and {i.watchdog_max_ms} ms echoed; 0 echoed as the "
        f"default {i.watchdog_default_ms} ms"
    )


@check(RUNNING_CHECKS, "start.semantics", "4.3", "START: RUNNING, masked channels enabled at 0")
def _start_semantics(bench: Bench) -> Outcome:
    bench.start(bench.all_mask, 500)
    after = bench.next_telemetry(bench.mark())
    require(after.state is DeviceState.RUNNING, f"after START: {describe(after)}")
    require(
        all(c.setpoint_ua == 0 and c.delivered_ua == 0 for c in after.channels),
        f"START must set output 0: {describe(after)}",
    )
    require(not after.faults, f"faults latched after START: {after.faults.name}")
    return passed(f"RUNNING, {bench.channels} channel(s) at 0 uA, no fault")


@check(
    RUNNING_CHECKS, "start.while-running", "4.3", "START while RUNNING restarts only its channels"
)
def _start_while_running(bench: Bench) -> Outcome:
    bench.run_at(1, LOW_UA)
    if bench.channels >= 2:
        bench.start(0b10, 500)  # channel 2 added: channel 1 keeps its setpoint
        kept = bench.next_telemetry(bench.mark())
        require(
            kept.channels[0].setpoint_ua == LOW_UA,
            f"START of channel 2 changed channel 1: {describe(kept)}",
        )
    bench.start(0b01, 500)  # channel 1 named again: back to 0, then up only by a SET
    after = bench.next_telemetry(bench.mark())
    channel = after.channels[0]
    require(
        channel.setpoint_ua == 0 and channel.delivered_ua == 0,
        f"START naming channel 1 again must restart it from 0: {describe(after)}",
    )
    added = "channel 2 added without touching channel 1; " if bench.channels >= 2 else ""
    return passed(f"{added}channel 1 named again restarted from 0")


def _hold(bench: Bench, mask: int = 0b01) -> None:
    """RUNNING with channel 1 held at :data:`_HELD_UA` (a refused SET must not move it)."""
    bench.start(mask, 500)
    bench.set(1, _HELD_UA)


def _held(bench: Bench, what: str) -> None:
    after = bench.next_telemetry(bench.mark())
    require(
        after.channels[0].setpoint_ua == _HELD_UA,
        f"after {what} channel 1's setpoint is {after.channels[0].setpoint_ua} uA, not the "
        f"{_HELD_UA} uA it held (a refused SET changes nothing)",
    )


def _refuse(bench: Bench, fields: Fields, code: NakCode, field: int, what: str) -> None:
    bench.expect_nak(MsgType.SET, payload(fields), code, field, what)


@check(RUNNING_CHECKS, "nak.set.length", "4.5", "SET of the wrong length: NAK BAD_LENGTH")
def _set_length(bench: Bench) -> Outcome:
    _hold(bench)
    body = payload(break_after(bench.fields(1, LOW_UA), bench.identity.channels[0], 2))
    for cut in (body[:-1], body + b"\x00"):
        bench.expect_nak(MsgType.SET, cut, NakCode.BAD_LENGTH, 0, f"SET of {len(cut)} bytes")
    _held(bench, "a SET of the wrong length")
    return passed("17 and 19 bytes: NAK BAD_LENGTH field 0; setpoint unchanged")


@check(CHECKS, "nak.set.idle", "4.5", "SET while IDLE: NAK BAD_STATE, whatever the channel")
def _set_idle(bench: Bench) -> Outcome:
    fields = break_after(bench.fields(1, LOW_UA), bench.identity.channels[0], 1)
    for channel in (1, 0, bench.channels + 1):
        fields[0] = channel
        _refuse(bench, fields, NakCode.BAD_STATE, 0, f"SET channel {channel} while IDLE")
    return passed("channels 1, 0 and a missing one while IDLE: NAK BAD_STATE field 0")


@check(
    RUNNING_CHECKS, "nak.set.channel", "4.5", "SET on channel 0 or a missing one: NAK BAD_CHANNEL"
)
def _set_channel(bench: Bench) -> Outcome:
    _hold(bench)
    fields = break_after(bench.fields(1, LOW_UA), bench.identity.channels[0], 1)
    for channel in (0, bench.channels + 1):
        fields[0] = channel
        _refuse(bench, fields, NakCode.BAD_CHANNEL, 1, f"SET channel {channel}")
    _held(bench, "a SET naming no channel")
    return passed(f"channels 0 and {bench.channels + 1}: NAK BAD_CHANNEL field 1")


@check(
    RUNNING_CHECKS, "nak.set.not-enabled", "4.5", "SET on a channel START did not name: BAD_STATE"
)
def _set_not_enabled(bench: Bench) -> Outcome:
    if bench.channels < 2:
        raise Skipped("needs a second channel (one left out of START)")
    _hold(bench, 0b01)
    other = bench.channels
    fields = break_after(bench.fields(other, LOW_UA), bench.identity.channels[other - 1], 1)
    _refuse(bench, fields, NakCode.BAD_STATE, 0, f"SET channel {other} (not started)")
    _held(bench, "a SET on a channel not started")
    return passed(f"channel {other}, not in START's mask: NAK BAD_STATE field 0")


@check(RUNNING_CHECKS, "nak.set.amplitude", "4.5", "SET above max_amplitude_ua: NAK OUT_OF_RANGE 2")
def _set_amplitude(bench: Bench) -> Outcome:
    if not bench.simulator:
        raise Skipped(
            "would send a SET above 2 mA (max_amplitude_ua + 1) to a device that is not a "
            "simulator; the suite never does: check this row on your bench by other means"
        )
    _hold(bench)
    caps = bench.identity.channels[0]
    fields = break_after(bench.fields(1, LOW_UA), caps, 2)
    fields[1] = caps.max_amplitude_ua + 1
    _refuse(bench, fields, NakCode.OUT_OF_RANGE, 2, f"SET {fields[1]} uA")
    _held(bench, "a refused amplitude")
    return passed(f"{fields[1]} uA: NAK OUT_OF_RANGE field 2, never clamped")


def _value_row(row: Row) -> None:
    """Declare the check of one value row of the table (rate ... pulses)."""

    def run(bench: Bench) -> Outcome:
        _hold(bench)
        caps = bench.identity.channels[0]
        base = bench.fields(1, LOW_UA)
        tried = []
        for broken in _variants(row, base, caps):
            _refuse(bench, broken, NakCode.OUT_OF_RANGE, row.field, f"SET {_shown(broken, row)}")
            tried.append(_shown(broken, row))
        if not tried:
            raise Skipped(f"this channel's {row.name} range cannot be left on the wire")
        _held(bench, f"a refused {row.name}")
        return passed(
            f"{', '.join(tried)}, each with every later row broken too: NAK OUT_OF_RANGE "
            f"field {row.field}"
        )

    title = f"SET with a bad {row.name}: NAK OUT_OF_RANGE {row.field}"
    check(RUNNING_CHECKS, f"nak.set.{row.name}", "4.5", title)(run)


def _variants(row: Row, base: Fields, caps: ChannelCapabilities) -> list[Fields]:
    out = []
    for broken in row.breaks(base, caps, base[0]):
        out.append(break_after(broken, caps, row.field))
    if row.field >= 7 and caps.patterns >> Pattern.BURST & 1 and base[5] != Pattern.BURST:
        burst = list(base)
        burst[5:8] = [Pattern.BURST, caps.burst_rate_min_mhz, caps.pulses_per_burst_min]
        out.extend(break_after(b, caps, row.field) for b in row.breaks(burst, caps, base[0]))
    return out


def _shown(fields: Fields, row: Row) -> str:
    name = ("channel", "amplitude", "rate", "width", "waveform", "pattern", "burst", "pulses")
    return f"{name[row.field - 1]} {fields[row.field - 1]}"


for _row in VALUE_ROWS:
    _value_row(_row)


@check(RUNNING_CHECKS, "set.ack-echo", "4.5", "SET is ACKed with all eight fields as applied")
def _set_echo(bench: Bench) -> Outcome:
    bench.start(0b01, 500)
    caps = bench.identity.channels[0]
    tried = [bench.fields(1, LOW_UA)]
    if caps.patterns >> Pattern.BURST & 1 and tried[0][5] != Pattern.BURST:
        burst = list(tried[0])
        burst[5:8] = [Pattern.BURST, caps.burst_rate_min_mhz, caps.pulses_per_burst_min]
        if burst[7] * burst[6] < burst[2]:
            tried.append(burst)
    for fields in tried:
        sent = as_setpoint(fields)
        answer = bench.set_fields(fields)
        if not isinstance(answer, Ack):
            raise CheckFailed(f"SET {sent}: {answer_text(answer)}")
        require(answer.applied == sent, f"SET {sent}: ACK echoes {answer.applied}")
    after = bench.next_telemetry(bench.mark())
    require(after.channels[0].setpoint_ua == LOW_UA, f"after the SET: {describe(after)}")
    kinds = " and burst" if len(tried) > 1 else ""
    return passed(f"continuous{kinds} echoed field for field; telemetry shows {LOW_UA} uA")
