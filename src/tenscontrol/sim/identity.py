"""Who the simulated device is and what it can do: its IDENTITY, derived in this one place.

Every capability is the product's hard ceiling (:mod:`tenscontrol.hard_limits`) or a timing
value of the spec (:mod:`tenscontrol.protocol.constants`): the simulator is the most capable
device the host may ever meet, so a host check against the device's capabilities is only
ever tested against the ceilings. ``protocol/vectors.py`` keeps its own literal copy for
the spec's test vectors; ``tests/sim/test_sim_identity.py`` checks that the two agree.

Units are in the names: ``_ua`` microamperes, ``_mhz`` millihertz, ``_us`` microseconds,
``_ms`` milliseconds, ``_ua_per_s`` microamperes per second.
"""

from __future__ import annotations

from typing import Final

from tenscontrol import hard_limits
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    PROTOCOL_MINOR,
    ChannelCapabilities,
    Identity,
    IdentityFlag,
    Pattern,
    Waveform,
)
from tenscontrol.protocol.constants import TELEMETRY_PERIOD_MS, WATCHDOG_DEFAULT_MS

MODEL: Final = "TC-SIM-2"
SERIAL_NUMBER: Final = "SIM00001"
FIRMWARE: Final = (0, 1, 0)
#: Watchdog timeouts START may ask for (0 asks for the default), ms.
WATCHDOG_MIN_MS: Final = hard_limits.MIN_WATCHDOG_MS
WATCHDOG_MAX_MS: Final = hard_limits.MAX_WATCHDOG_MS
#: Fastest upward change of delivered current, uA per second.
SLEW_UA_PER_S: Final = hard_limits.MAX_SLEW_UA_PER_S


def _every_bit(kind: type[Waveform] | type[Pattern]) -> int:
    """A capability bit mask with the bit of every member of ``kind`` set."""
    mask = 0
    for member in kind:
        mask |= 1 << member
    return mask


#: Capabilities of each output channel: the hard limits, every waveform and pattern.
CHANNEL_CAPS: Final = ChannelCapabilities(
    max_amplitude_ua=hard_limits.MAX_AMPLITUDE_UA,
    rate_min_mhz=hard_limits.MIN_PULSE_RATE_MHZ,
    rate_max_mhz=hard_limits.MAX_PULSE_RATE_MHZ,
    width_min_us=hard_limits.MIN_PHASE_WIDTH_US,
    width_max_us=hard_limits.MAX_PHASE_WIDTH_US,
    waveforms=_every_bit(Waveform),
    patterns=_every_bit(Pattern),
    burst_rate_min_mhz=hard_limits.MIN_BURST_RATE_MHZ,
    burst_rate_max_mhz=hard_limits.MAX_BURST_RATE_MHZ,
    pulses_per_burst_min=hard_limits.MIN_PULSES_PER_BURST,
    pulses_per_burst_max=hard_limits.MAX_PULSES_PER_BURST,
)


def device_identity(
    selected_version: int, *, channels: int, serial_number: str = SERIAL_NUMBER
) -> Identity:
    """The IDENTITY answering a HELLO: ``selected_version`` (0: no common version) and
    ``channels`` output channels, each with :data:`CHANNEL_CAPS`."""
    return Identity(
        selected_version=selected_version,
        minor_version=PROTOCOL_MINOR,
        device_min_version=PROTOCOL_MAJOR,
        device_max_version=PROTOCOL_MAJOR,
        flags=IdentityFlag.SIMULATOR,
        firmware=FIRMWARE,
        model=MODEL,
        serial_number=serial_number,
        watchdog_min_ms=WATCHDOG_MIN_MS,
        watchdog_max_ms=WATCHDOG_MAX_MS,
        watchdog_default_ms=WATCHDOG_DEFAULT_MS,
        telemetry_period_ms=TELEMETRY_PERIOD_MS,
        slew_ua_per_s=SLEW_UA_PER_S,
        channels=(CHANNEL_CAPS,) * channels,
    )
