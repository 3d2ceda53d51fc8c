"""The bench the checks run on: the reference host on the device's port, what the device
said it is, the suite's current ceiling, and the few ways a check talks to the device.

Everything goes frame by frame through the reference host (:mod:`.host`) and the real
codec. Waiting is always reading the port (a read returns when bytes come, or after the
port's timeout), so on a virtual clock a wait costs no real time, and on the real clock a
frame's arrival is stamped when it came. While the watchdog is armed a wait with
``keepalive`` sends a HEARTBEAT every 100 ms (or half the watchdog, if shorter), as a host
must (section 9.2); a check that wants the device to hear nothing waits without it.

Times are milliseconds of the host's clock (floats) unless named ``uptime``: the device's
own milliseconds since reset, from TELEMETRY.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cobs import cobs

from tenscontrol import hard_limits
from tenscontrol.conformance.host import Arrival, SpecHost
from tenscontrol.conformance.limits import (
    CONFORMANCE_MAX_UA,
    HEARTBEAT_MS,
    QUIET_MS,
    SIMULATOR_MAX_UA,
    STOP_ATTEMPTS,
    STOP_CONFIRM_WAIT_MS,
    TELEMETRY_WAIT_MS,
)
from tenscontrol.conformance.results import CheckFailed, Skipped
from tenscontrol.conformance.setpoints import Fields, as_setpoint, payload, valid_fields
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    DeviceState,
    Identity,
    IdentityFlag,
    Message,
    MsgType,
    Nak,
    NakCode,
    Start,
    Telemetry,
    encode_payload,
    message_type,
)
from tenscontrol.protocol.framing import crc32

_MS_PER_S = 1_000


def allowance_ua(setpoint_ua: int) -> int:
    """Over-delivery allowance of a setpoint (section 7), uA."""
    return hard_limits.over_delivery_margin_ua(setpoint_ua)


def idle_and_zero(sample: Telemetry) -> bool:
    """IDLE with every channel's setpoint and delivered current 0 (section 9.8)."""
    return sample.state is DeviceState.IDLE and all(
        c.setpoint_ua == 0 and c.delivered_ua == 0 for c in sample.channels
    )


def describe(sample: Telemetry) -> str:
    """One TELEMETRY frame in a few words, for a detail."""
    channels = ", ".join(
        f"ch{n} {c.setpoint_ua}/{c.delivered_ua} uA" for n, c in enumerate(sample.channels, 1)
    )
    faults = sample.faults.name if sample.faults else "no fault"
    return f"{sample.state.name} ({faults}; setpoint/delivered {channels})"


def answer_text(answer: Message | None) -> str:
    """A device's answer in a few words."""
    if answer is None:
        return "no answer"
    if isinstance(answer, Nak):
        return f"NAK {answer.code.name} field {answer.field}"
    if isinstance(answer, Ack):
        return f"ACK({answer.request_type.name})"
    return type(answer).__name__


@dataclass(frozen=True, slots=True)
class StopOutcome:
    """A STOP and its confirmation (section 9.8): ``ms`` from the ACK to the frame."""

    confirmed: bool
    detail: str
    attempts: int
    frame: Telemetry | None = None
    ms: float = 0.0


