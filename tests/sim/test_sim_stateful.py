"""Stateful property test of the simulated device's safety duties.

For any sequence of host frames (valid and invalid START/SET/STOP/HEARTBEAT/HELLO, corrupted
frames, garbage), time advances, lead changes, reboots and a low battery, an oracle that
only sees what the host sent and what the device answered checks that:

- delivered current never exceeds the accepted setpoint (the amplitude of the last ACKed
  SET since the channel was last started) nor the channel's max_amplitude_ua;
- it rises no faster than the slew rate;
- it is 0 whenever the watchdog has expired (until a new START), while a lead is off and
  after a lead-off until a START naming the channel;
- every intact request is answered exactly once, echoing its seq;
- a STOP in any version byte and with any payload stops output and is ACKed (spec 1.1);
- only requests in the negotiated version byte refresh the watchdog, HELLO included.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from simhost import Host, setpoint

from tenscontrol.protocol import (
    Ack,
    Boot,
    DeviceState,
    Heartbeat,
    Hello,
    Identity,
    Lead,
    Message,
    MsgType,
    Nak,
    NakCode,
    Start,
    Stop,
    Telemetry,
    encode_frame,
    encode_message,
)
from tenscontrol.sim.faults import LeadChange, SimOptions

SLEW = 20_000
MAX_UA = 80_000
US = 1_000_000

amplitudes = st.one_of(
    st.sampled_from([0, 1, 999, 20_000, 79_999, 80_000, 80_001, 2**32 - 1]),
    st.integers(0, 85_000),
)
lead_changes = st.lists(
    st.builds(
        LeadChange,
        channel=st.integers(1, 2),
        at_us=st.integers(0, 3 * US),
        off=st.booleans(),
    ),
    max_size=4,
)


class DeviceSafety(RuleBasedStateMachine):
    """Random host behaviour against one simulated device, checked by an oracle."""

    def __init__(self) -> None:
        super().__init__()
        self.host = Host()

    @initialize(
        leads=lead_changes,
        reboot=st.one_of(st.none(), st.integers(0, 3 * US)),
        low_battery=st.one_of(st.none(), st.none(), st.none(), st.integers(0, 3 * US)),
    )
    def power_on(
        self, leads: list[LeadChange], reboot: int | None, low_battery: int | None
    ) -> None:
        self.host = Host(
            SimOptions(
                lead_changes=tuple(leads), reboot_at_us=reboot, low_battery_at_us=low_battery
            )
        )
        self.leads = sorted(leads, key=lambda c: c.at_us)
        self.reboot = reboot
        self.low_battery = low_battery
        self.now_us = 0
        self.accepted = {1: 0, 2: 0}
        self.armed = False
        self.watchdog_us = 0
        self.refreshed_us = 0
        self.host_lost = False
        self.lead_latched = {c: self.lead_off_now(c) for c in (1, 2)}
        self.previous = {1: (0, 0), 2: (0, 0)}
        self.host.collect()

    # --- oracle helpers ----------------------------------------------------------------
    def lead_off_now(self, channel: int) -> bool:
        state = False
        for change in self.leads:
            if change.channel == channel and change.at_us <= self.now_us:
                state = change.off
        return state

    def device_reset(self) -> None:
        self.accepted = {1: 0, 2: 0}
        self.armed = False

    def exchange(self, message: Message, version: int = 1) -> Message:
        response = self.host.send(message, version)
        if version == 1:  # the negotiated one; a HELLO in another byte does not refresh
            self.refreshed_us = self.now_us
        return response

    # --- rules -------------------------------------------------------------------------
    @rule(
        mask=st.one_of(st.sampled_from([1, 2, 3]), st.integers(0, 7)),
        watchdog=st.one_of(
            st.sampled_from([0, 300, 500, 1000]),
            st.sampled_from([50, 99, 100, 1000, 1001, 60_000]),
        ),
    )
    def start(self, mask: int, watchdog: int) -> None:
        response = self.exchange(Start(mask, watchdog))
        if isinstance(response, Ack):
            assert isinstance(response.applied, Start)
            assert mask in (1, 2, 3)
            assert watchdog == 0 or 100 <= watchdog <= 1000
            for channel in (1, 2):
                if mask >> (channel - 1) & 1:
                    assert not self.lead_off_now(channel), "START accepted with lead off"
                    self.accepted[channel] = 0
                    self.lead_latched[channel] = False
            self.armed = True
            self.host_lost = False
            self.watchdog_us = response.applied.watchdog_ms * 1000
            assert self.watchdog_us == (watchdog or 1000) * 1000
        else:
            assert isinstance(response, Nak)

    @rule(
        channel=st.sampled_from([1, 1, 2, 2, 0, 3]),
        amplitude=amplitudes,
        rate=st.sampled_from([80_000, 80_000, 1_000, 150_000, 999, 150_001]),
        width=st.sampled_from([180, 180, 50, 300, 49, 301]),
        waveform=st.sampled_from([0, 0, 1, 2]),
        burst=st.booleans(),
    )
    def set_output(
        self, channel: int, amplitude: int, rate: int, width: int, waveform: int, burst: bool
    ) -> None:
        fields = {"pattern": 1, "burst_mhz": 2_000, "pulses": 5} if burst else {}
        sent = setpoint(channel, amplitude, rate, width, waveform, **fields)
        response = self.exchange(sent)
        if isinstance(response, Ack):
            assert response.applied == sent
            assert amplitude <= MAX_UA
            self.accepted[channel] = amplitude
        else:
            assert isinstance(response, Nak)

    @rule(channel=st.integers(1, 2), amplitude=amplitudes)
    def start_and_set(self, channel: int, amplitude: int) -> None:
        self.start(0b11, 500)
        self.set_output(channel, amplitude, 80_000, 180, 0, False)

    @rule()
    def stop(self) -> None:
        response = self.exchange(Stop())
        assert isinstance(response, Ack)
        assert all(self.host.delivered(c) == 0 for c in (1, 2))
        self.accepted = {1: 0, 2: 0}
        self.armed = False

    @rule(version=st.sampled_from([1, 1, 2, 0, 255]), payload=st.binary(max_size=12))
    def stop_in_any_frame(self, version: int, payload: bytes) -> None:
        # Spec 1.1: type 0x03 stops whatever its version byte and payload length.
        messages = self.host.send_raw(encode_frame(version, MsgType.STOP, 61_000, payload))
        assert [m for m in messages if isinstance(m, Ack | Nak)] == [Ack(MsgType.STOP)]
        assert all(self.host.delivered(c) == 0 for c in (1, 2))
        self.accepted = {1: 0, 2: 0}
        self.armed = False

    @rule()
    def heartbeat(self) -> None:
        assert isinstance(self.exchange(Heartbeat()), Ack)

    @rule(step_us=st.integers(0, 250_000))
    def heartbeat_then_wait(self, step_us: int) -> None:
        self.heartbeat()
        self.advance(step_us)

    @rule(version=st.sampled_from([1, 1, 2, 0]))
    def hello(self, version: int) -> None:
        assert isinstance(self.exchange(Hello(1, 1), version), Identity)

    @rule()
    def wrong_version(self) -> None:
        response = self.exchange(Heartbeat(), version=2)
        assert isinstance(response, Nak)
        assert response.code is NakCode.UNSUPPORTED_VERSION

    @rule(
        version=st.sampled_from([1, 2]),
        before_us=st.integers(0, 500_000),
        after_us=st.integers(0, 500_000),
    )
    def hello_between_waits(self, version: int, before_us: int, after_us: int) -> None:
        # a HELLO in version 2 mid-watchdog must not keep the device going (spec 1.1)
        self.advance(before_us)
        self.hello(version)
        self.advance(after_us)

    @rule(data=st.binary(max_size=40))
    def garbage(self, data: bytes) -> None:
        for message in self.host.send_raw(data + b"\x00"):
            assert isinstance(message, Telemetry | Nak | Ack | Identity | Boot)

    @rule(amplitude=amplitudes, position=st.integers(0, 30), flip=st.integers(1, 255))
    def corrupted_set(self, amplitude: int, position: int, flip: int) -> None:
        frame = bytearray(encode_message(setpoint(1, amplitude), 60_000))
        index = position % (len(frame) - 1)
        frame[index] ^= flip
        for message in self.host.send_raw(bytes(frame)):
            assert not isinstance(message, Ack), "a corrupted SET was applied"

    @rule(step_us=st.one_of(st.integers(0, 60_000), st.integers(0, 600_000)))
    def advance(self, step_us: int) -> None:
        before = self.now_us
        self.now_us += step_us
        self.host.clock.sleep_until(self.now_us / US)
        self.host.model.advance(self.host.clock.monotonic())
        self.host.collect()
        for change in self.leads:
            if change.off and before < change.at_us <= self.now_us:
                self.lead_latched[change.channel] = True
        for at in (self.reboot, self.low_battery):
            if at is not None and before < at <= self.now_us:
                self.device_reset()

    # --- invariants ----------------------------------------------------------------------
    @invariant()
    def safety(self) -> None:
        model = self.host.model
        expired = self.armed and self.now_us - self.refreshed_us >= self.watchdog_us
        if expired:
            self.host_lost = True
            self.armed = False
            self.accepted = {1: 0, 2: 0}
        for channel in (1, 2):
            delivered = model.channel(channel).delivered_ua
            assert delivered <= self.accepted[channel]
            assert delivered <= MAX_UA
            if self.host_lost or self.lead_latched[channel] or self.lead_off_now(channel):
                assert delivered == 0
            if self.lead_off_now(channel):
                assert model.channel(channel).lead is Lead.OFF
            then_us, then_ua = self.previous[channel]
            rise = delivered - then_ua
            assert rise * US <= SLEW * (self.now_us - then_us) + US
            self.previous[channel] = (self.now_us, delivered)
        if self.host_lost:
            assert model.state is DeviceState.IDLE

    @invariant()
    def seq_echoed(self) -> None:
        for _, seq, message in self.host.received[-3:]:
            if isinstance(message, Ack) and message.request_type is MsgType.SET:
                assert seq != 60_000, "a corrupted SET was acknowledged"


DeviceSafety.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDeviceSafety = DeviceSafety.TestCase
