"""The conformance suite's own limits and tolerances, in integer units (uA, ms).

The current ceilings are safety rules of the suite, not device duties: every SET the suite
writes passes :func:`check_amplitude` first (see ``Bench``), which raises, never clamps.
The tolerances say how much later than the spec's bound the suite still passes a
measurement taken by this host through a real port and operating system.
"""

from __future__ import annotations

from typing import Final

from tenscontrol.errors import LimitViolation

#: Most current the suite ever commands on a device whose IDENTITY lacks the SIMULATOR
#: flag, uA (2 mA): enough to see the slew, the drop and the watchdog zero an output, little
#: enough that a load resistor (or, by mistake, a person) takes no harm from it.
CONFORMANCE_MAX_UA: Final = 2_000
#: Most current the suite commands on a simulator, uA: a longer ramp measures the slew
#: better, and nothing reaches a body.
SIMULATOR_MAX_UA: Final = 10_000
#: The current most checks run at, uA (a visible output, well inside either ceiling).
LOW_UA: Final = 1_000

#: The host's reply timeout (section 9.3), ms.
REPLY_WAIT_MS: Final = 250
#: How long a frame that must not be answered is given to be answered anyway, ms (a device
#: answers within 20 ms, section 8).
QUIET_MS: Final = 150
#: How long the suite waits for a TELEMETRY frame it expects, ms (ten periods).
TELEMETRY_WAIT_MS: Final = 500
#: STOP confirmation (section 9.8): the first TELEMETRY after the ACK, waited for this long.
STOP_CONFIRM_WAIT_MS: Final = 500
#: How many STOPs a confirmation may take (section 9.8).
STOP_ATTEMPTS: Final = 3
#: The host's request cadence while output may be on, ms (section 9.2).
HEARTBEAT_MS: Final = 100

#: A watchdog expiry seen up to this much after its bound still passes, ms: the spec's
#: 10 ms for output and event frame, and the port and scheduler of this host.
WATCHDOG_LATE_MS: Final = 60
#: ... and this much before it (clock granularity of two processes), ms.
WATCHDOG_EARLY_MS: Final = 5
#: Uptime of periodic TELEMETRY may be off its 50 ms grid by this much, ms (rounding).
GRID_TOLERANCE_MS: Final = 1
#: Slew: a rise may exceed ``slew_ua_per_s`` x time by this fraction, in percent, plus
#: :data:`SLEW_SLACK_UA` (uptime is whole ms; a real device measures with some noise).
SLEW_TOLERANCE_PERCENT: Final = 3
SLEW_SLACK_UA: Final = 50
#: A response may take this much longer than section 8's 20 ms, as measured here, ms.
RESPONSE_SLACK_MS: Final = 30


def check_amplitude(amplitude_ua: int, ceiling_ua: int) -> None:
    """Refuse, before it is sent, a SET amplitude above the suite's ceiling for this device.

    Raises :class:`~tenscontrol.errors.LimitViolation` (a bug of the suite: it stops)."""
    if amplitude_ua > ceiling_ua:
        raise LimitViolation(
            f"conformance suite bug: a SET of {amplitude_ua} uA is above its ceiling of "
            f"{ceiling_ua} uA for this device; nothing was sent"
        )
