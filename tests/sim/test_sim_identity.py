"""The simulated device's identity: derived from hard_limits, and the spec vectors' copy."""

from __future__ import annotations

from tenscontrol import hard_limits
from tenscontrol.protocol import Identity, IdentityFlag
from tenscontrol.protocol.vectors import SIM_CHANNEL, VECTORS
from tenscontrol.sim.identity import CHANNEL_CAPS, device_identity
from tenscontrol.sim.model import DeviceModel


def vector_identity() -> Identity:
    (message,) = [m for name, _, _, m in VECTORS if name == "identity"]
    assert isinstance(message, Identity)
    return message


def test_the_spec_vectors_copy_agrees_with_the_simulator() -> None:
    assert CHANNEL_CAPS == SIM_CHANNEL
    assert device_identity(1, channels=2) == vector_identity()


def test_capabilities_are_the_hard_limits() -> None:
    assert CHANNEL_CAPS.max_amplitude_ua == hard_limits.MAX_AMPLITUDE_UA
    assert CHANNEL_CAPS.rate_max_mhz == hard_limits.MAX_PULSE_RATE_MHZ
    assert CHANNEL_CAPS.width_max_us == hard_limits.MAX_PHASE_WIDTH_US
    assert CHANNEL_CAPS.pulses_per_burst_max == hard_limits.MAX_PULSES_PER_BURST
    identity = device_identity(1, channels=hard_limits.MAX_CHANNELS)
    assert identity.slew_ua_per_s == hard_limits.MAX_SLEW_UA_PER_S
    assert identity.watchdog_max_ms == hard_limits.MAX_WATCHDOG_MS
    assert IdentityFlag.SIMULATOR in identity.flags


def test_the_model_answers_with_that_identity() -> None:
    model = DeviceModel(0.0, serial_number="SIM00042")
    assert model.identity() == device_identity(1, channels=2, serial_number="SIM00042")
    assert model.identity(0).selected_version == 0
