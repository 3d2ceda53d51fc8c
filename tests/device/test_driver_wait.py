"""One way to wait for the device in both modes: ``wait(seconds, until)`` returns at the first
frame after which ``until()`` holds, or at :meth:`TensDevice.interrupt_wait`, and the threaded
driver runs its reader and writer as two threads that end with ``close()``."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tenscontrol.device import RECOMMENDED_SWITCH_INTERVAL_S, TensDevice, runners
from tenscontrol.transport import open_port
from tenscontrol.transport.ports import Port

#: A wait that would fail the test by its length if ``until`` were not honoured, seconds.
LONG_S = 30.0


@pytest.fixture
def threaded() -> Iterator[TensDevice]:
    """A threaded device on the in-process simulator, in real time."""
    with TensDevice.open("sim://") as device:
        yield device


def test_a_threaded_wait_returns_at_the_first_frame_that_satisfies_until(
    threaded: TensDevice,
) -> None:
    first = threaded.telemetry
    began = time.monotonic()
    threaded.wait(LONG_S, until=lambda: threaded.telemetry is not first)
    assert time.monotonic() - began < LONG_S / 2
    assert threaded.telemetry is not first


def test_interrupt_wait_from_another_thread_ends_a_threaded_wait(threaded: TensDevice) -> None:
    asked = threading.Event()

    def ask() -> None:
        asked.set()
        threaded.interrupt_wait()

    timer = threading.Timer(0.2, ask)
    timer.start()
    began = time.monotonic()
    try:
        threaded.wait(LONG_S, until=asked.is_set)
    finally:
        timer.cancel()
    assert asked.is_set()
    assert time.monotonic() - began < LONG_S / 2


def test_a_manual_wait_honours_until_the_same_way(device: TensDevice) -> None:
    first = device.telemetry
    began = device.clock.monotonic()
    device.wait(LONG_S, until=lambda: device.telemetry is not first)
    assert device.clock.monotonic() - began <= 0.05 + 1e-9  # one telemetry period
    device.wait(0.2)  # no until: the whole wait passes
    assert device.clock.monotonic() - began >= 0.2


def test_the_reader_and_writer_threads_end_with_close() -> None:
    device = TensDevice.open("sim://")
    names = {t.name for t in threading.enumerate()}
    assert {"tens-io-in", "tens-io-out"} <= names
    device.close()
    names = {t.name for t in threading.enumerate()}
    assert not {"tens-io-in", "tens-io-out"} & names


def test_the_driver_leaves_the_switch_interval_to_the_application() -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        with TensDevice.open("sim://"):
            assert sys.getswitchinterval() == 0.005
    finally:
        sys.setswitchinterval(before)
    assert RECOMMENDED_SWITCH_INTERVAL_S <= 0.001


class StuckPort:
    """A real simulator port whose reads, once ``stuck`` is set, block until ``release``
    is set, deaf to ``cancel_read`` (a read stuck in the kernel)."""

    def __init__(self, inner: Port) -> None:
        self._inner = inner
        self.stuck = threading.Event()
        self.release = threading.Event()
        self.entered = threading.Event()  # a read is blocked now
        self.closed = False

    def read(self, size: int = 1) -> bytes:
        if self.stuck.is_set():
            self.entered.set()
            self.release.wait()
            return b""
        return self._inner.read(size)

    def close(self) -> None:
        self.closed = True
        self._inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: object) -> None:
        if name == "timeout":
            self._inner.timeout = value  # type: ignore[assignment]
        else:
            object.__setattr__(self, name, value)


def test_a_port_is_not_closed_under_an_io_thread_that_did_not_end(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(runners, "JOIN_TIMEOUT_S", 0.2)
    port = StuckPort(open_port("sim://"))
    device = TensDevice(port)
    device.connect()
    port.stuck.set()
    assert port.entered.wait(5.0)  # the reader is inside a read that will not return
    try:
        device.close()
        assert not port.closed
        assert "tens-io-in did not end" in caplog.text
        assert "the port is left open" in caplog.text
    finally:
        port.release.set()
        port.close()
