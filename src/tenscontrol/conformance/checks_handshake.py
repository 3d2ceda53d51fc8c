"""Checks of the handshake and of what IDENTITY says (sections 3, 4.1, 4.2)."""

from __future__ import annotations

from tenscontrol import hard_limits
from tenscontrol.conformance.bench import Bench, allowance_ua, answer_text, describe
from tenscontrol.conformance.limits import LOW_UA
from tenscontrol.conformance.results import Check, CheckFailed, Outcome, check, passed, require
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    ChannelCapabilities,
    DeviceState,
    Hello,
    Identity,
    IdentityFlag,
    MsgType,
    NakCode,
    Pattern,
    Waveform,
)
from tenscontrol.protocol.constants import MAX_CHANNELS_ON_WIRE, TELEMETRY_PERIOD_MS

CHECKS: list[Check] = []
#: Checks that drive an output (after the STOP checks, see the catalogue).
RUNNING_CHECKS: list[Check] = []
#: Version ranges the selection is tried with (besides the suite's own 1-1).
_RANGES = ((1, 255), (0, 1), (1, 2))
#: Every capability bit a version 1 device may set.
_WAVEFORM_BITS = sum(1 << w for w in Waveform)
_PATTERN_BITS = sum(1 << p for p in Pattern)


def hello(
    bench: Bench, low: int, high: int, *, version: int = PROTOCOL_MAJOR
) -> tuple[Identity, int]:
    """Send HELLO(low, high) in ``version``; its IDENTITY and the version byte it came in.
    Fails the check if the answer is not an IDENTITY."""
    since = bench.mark()
    answer = bench.ask(Hello(low, high), version=version)
    if not isinstance(answer, Identity):
        raise CheckFailed(
            f"HELLO({low}, {high}) in version byte {version}: expected IDENTITY, got "
            f"{answer_text(answer)}"
        )
    byte = next(a.version for a in bench.arrivals(since) if a.message is answer)
    return answer, byte


def highest_common(low: int, high: int, device_min: int, device_max: int) -> int:
    """The version a HELLO(low, high) must select (0: none in both ranges)."""
    top = min(high, device_max)
    return top if max(low, device_min) <= top else 0


def back_to_version_1(bench: Bench) -> None:
    """HELLO(1, 1): the version in force back to 1, as the rest of the suite speaks."""
    identity, _ = hello(bench, PROTOCOL_MAJOR, PROTOCOL_MAJOR)
    require(identity.selected_version == PROTOCOL_MAJOR, "HELLO(1, 1) did not select 1 again")


@check(CHECKS, "handshake.version-select", "4.1", "HELLO selects the highest common version")
def _version_select(bench: Bench) -> Outcome:
    first = bench.identity
    dmin, dmax = first.device_min_version, first.device_max_version
    require(
        bench.first_version == first.selected_version,
        f"the IDENTITY selecting {first.selected_version} came in version byte "
        f"{bench.first_version} (it is written in the version it selects)",
    )
    seen = [f"(1,1) -> {first.selected_version}"]
    for low, high in _RANGES:
        identity, byte = hello(bench, low, high)
        expected = highest_common(low, high, dmin, dmax)
        got = identity.selected_version
        require(
            got == expected,
            f"HELLO({low}, {high}) selected {got}, expected {expected} (the highest version "
            f"in both {low}-{high} and the device's {dmin}-{dmax})",
        )
        if got:
            require(byte == got, f"IDENTITY selecting {got} came in version byte {byte}")
        if got != PROTOCOL_MAJOR:
            back_to_version_1(bench)
        seen.append(f"({low},{high}) -> {got}")
    return passed(f"device speaks {dmin}-{dmax}; " + ", ".join(seen))


@check(CHECKS, "handshake.min-above-max", "4.1", "HELLO with min > max selects 0, changes nothing")
def _min_above_max(bench: Bench) -> Outcome:
    identity, byte = hello(bench, 2, 1)
    require(identity.selected_version == 0, f"HELLO(2, 1) selected {identity.selected_version}")
    require(byte == PROTOCOL_MAJOR, f"its IDENTITY came in version byte {byte}, not 1 (in force)")
    bench.heartbeat()  # version 1 is still in force
    return passed("HELLO(2, 1): IDENTITY selecting 0 in version 1; version 1 still in force")


@check(CHECKS, "handshake.no-common-version", "4.1", "HELLO with no common version selects 0")
def _no_common(bench: Bench) -> Outcome:
    dmax = bench.identity.device_max_version
    low = dmax + 1 if dmax < 0xFF else 0
    high = 0xFF if dmax < 0xFF else 0
    identity, byte = hello(bench, low, high)
    require(
        identity.selected_version == 0,
        f"HELLO({low}, {high}) selected {identity.selected_version}; the device speaks "
        f"{bench.identity.device_min_version}-{dmax}, so nothing is common",
    )
    require(byte == PROTOCOL_MAJOR, f"its IDENTITY came in version byte {byte}, not 1 (in force)")
    bench.heartbeat()
    return passed(f"HELLO({low}, {high}): selected 0 in version 1; version 1 still in force")


@check(CHECKS, "handshake.foreign-version-hello", "3", "HELLO in another version byte is answered")
def _foreign_hello(bench: Bench) -> Outcome:
    identity, byte = hello(bench, 1, 1, version=2)
    require(identity.selected_version == 1, f"selected {identity.selected_version}, not 1")
    require(byte == PROTOCOL_MAJOR, f"its IDENTITY came in version byte {byte}, not 1")
    bench.heartbeat()
    return passed("HELLO(1, 1) in version byte 2: IDENTITY selecting 1, in version 1 (V20)")


