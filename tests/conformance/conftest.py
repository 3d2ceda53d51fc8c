"""Fixtures of the conformance tests: a simulated device in virtual time."""

from __future__ import annotations

import pytest

from conformance.conformance_helpers import virtual_sim
from tenscontrol.sim.protocol_sim import Serial as SimSerial


@pytest.fixture
def device() -> SimSerial:
    """A conforming simulated device (over-delivering on channel 2), in virtual time."""
    return virtual_sim()
