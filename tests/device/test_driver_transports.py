"""The same driver behaviours over every transport, on the real clock: sim://, a pty, a
loopback socket, and real hardware when TENS_TEST_PORT names it (skipped otherwise). The
pty serves the device of TENS_TEST_TARGET (helpers/targets.py): the simulator in its own
process, or the reference firmware natively or under QEMU.

Hardware runs use at most 2 mA and expect a 500 ohm load resistor, not a person.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

import pytest

from device.device_helpers import setpoint
from device.serving import ServeDevice, Transport
from tenscontrol.device import TensDevice
from tenscontrol.errors import NakError
from tenscontrol.protocol import NakCode
from tenscontrol.transport import FrameTracer

TRANSPORTS = ["sim", "pty", "tcp", "hardware"]
LOW_UA = 2_000  # low enough for a hardware run on a load resistor


@pytest.fixture(params=TRANSPORTS)
def url(request: pytest.FixtureRequest, serve_device: ServeDevice) -> Iterator[str]:
    kind = request.param
    if kind == "sim":
        yield "sim://"
        return
    if kind == "hardware":
        port = os.environ.get("TENS_TEST_PORT")
        if not port:
            pytest.skip("set TENS_TEST_PORT to run against real hardware")
        yield port
        return
    with serve_device(Transport(kind)) as port:
        yield port


def wait_for(condition: object, timeout_s: float = 2.0) -> bool:
    """Poll ``condition()`` until true or ``timeout_s`` passes (real clock)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        threading.Event().wait(0.005)
    return False


def delivered_ua(device: TensDevice, channel: int = 1) -> int:
    sample = device.telemetry
    return -1 if sample is None else sample.telemetry.channels[channel - 1].delivered_ua


def test_connect_start_set_and_stop(url: str) -> None:
    with TensDevice.open(url) as device:
        assert device.info is not None
        assert device.info.identity.model
        device.start([1])
        applied = device.set_channel(setpoint(1, LOW_UA))
        assert applied.amplitude_ua == LOW_UA
        assert wait_for(lambda: delivered_ua(device) == LOW_UA)
        device.stop()
        assert wait_for(lambda: delivered_ua(device) == 0)
        assert device.failure is None


def test_a_nak_is_a_typed_readable_error(url: str) -> None:
    with TensDevice.open(url) as device:
        device.start([1])
        with pytest.raises(NakError) as caught:
            device.set_channel(setpoint(1, 10_000_000))
        assert caught.value.code is NakCode.OUT_OF_RANGE
        assert "out" in str(caught.value) or "limits" in str(caught.value)


def test_stop_from_another_thread_jumps_the_queue(url: str) -> None:
    with TensDevice.open(url) as device:
        device.start([1])
        device.set_channel(setpoint(1, LOW_UA))
        stopper = threading.Thread(target=device.stop)
        stopper.start()
        stopper.join(timeout=2.0)
        assert not stopper.is_alive()
        assert wait_for(lambda: delivered_ua(device) == 0)


def test_stop_from_a_signal_handler(url: str) -> None:
    stopped = threading.Event()
    with TensDevice.open(url) as device:

        def on_signal(signum: int, frame: FrameType | None) -> None:
            device.stop()
            stopped.set()

        old = signal.signal(signal.SIGUSR1, on_signal)
        try:
            device.start([1])
            device.set_channel(setpoint(1, LOW_UA))
            os.kill(os.getpid(), signal.SIGUSR1)
            assert wait_for(stopped.is_set)
            assert wait_for(lambda: delivered_ua(device) == 0)
        finally:
            signal.signal(signal.SIGUSR1, old)


def test_telemetry_is_available_without_blocking_and_counts_round_trips(url: str) -> None:
    with TensDevice.open(url) as device:
        assert wait_for(lambda: device.telemetry is not None)
        assert wait_for(lambda: device.stats.rtt_summary() is not None)
        summary = device.stats.rtt_summary()
        assert summary is not None
        assert 0 < summary[0] < 0.25


def test_trace_to_a_stream(url: str) -> None:
    out = io.StringIO()
    with TensDevice.open(url, tracer=FrameTracer(out)) as device:
        device.heartbeat()
    assert "HELLO" in out.getvalue()
    assert "HEARTBEAT" in out.getvalue()