@check(CHECKS, "handshake.hello-length", "4.1", "HELLO of the wrong length: NAK BAD_LENGTH")
def _hello_length(bench: Bench) -> Outcome:
    for body, version in ((b"\x01", 1), (b"\x01\x01\x01", 1), (b"\x01", 2)):
        since = bench.mark()
        nak = bench.expect_nak(
            MsgType.HELLO,
            body,
            NakCode.BAD_LENGTH,
            0,
            f"HELLO of {len(body)} byte(s) in version byte {version}",
            version=version,
        )
        byte = next(a.version for a in bench.arrivals(since) if a.message is nak)
        require(byte == PROTOCOL_MAJOR, f"the NAK came in version byte {byte}, not 1 (in force)")
    return passed("1 and 3 bytes: NAK BAD_LENGTH field 0; also in version byte 2 (V21)")


@check(
    RUNNING_CHECKS, "handshake.hello-keeps-output", "4.1", "HELLO while RUNNING changes no output"
)
def _hello_keeps_output(bench: Bench) -> Outcome:
    bench.run_at(1, LOW_UA)
    identity, _ = hello(bench, 1, 1)
    require(identity.selected_version == 1, "HELLO(1, 1) while RUNNING did not select 1")
    after = bench.next_telemetry(bench.mark())
    channel = after.channels[0]
    low = LOW_UA - allowance_ua(LOW_UA)
    require(
        after.state is DeviceState.RUNNING and channel.setpoint_ua == LOW_UA,
        f"after the HELLO the device shows {describe(after)}",
    )
    require(channel.delivered_ua >= low, f"output fell to {channel.delivered_ua} uA after HELLO")
    return passed(f"after HELLO: RUNNING, channel 1 at {channel.delivered_ua} uA of {LOW_UA}")


@check(CHECKS, "identity.fields", "4.2", "IDENTITY's limits are inside the spec's")
def _identity_fields(bench: Bench) -> Outcome:
    i = bench.identity
    problems = []
    if i.telemetry_period_ms != TELEMETRY_PERIOD_MS:
        problems.append(f"telemetry_period_ms {i.telemetry_period_ms}, not 50")
    if not (
        hard_limits.MIN_WATCHDOG_MS
        <= i.watchdog_min_ms
        <= i.watchdog_default_ms
        <= i.watchdog_max_ms
        <= hard_limits.MAX_WATCHDOG_MS
    ):
        problems.append(
            f"watchdog {i.watchdog_min_ms}-{i.watchdog_max_ms} ms default "
            f"{i.watchdog_default_ms}: not min <= default <= max inside 100-1000"
        )
    if not 0 < i.slew_ua_per_s <= hard_limits.MAX_SLEW_UA_PER_S:
        problems.append(f"slew_ua_per_s {i.slew_ua_per_s}: not 1-20000")
    if not 1 <= len(i.channels) <= MAX_CHANNELS_ON_WIRE:
        problems.append(f"{len(i.channels)} channels: not 1-6")
    if int(i.flags) & ~int(IdentityFlag.SIMULATOR):
        problems.append(f"flags 0x{int(i.flags):02x}: bits other than SIMULATOR set")
    if i.device_min_version > i.device_max_version:
        problems.append(f"device versions {i.device_min_version}-{i.device_max_version}")
    for n, c in enumerate(i.channels, 1):
        problems.extend(f"channel {n}: {p}" for p in _channel_problems(c))
    require(not problems, "; ".join(problems))
    flag = ", SIMULATOR" if bench.simulator else ""
    return passed(
        f"{i.model} {i.serial_number}, protocol {i.selected_version}.{i.minor_version}, "
        f"{len(i.channels)} channel(s), watchdog {i.watchdog_min_ms}-{i.watchdog_max_ms} ms, "
        f"slew {i.slew_ua_per_s} uA/s{flag}"
    )


def _channel_problems(c: ChannelCapabilities) -> list[str]:
    out = []
    if not 0 < c.max_amplitude_ua <= hard_limits.MAX_AMPLITUDE_UA:
        out.append(f"max_amplitude_ua {c.max_amplitude_ua}: not 1-80000")
    if not 0 < c.rate_min_mhz <= c.rate_max_mhz:
        out.append(f"rate {c.rate_min_mhz}-{c.rate_max_mhz} mHz")
    if not 0 < c.width_min_us <= c.width_max_us:
        out.append(f"width {c.width_min_us}-{c.width_max_us} us")
    if not c.waveforms or c.waveforms & ~_WAVEFORM_BITS:
        out.append(f"waveforms 0b{c.waveforms:b}")
    if not c.patterns or c.patterns & ~_PATTERN_BITS:
        out.append(f"patterns 0b{c.patterns:b}")
    burst = c.patterns >> Pattern.BURST & 1
    ranges = (c.burst_rate_min_mhz, c.burst_rate_max_mhz, c.pulses_per_burst_min)
    if not burst and (any(ranges) or c.pulses_per_burst_max):
        out.append("burst ranges not 0 although burst is unsupported")
    if burst and not (
        0 < c.burst_rate_min_mhz <= c.burst_rate_max_mhz
        and 0 < c.pulses_per_burst_min <= c.pulses_per_burst_max
    ):
        out.append("burst ranges empty although burst is supported")
    return out
