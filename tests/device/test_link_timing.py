"""LinkCore's timing on a fake port and a virtual clock: a heartbeat goes out when it is
due, not when a read that began earlier returns; the writer thread's wait ends at once on
a request; and a watchdog trip says whether this host went quiet (HostStarved) or not."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from tenscontrol.clock import VirtualClock
from tenscontrol.device.link import LinkCore
from tenscontrol.device.link_health import NOISE_MAX_DROPPED
from tenscontrol.device.state import NOISE_WINDOW_FRAMES
from tenscontrol.errors import HostStarved, LinkTooNoisy, WatchdogTripped
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    DeviceState,
    Fault,
    FrameDecoder,
    Heartbeat,
    MsgType,
    Start,
    Telemetry,
    decode_message,
    encode_frame,
    encode_message,
    message_type,
)

PERIOD_S = 0.1
READ_TIMEOUT_S = 0.05


class FakePort:
    """A port whose reads wait out their whole timeout on the virtual clock when nothing
    is there; each request written is ACKed at once (START with its own values); records
    each read's timeout and every write."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.timeout: float | None = READ_TIMEOUT_S
        self.read_timeouts: list[float | None] = []
        self.writes: list[tuple[float, bytes]] = []
        self._rx = b""

    @property
    def in_waiting(self) -> int:
        return len(self._rx)

    def arrive(self, data: bytes) -> None:
        self._rx += data

    def read(self, size: int = 1) -> bytes:
        if not self._rx:
            self.read_timeouts.append(self.timeout)
            if self.timeout:
                self.clock.sleep_until(self.clock.monotonic() + self.timeout)
            return b""
        data, self._rx = self._rx[:size], self._rx[size:]
        return data

    def write(self, data: bytes, /) -> int:
        self.writes.append((self.clock.monotonic(), data))
        for frame in FrameDecoder().feed(data):
            request = decode_message(frame)  # type: ignore[arg-type]
            applied = request if isinstance(request, Start) else None
            self.arrive(encode_message(Ack(message_type(request), applied), frame.seq))  # type: ignore[union-attr]
        return len(data)

    def flush(self) -> None:
        pass

    def reset_input_buffer(self) -> None:
        self._rx = b""

    def close(self) -> None:
        pass


def link() -> tuple[LinkCore, FakePort, VirtualClock]:
    clock = VirtualClock()
    port = FakePort(clock)
    core = LinkCore(port, clock, heartbeat_period_s=PERIOD_S)
    core.heartbeats = True
    return core, port, clock


def sent_heartbeats(port: FakePort) -> list[float]:
    times = []
    for at, wire in port.writes:
        for frame in FrameDecoder().feed(wire):
            if isinstance(decode_message(frame), Heartbeat):  # type: ignore[arg-type]
                times.append(at)
    return times


def test_a_read_waits_only_until_the_heartbeat_is_due() -> None:
    core, port, clock = link()
    clock.sleep_until(0.07)
    core.service()  # not due yet: the read waits 30 ms, not the port's 50
    assert port.read_timeouts == [pytest.approx(0.03)]
    assert port.timeout == READ_TIMEOUT_S  # put back for the next read
    core.service()
    assert sent_heartbeats(port) == [pytest.approx(PERIOD_S)]


def test_heartbeats_go_out_every_period_over_a_slow_read_timeout() -> None:
    core, port, clock = link()
    while clock.monotonic() < 2.0:
        core.service()
    beats = sent_heartbeats(port)
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert len(beats) >= 19
    assert max(gaps) == pytest.approx(PERIOD_S, abs=0.001)  # was 150 ms: due mid-read


def test_the_reader_thread_read_is_not_shortened() -> None:
    core, port, clock = link()
    clock.sleep_until(0.07)
    core.service_in()  # a reader thread has no heartbeat to send: the port's own timeout
    assert port.read_timeouts == [READ_TIMEOUT_S]
    assert not port.writes


def test_the_writer_sends_heartbeats_without_reading() -> None:
    core, port, clock = link()
    clock.sleep_until(PERIOD_S)
    core.service_out()
    assert sent_heartbeats(port) == [pytest.approx(PERIOD_S)]
    assert not port.read_timeouts


def test_a_submit_wakes_the_writer_at_once() -> None:
    core, _port, _clock = link()
    core.heartbeats = False  # nothing due: the wait would last its whole 5 s
    core.enable_wakeups()
    woke = threading.Event()

    def writer() -> None:
        core.wait_for_work(5.0)
        woke.set()

    thread = threading.Thread(target=writer)
    began = time.monotonic()
    thread.start()
    time.sleep(0.05)
    core.submit(Heartbeat(), retriable=False, timeout_s=0.25)
    thread.join(2.0)
    assert woke.is_set()
    assert time.monotonic() - began < 2.0
    core.close()
    core.close()  # idempotent


def host_lost(seq: int) -> bytes:
    telemetry = Telemetry(DeviceState.IDLE, Fault.HOST_LOST, 3_900, 80, 1_000, 0, ())
    return encode_message(telemetry, seq)


def armed_link() -> tuple[LinkCore, FakePort, VirtualClock]:
    core, port, clock = link()
    core.submit(Start(1, 500), retriable=True, timeout_s=0.25)
    core.service()  # sends the START: the link learns the 500 ms watchdog
    core.armed = True
    return core, port, clock


def test_a_trip_while_this_host_sent_in_time_is_a_plain_watchdog_trip() -> None:
    core, port, clock = armed_link()
    while clock.monotonic() < 1.0:
        core.service()
    port.arrive(host_lost(1))
    core.service()
    assert isinstance(core.failure, WatchdogTripped)
    assert not isinstance(core.failure, HostStarved)
    assert "longest gap between frames sent 100 ms" in str(core.failure)


def test_a_trip_after_this_host_went_quiet_is_host_starved() -> None:
    core, port, clock = armed_link()
    while clock.monotonic() < 1.0:
        core.service()
    core.heartbeats = False  # the host "does not run" for 700 ms
    clock.sleep_until(clock.monotonic() + 0.7)
    core.heartbeats = True
    core.service()  # it runs again: a heartbeat goes out, then the trip is read
    port.arrive(host_lost(2))
    core.service()
    assert isinstance(core.failure, HostStarved)
    assert core.failure.gap_ms >= 700
    assert core.longest_send_gap_s >= 0.7


def test_frames_in_another_protocol_version_count_towards_a_noisy_link() -> None:
    """A frame whose version byte is not the negotiated one is unusable on this link: it
    counts as dropped and, many of them, fail the link as too noisy, like corrupt frames."""
    core, port, _clock = link()
    core.established = True
    alien = encode_frame(PROTOCOL_MAJOR + 1, int(MsgType.TELEMETRY), 1, b"")
    for _ in range(NOISE_MAX_DROPPED - 1):
        port.arrive(alien)
        core.service_in()
    assert core.stats.frame_errors == NOISE_MAX_DROPPED - 1
    assert core.failure is None
    port.arrive(alien)
    core.service_in()
    assert isinstance(core.failure, LinkTooNoisy)
    assert f"of the last {NOISE_WINDOW_FRAMES} frames" in str(core.failure)