class Bench:
    """The device on the reference host, as the checks use it.

    ``identity`` is the IDENTITY of the suite's handshake, ``first_version`` the version
    byte it came in; ``port_name`` the port as given (``sim://``, a path, ``socket://``).
    """

    def __init__(
        self, host: SpecHost, identity: Identity, *, first_version: int, port_name: str
    ) -> None:
        self.host = host
        self.identity = identity
        self.first_version = first_version
        self.port_name = port_name
        self.simulator = IdentityFlag.SIMULATOR in identity.flags
        self.channels = len(identity.channels)
        self.all_mask = (1 << self.channels) - 1
        #: The highest current the suite drives outputs to on this device, uA.
        self.drive_ua = SIMULATOR_MAX_UA if self.simulator else CONFORMANCE_MAX_UA
        #: The watchdog in force (ms) since the last START's ACK; None while disarmed.
        self.watchdog_ms: int | None = None
        #: Host time (ms) the last request in the negotiated version byte was written:
        #: the last frame that refreshed the device's watchdog, if it conforms.
        self.last_sent_ms = self.now_ms()

    # --- time and arrivals ---------------------------------------------------------------
    def now_ms(self) -> float:
        """The host's clock, ms."""
        return self.host.now() * _MS_PER_S

    def mark(self) -> int:
        """The index the next arrival will have (to look at what came after now)."""
        return len(self.host.exchange.arrivals)

    def arrivals(self, since: int = 0) -> list[Arrival]:
        """Every device message from index ``since`` on."""
        return self.host.exchange.arrivals[since:]

    def telemetry(self, since: int = 0) -> list[tuple[Arrival, Telemetry]]:
        """The TELEMETRY frames from index ``since`` on, with their arrivals."""
        return [(a, a.message) for a in self.arrivals(since) if isinstance(a.message, Telemetry)]

    def latest(self) -> Telemetry:
        """The latest TELEMETRY frame, waiting for one if none came yet."""
        frames = self.telemetry()
        if frames:
            return frames[-1][1]
        return self.next_telemetry(self.mark())

    # --- waiting -------------------------------------------------------------------------
    def wait(self, ms: float, *, keepalive: bool = True) -> None:
        """Read the port for ``ms``; with ``keepalive``, heartbeats as section 9.2 asks."""
        self.until(lambda arrival: False, ms, keepalive=keepalive)

    def until(
        self,
        look: Callable[[Arrival], bool],
        within_ms: float,
        *,
        keepalive: bool = True,
        since: int | None = None,
    ) -> Arrival | None:
        """The first arrival (from index ``since`` on, default: from now) that ``look``
        accepts, reading for at most ``within_ms``; None if none came."""
        start = self.mark() if since is None else since
        seen = start
        end = self.now_ms() + within_ms
        while True:
            arrivals = self.arrivals(seen)
            seen += len(arrivals)
            for arrival in arrivals:
                if look(arrival):
                    return arrival
            now = self.now_ms()
            if now >= end:
                return None
            if keepalive and self._heartbeat_due(now):
                self.heartbeat()
            else:
                self.host.poll()

    def next_telemetry(
        self, since: int, within_ms: float = TELEMETRY_WAIT_MS, *, keepalive: bool = True
    ) -> Telemetry:
        """The first TELEMETRY from index ``since`` on. Fails the check if none comes."""
        arrival = self.until(
            lambda a: isinstance(a.message, Telemetry), within_ms, keepalive=keepalive, since=since
        )
        if arrival is None or not isinstance(arrival.message, Telemetry):
            raise CheckFailed(f"no TELEMETRY within {within_ms:.0f} ms")
        return arrival.message

    def _heartbeat_due(self, now: float) -> bool:
        if self.watchdog_ms is None:
            return False
        interval = min(HEARTBEAT_MS, self.watchdog_ms // 2)
        return now - self.last_sent_ms >= interval

    # --- requests ------------------------------------------------------------------------
    def ask(self, message: Message, *, version: int = PROTOCOL_MAJOR) -> Message | None:
        """Send ``message`` in ``version``; its answer, or None."""
        return self.ask_raw(message_type(message), encode_payload(message), version=version)

    def ask_raw(
        self, msg_type: int, body: bytes, *, version: int = PROTOCOL_MAJOR
    ) -> Message | None:
        """Send a frame of any type byte and payload; its answer, or None."""
        if version == PROTOCOL_MAJOR:
            self.last_sent_ms = self.now_ms()
        answer = self.host.request_raw(msg_type, body, version=version)
        if isinstance(answer, Ack):
            if isinstance(answer.applied, Start):
                self.watchdog_ms = answer.applied.watchdog_ms
            elif answer.request_type is MsgType.STOP:
                self.watchdog_ms = None
        return answer

    def ack(self, message: Message, what: str, *, version: int = PROTOCOL_MAJOR) -> Ack:
        """Send ``message``; its ACK. Fails the check on anything else."""
        answer = self.ask(message, version=version)
        if not isinstance(answer, Ack):
            raise CheckFailed(f"{what}: expected ACK, got {answer_text(answer)}")
        return answer

    def expect_nak(
        self,
        msg_type: int,
        body: bytes,
        code: NakCode,
        field: int,
        what: str,
        *,
        version: int = PROTOCOL_MAJOR,
    ) -> Nak:
        """Send a frame that must be refused with NAK ``code`` naming ``field``; the NAK.
        Fails the check naming ``what`` on any other answer."""
        answer = self.ask_raw(msg_type, body, version=version)
        if (
            not isinstance(answer, Nak)
            or answer.code is not code
            or answer.field != field
            or int(answer.request_type) != msg_type
        ):
            got = answer_text(answer)
            if isinstance(answer, Nak) and int(answer.request_type) != msg_type:
                got += f" for type 0x{int(answer.request_type):02x}"
            raise CheckFailed(f"{what}: expected NAK {code.name} field {field}, got {got}")
        return answer

    def heartbeat(self) -> None:
        """One HEARTBEAT, which must be ACKed."""
        self.ack_raw(MsgType.HEARTBEAT, b"", "HEARTBEAT")

    def ack_raw(self, msg_type: int, body: bytes, what: str) -> Ack:
        """Send a raw frame in version 1; its ACK. Fails the check on anything else."""
        answer = self.ask_raw(msg_type, body)
        if not isinstance(answer, Ack):
            raise CheckFailed(f"{what}: expected ACK, got {answer_text(answer)}")
        return answer

    def heartbeat_frame(self, *, bad_crc: bool = False) -> bytes:
        """A HEARTBEAT frame in version 1 that expects no answer (its seq is used up but not
        awaited), optionally with one CRC bit flipped (vector V15): to be dropped."""
        seq, wire = self.host.exchange.request_raw(MsgType.HEARTBEAT, b"")
        self.host.exchange.forget(seq)
        if not bad_crc:
            return wire
        raw = bytes([PROTOCOL_MAJOR, MsgType.HEARTBEAT]) + seq.to_bytes(2, "little")
        stuffed: bytes = cobs.encode(raw + (crc32(raw) ^ 0x01).to_bytes(4, "little"))
        return stuffed + b"\x00"

    def unanswered(self, data: bytes) -> list[Arrival]:
        """Write bytes that must not be answered (a frame to drop); the answers that came
        anyway within :data:`QUIET_MS` (an empty list when the device conforms)."""
        since = self.mark()
        self.host.write_bytes(data)
        self.wait(QUIET_MS, keepalive=False)
        return [a for a in self.arrivals(since) if not isinstance(a.message, Telemetry)]

    # --- output --------------------------------------------------------------------------
    def fields(self, channel: int, amplitude_ua: int) -> Fields:
        """A valid SET of ``channel`` at ``amplitude_ua`` (under the suite's ceiling)."""
        caps = self.identity.channels[channel - 1]
        if amplitude_ua > caps.max_amplitude_ua:
            raise Skipped(f"channel {channel} goes up to {caps.max_amplitude_ua} uA only")
        return valid_fields(caps, channel, amplitude_ua)

    def start(self, mask: int, watchdog_ms: int = 500) -> Ack:
        """START ``mask`` with ``watchdog_ms``; its ACK (fails the check otherwise)."""
        return self.ack(Start(mask, watchdog_ms), f"START(mask {mask:#x}, {watchdog_ms} ms)")

    def set(self, channel: int, amplitude_ua: int) -> Ack:
        """A valid SET of ``channel`` at ``amplitude_ua``; its ACK."""
        fields = self.fields(channel, amplitude_ua)
        return self.ack(as_setpoint(fields), f"SET channel {channel} {amplitude_ua} uA")

    def set_fields(self, fields: Fields) -> Message | None:
        """A SET of these raw fields; its answer."""
        return self.ask_raw(MsgType.SET, payload(fields))

    def run_at(self, channel: int, amplitude_ua: int, watchdog_ms: int = 500) -> Telemetry:
        """START ``channel`` and raise it to ``amplitude_ua``; the first TELEMETRY that
        shows it there (within the allowance). Fails the check if it never gets there."""
        self.start(1 << (channel - 1), watchdog_ms)
        self.set(channel, amplitude_ua)
        return self.reach(channel, amplitude_ua)

    def reach(self, channel: int, amplitude_ua: int) -> Telemetry:
        """Wait (with heartbeats) until TELEMETRY shows ``channel`` delivering
        ``amplitude_ua`` within the allowance; that frame."""
        slew = max(self.identity.slew_ua_per_s, 1)
        within = amplitude_ua * _MS_PER_S / slew + 3 * TELEMETRY_WAIT_MS
        low = amplitude_ua - allowance_ua(amplitude_ua)

        def there(arrival: Arrival) -> bool:
            sample = arrival.message
            return (
                isinstance(sample, Telemetry) and sample.channels[channel - 1].delivered_ua >= low
            )

        found = self.until(there, within)
        if found is None or not isinstance(found.message, Telemetry):
            last = self.telemetry()
            shown = describe(last[-1][1]) if last else "no TELEMETRY"
            raise CheckFailed(
                f"channel {channel} never delivered {amplitude_ua} uA within {within:.0f} ms "
                f"(last frame: {shown})"
            )
        return found.message

    # --- stopping ------------------------------------------------------------------------
    def stop(self, *, version: int = PROTOCOL_MAJOR, body: bytes = b"") -> StopOutcome:
        """STOP confirmed as section 9.8 says: its ACK, then the first TELEMETRY after the
        ACK shows IDLE and 0 everywhere (waited for 500 ms); up to 3 STOPs."""
        problem = "no STOP was sent"
        for attempt in range(1, STOP_ATTEMPTS + 1):
            answer = self.ask_raw(MsgType.STOP, body, version=version)
            if not isinstance(answer, Ack) or answer.request_type is not MsgType.STOP:
                problem = f"STOP answered with {answer_text(answer)}"
                continue
            acked_at, since = self.now_ms(), self.mark()
            arrival = self.until(
                lambda a: isinstance(a.message, Telemetry),
                STOP_CONFIRM_WAIT_MS,
                keepalive=False,
                since=since,
            )
            if arrival is None or not isinstance(arrival.message, Telemetry):
                problem = f"no TELEMETRY within {STOP_CONFIRM_WAIT_MS} ms of the STOP's ACK"
                continue
            sample = arrival.message
            ms = arrival.at * _MS_PER_S - acked_at
            if idle_and_zero(sample):
                detail = f"the first TELEMETRY after the ACK ({ms:.0f} ms) shows IDLE and 0"
                return StopOutcome(True, detail, attempt, sample, ms)
            problem = f"ACKed, but the first TELEMETRY after the ACK shows {describe(sample)}"
        return StopOutcome(False, problem, STOP_ATTEMPTS)
