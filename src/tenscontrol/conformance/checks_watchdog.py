"""Checks of the watchdog: expiry at several timeouts, which frames refresh it and which
must not, STOP disarming it, and HOST_LOST latched until a START (sections 4.1, 4.4, 7).

These need real waiting, so each trial is as short as the duty allows: a refresh trial
arms a short watchdog, sends one frame half-way through it and then nothing, and sees when
HOST_LOST comes: a full timeout after that frame (refreshed) or after the START (not).
Times are taken on the host's clock from the moment the frame was written to the moment
the TELEMETRY showing HOST_LOST was read, so they include the port's latency; the
tolerance is :data:`~tenscontrol.conformance.limits.WATCHDOG_LATE_MS`.
"""

from __future__ import annotations

from collections.abc import Callable

from tenscontrol.conformance.bench import Bench, answer_text, describe
from tenscontrol.conformance.host import Arrival
from tenscontrol.conformance.limits import LOW_UA, WATCHDOG_EARLY_MS, WATCHDOG_LATE_MS
from tenscontrol.conformance.results import (
    Check,
    CheckFailed,
    Outcome,
    Skipped,
    check,
    passed,
    require,
)
from tenscontrol.conformance.setpoints import payload
from tenscontrol.protocol import DeviceState, Fault, Hello, MsgType, Nak, NakCode, Telemetry
from tenscontrol.protocol.constants import TELEMETRY_PERIOD_MS

CHECKS: list[Check] = []
#: The watchdog the refresh trials arm, ms (within the device's range, see _trial_ms).
_TRIAL_MS = 200
#: How long after the expected expiry the suite still waits for HOST_LOST, ms.
_EXPIRY_WAIT_MS = 400
#: Section 7: output 0 within 10 ms of the expiry (and the event frame with it).
_EVENT_MS = 10

#: A frame a trial sends half-way through the watchdog: (what, send it).
Trial = tuple[str, Callable[[Bench], object]]


def _host_lost(arrival: Arrival) -> bool:
    sample = arrival.message
    return isinstance(sample, Telemetry) and bool(sample.faults & Fault.HOST_LOST)


def _expired(bench: Bench, within_ms: float) -> tuple[float, Telemetry]:
    """Wait, sending nothing, for a TELEMETRY showing HOST_LOST; its host time (ms) and it.
    Fails the check if none comes within ``within_ms``."""
    arrival = bench.until(_host_lost, within_ms, keepalive=False)
    if arrival is None or not isinstance(arrival.message, Telemetry):
        raise CheckFailed(f"no HOST_LOST within {within_ms:.0f} ms of silence")
    bench.watchdog_ms = None  # the device is IDLE now: nothing to keep alive
    return arrival.at * 1_000, arrival.message


def _zeroed(sample: Telemetry, what: str) -> None:
    require(
        sample.state is DeviceState.IDLE
        and all(c.setpoint_ua == 0 and c.delivered_ua == 0 for c in sample.channels),
        f"{what}: HOST_LOST latched but the device shows {describe(sample)}",
    )


def _uptimes_around(bench: Bench, answer: object) -> tuple[int, int] | None:
    """Uptimes (ms) of the TELEMETRY frames just before and just after ``answer`` arrived.
    The device answered at the instant it took the request, and the link keeps order, so
    that instant lies between the two: a bound on the device's own clock that no delay of
    this host's can move."""
    arrivals = bench.arrivals()
    place = next((a.place for a in arrivals if a.message is answer), None)
    if place is None:
        return None
    before = [a.message for a in arrivals[:place] if isinstance(a.message, Telemetry)]
    after = [a.message for a in arrivals[place:] if isinstance(a.message, Telemetry)]
    if not before or not after:
        return None
    return before[-1].uptime_ms, after[0].uptime_ms


