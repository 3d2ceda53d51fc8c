"""Fixtures of the driver tests: connected devices on the simulator, in virtual time, and
devices served on a real port, on the real clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from device import device_helpers, serving
from device.device_helpers import OpenVirtualDevice
from device.serving import ServeDevice
from tenscontrol.device import TensDevice


@pytest.fixture
def device() -> Iterator[TensDevice]:
    """A connected :class:`TensDevice` in manual mode on ``sim://`` and a virtual clock
    (:func:`device_helpers.virtual_device`), closed after the test."""
    with device_helpers.virtual_device() as connected:
        yield connected


@pytest.fixture
def open_virtual_device() -> Iterator[OpenVirtualDevice]:
    """Opens connected virtual devices with simulator options (``"reboot_at=2"``) or driver
    keywords (``tracer=...``); every one opened is closed after the test, last first."""
    with ExitStack() as opened:

        def open_device(options: str = "", **kwargs: object) -> TensDevice:
            return opened.enter_context(device_helpers.virtual_device(options, **kwargs))

        yield open_device


@pytest.fixture
def serve_device() -> ServeDevice:
    """Serves a device on a pty (the device of ``TENS_TEST_TARGET``) or on loopback TCP
    (the simulator), on the real clock: :func:`serving.served_device`."""
    return serving.served_device
