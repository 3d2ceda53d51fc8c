"""``tens start`` opens its device as an application should: with the GIL switch interval
lowered to the driver's recommendation, so its own threads never hold up a heartbeat."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tenscontrol.cli.start.device import open_device
from tenscontrol.device import RECOMMENDED_SWITCH_INTERVAL_S


@pytest.fixture
def default_switch_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("default_switch_interval")
def test_opening_the_device_lowers_the_switch_interval() -> None:
    opened = open_device(None, simulate=True, speed=None, tracer=None)
    try:
        assert sys.getswitchinterval() <= RECOMMENDED_SWITCH_INTERVAL_S
    finally:
        opened.close()