def _expiry(bench: Bench, watchdog_ms: int) -> Outcome:
    i = bench.identity
    if not i.watchdog_min_ms <= watchdog_ms <= i.watchdog_max_ms:
        raise Skipped(f"the device's watchdog range is {i.watchdog_min_ms}-{i.watchdog_max_ms} ms")
    bench.start(0b01, watchdog_ms)
    since = bench.mark()
    ack = bench.set(1, LOW_UA)
    refreshed = bench.last_sent_ms  # the SET was the last frame: the timeout counts from it
    seen_ms, sample = _expired(bench, watchdog_ms + _EXPIRY_WAIT_MS)
    after = seen_ms - refreshed
    _zeroed(sample, f"watchdog {watchdog_ms} ms")
    earliest, latest = watchdog_ms - WATCHDOG_EARLY_MS, watchdog_ms + WATCHDOG_LATE_MS
    measured = f"HOST_LOST {after:.0f} ms after the last frame (allowed {earliest}-{latest})"
    # early is the device's: the expiry cannot come before the frame was even written
    require(after >= earliest, f"{measured}: expired early")
    if after > latest:  # late as read here: the device's uptime tells whose lateness it is
        window = _uptimes_around(bench, ack)
        bound = None if window is None else window[1] + watchdog_ms + _EVENT_MS + 1
        require(
            bound is not None and sample.uptime_ms <= bound,
            f"{measured}: late, also on the device's uptime ({sample.uptime_ms} ms, the SET "
            f"arrived by uptime {window[1] if window else '?'} ms)",
        )
        measured += f"; read late here, on time by the device's uptime ({sample.uptime_ms} ms)"
    peak = max((t.channels[0].delivered_ua for _, t in bench.telemetry(since)), default=0)
    if watchdog_ms >= 500:  # the ramp had time to show: the watchdog zeroed a live output
        require(peak > 0, "the output never rose before the watchdog expired")
    return passed(f"{measured}; output {peak} uA -> 0, IDLE")


def _expiry_check(watchdog_ms: int) -> None:
    """Declare the expiry check of one watchdog timeout."""

    def run(bench: Bench) -> Outcome:
        return _expiry(bench, watchdog_ms)

    title = f"A {watchdog_ms} ms watchdog expires on time"
    check(CHECKS, f"watchdog.expiry.{watchdog_ms}ms", "7", title)(run)


for _ms in (100, 500, 1000):
    _expiry_check(_ms)


def _trial_ms(bench: Bench) -> int:
    i = bench.identity
    return min(max(_TRIAL_MS, i.watchdog_min_ms), i.watchdog_max_ms)


def _arrived_at(bench: Bench, since: int, answer: object) -> float:
    """Estimated uptime (ms) at which the device took the frame written at arrival place
    ``since`` and answered with ``answer`` (None: nothing answers it): between the
    TELEMETRY frames read just before and just after the answer (the link keeps order),
    or half a period after the last frame before the write when nothing answered."""
    arrivals = bench.arrivals()
    place = next((a.place for a in arrivals[since:] if a.message is answer), None)
    cut = since if place is None else place
    before = [a.message for a in arrivals[:cut] if isinstance(a.message, Telemetry)]
    after = [a.message for a in arrivals[cut:] if isinstance(a.message, Telemetry)]
    if not before:
        raise CheckFailed("no TELEMETRY before the frame: its arrival cannot be placed")
    if place is None or not after:
        return before[-1].uptime_ms + TELEMETRY_PERIOD_MS / 2
    return (before[-1].uptime_ms + after[0].uptime_ms) / 2


def _refreshes(bench: Bench, trial: Trial) -> tuple[bool, str]:
    """Arm the trial watchdog, send the trial's frame half-way through it, then nothing:
    whether the frame refreshed the watchdog, and what was measured.

    Judged on the device's uptime, so no delay of this host's can change the verdict: the
    expiry comes a full timeout after the frame (refreshed) or after START (not), half a
    timeout apart, and the nearer one is the answer. Whether it came on time is the expiry
    checks' business."""
    what, send = trial
    watchdog = _trial_ms(bench)
    since = bench.mark()
    started = bench.start(0b01, watchdog)
    start_at = _arrived_at(bench, since, started)
    bench.wait(watchdog / 2, keepalive=False)
    since = bench.mark()
    frame_at = _arrived_at(bench, since, send(bench))
    _, sample = _expired(bench, watchdog + _EXPIRY_WAIT_MS)
    _zeroed(sample, what)
    expired = sample.uptime_ms - watchdog
    refreshed = abs(expired - frame_at) < abs(expired - start_at)
    measured = (
        f"{what}: START at uptime ~{start_at:.0f} ms, the frame ~{frame_at:.0f}, HOST_LOST "
        f"{sample.uptime_ms}: a {watchdog} ms timeout after {'it' if refreshed else 'START'}"
    )
    return refreshed, measured


def _expect_answer(kind: int, body: bytes, version: int = 1) -> Callable[[Bench], object]:
    """Send a frame and insist on some answer (any ACK or NAK)."""

    def send(bench: Bench) -> object:
        answer = bench.ask_raw(kind, body, version=version)
        if answer is None:
            raise CheckFailed(f"type 0x{kind:02x} in version {version}: {answer_text(answer)}")
        return answer

    return send


def _bad_set(bench: Bench) -> object:
    """A SET refused for its rate (the NAK's field is another check's business)."""
    fields = bench.fields(1, LOW_UA)
    fields[2] = bench.identity.channels[0].rate_max_mhz + 1
    answer = bench.set_fields(fields)
    if not isinstance(answer, Nak):
        raise CheckFailed(f"SET with rate {fields[2]} mHz: {answer_text(answer)}, not a NAK")
    return answer


def _dropped_heartbeat(bench: Bench) -> object:
    bench.host.write_bytes(bench.heartbeat_frame(bad_crc=True))
    return None


def _hello(version: int) -> Callable[[Bench], object]:
    return lambda bench: bench.ask(Hello(1, 1), version=version)


_REFRESHING: tuple[Trial, ...] = (
    ("HEARTBEAT", _expect_answer(MsgType.HEARTBEAT, b"")),
    ("SET", lambda bench: bench.set(1, LOW_UA)),
    ("HELLO in version 1", _hello(1)),
    ("SET refused with NAK OUT_OF_RANGE", _bad_set),
    ("HEARTBEAT refused with NAK BAD_LENGTH", _expect_answer(MsgType.HEARTBEAT, b"\x01")),
)
_NOT_REFRESHING: tuple[Trial, ...] = (
    ("HEARTBEAT in version byte 2", _expect_answer(MsgType.HEARTBEAT, b"", 2)),
    ("unknown type 0x06", _expect_answer(0x06, b"")),
    ("HEARTBEAT with a bad CRC", _dropped_heartbeat),
)


@check(CHECKS, "watchdog.refresh", "7", "Every request in the negotiated version refreshes it")
def _refresh(bench: Bench) -> Outcome:
    measured = []
    for trial in _REFRESHING:
        refreshed, detail = _refreshes(bench, trial)
        require(refreshed, f"{detail}: it must refresh the watchdog")
        measured.append(detail)
    return passed("; ".join(measured))


@check(CHECKS, "watchdog.foreign-hello", "7", "A HELLO in another version byte does not refresh")
def _foreign_hello(bench: Bench) -> Outcome:
    refreshed, detail = _refreshes(bench, ("HELLO in version byte 2", _hello(2)))
    require(not refreshed, f"{detail}: it refreshed the watchdog (section 4.1, 1.1 D4)")
    return passed(detail)


@check(CHECKS, "watchdog.no-refresh", "7", "Foreign, unknown and broken frames do not refresh")
def _no_refresh(bench: Bench) -> Outcome:
    measured = []
    for trial in _NOT_REFRESHING:
        refreshed, detail = _refreshes(bench, trial)
        require(not refreshed, f"{detail}: it refreshed the watchdog")
        measured.append(detail)
    return passed("; ".join(measured))


@check(CHECKS, "watchdog.stop-disarms", "7", "STOP disarms the watchdog")
def _stop_disarms(bench: Bench) -> Outcome:
    watchdog = bench.identity.watchdog_min_ms
    bench.start(0b01, watchdog)
    outcome = bench.stop()
    require(outcome.confirmed, outcome.detail)
    since = bench.mark()
    bench.wait(2 * watchdog + 100, keepalive=False)
    lost = [t for _, t in bench.telemetry(since) if t.faults & Fault.HOST_LOST]
    require(not lost, f"HOST_LOST latched {2 * watchdog + 100} ms after a STOP")
    return passed(f"no HOST_LOST in {2 * watchdog + 100} ms of silence after STOP")


@check(CHECKS, "fault.host-lost", "7", "HOST_LOST stays latched until a START clears it")
def _host_lost_latched(bench: Bench) -> Outcome:
    watchdog = bench.identity.watchdog_min_ms
    bench.start(0b01, watchdog)
    _expired(bench, watchdog + _EXPIRY_WAIT_MS)
    bench.heartbeat()
    stopped = bench.ask_raw(MsgType.STOP, b"")
    require(stopped is not None, "STOP after the expiry: no answer")
    bench.ask(Hello(1, 1))
    bench.wait(200, keepalive=False)
    later = bench.latest()
    require(bool(later.faults & Fault.HOST_LOST), f"after STOP and HELLO: {describe(later)}")
    body = payload(bench.fields(1, LOW_UA))
    bench.expect_nak(MsgType.SET, body, NakCode.BAD_STATE, 0, "SET after the expiry")
    bench.start(0b01, 500)
    cleared = bench.next_telemetry(bench.mark())
    require(
        not cleared.faults & Fault.HOST_LOST and cleared.state is DeviceState.RUNNING,
        f"after a new START: {describe(cleared)}",
    )
    return passed("latched through HEARTBEAT, STOP and HELLO; SET NAK BAD_STATE; START cleared it")
