"""The simulator's self-test: serve a simulated device on a pty, talk to it through real
pyserial with the reference host (:mod:`tenscontrol.sim.spec_host`), and print what it
said. Behind ``python -m tenscontrol.sim --self-test`` and ``tens simulate --self-test``.

The round trip: HELLO, START on every channel (watchdog 500 ms), SET 2 mA on channel 1,
heartbeats until TELEMETRY shows the output rising, STOP, heartbeats until every channel
is back at 0 uA. Any step that fails raises :class:`~tenscontrol.errors.DeviceError`
starting ``self-test failed:``.
"""

from __future__ import annotations

from collections.abc import Callable

import serial

from tenscontrol.errors import DeviceError
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    DeviceState,
    Hello,
    Identity,
    IdentityFlag,
    Pattern,
    Setpoint,
    Start,
    Stop,
    Telemetry,
    Waveform,
)
from tenscontrol.protocol.constants import BAUDRATE
from tenscontrol.sim.faults import SimOptions
from tenscontrol.sim.server import PtyServer
from tenscontrol.sim.spec_host import SpecHost

#: The self-test's setpoint: 2 mA, 80 Hz, 180 us, continuous, on channel 1.
SELF_TEST_SET = Setpoint(
    1, 2_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 0, 0
)
#: Watchdog the self-test runs with, ms.
SELF_TEST_WATCHDOG_MS = 500
#: How often the self-test sends a request before giving up on it.
ATTEMPTS = 3
#: How long the output may take to show it rises, and to be back at 0, seconds.
RISE_WITHIN_S = 2.0
ZERO_WITHIN_S = 1.0
#: The port's read timeout, seconds (as ``open_port``'s).
_READ_TIMEOUT_S = 0.02
_WRITE_TIMEOUT_S = 1.0


def self_test(options: SimOptions, echo: Callable[[str], None]) -> None:
    """Run the self-test on a simulator with ``options``; ``echo`` prints one line."""
    server = PtyServer(options)
    server.start()
    port = None
    try:
        port = serial.serial_for_url(
            server.port,
            exclusive=True,
            baudrate=BAUDRATE,
            timeout=_READ_TIMEOUT_S,
            write_timeout=_WRITE_TIMEOUT_S,
        )
        _round_trip(SpecHost(port, attempts=ATTEMPTS), server.port, echo)
    except serial.SerialException as error:
        raise DeviceError(f"self-test failed: {error}") from None
    except DeviceError as error:
        raise DeviceError(f"self-test failed: {error}") from None
    finally:
        if port is not None:
            port.close()
        server.close()


def _round_trip(host: SpecHost, port: str, echo: Callable[[str], None]) -> None:
    host.resync()
    identity = host.expect(Hello(PROTOCOL_MAJOR, PROTOCOL_MAJOR), Identity)
    _check_identity(identity)
    for line in describe_identity(port, identity):
        echo(line)
    mask = (1 << len(identity.channels)) - 1
    host.expect(Start(mask, SELF_TEST_WATCHDOG_MS), Ack)
    if host.expect(SELF_TEST_SET, Ack).applied != SELF_TEST_SET:
        raise DeviceError("the SET echo differs from the SET sent")
    rising = host.heartbeat_until(_rising, within_s=RISE_WITHIN_S, what="output rising")
    host.expect(Stop(), Ack)
    host.telemetry.clear()
    host.heartbeat_until(_all_zero, within_s=ZERO_WITHIN_S, what="output 0")
    echo(
        f"round trip: START ok, SET {SELF_TEST_SET.amplitude_ua} uA ok "
        f"(delivered rose to {rising.channels[0].delivered_ua} uA), "
        "STOP ok, output back to 0 uA on every channel"
    )
    echo("self-test passed")


def _rising(sample: Telemetry) -> bool:
    return sample.channels[0].delivered_ua > 0


def _all_zero(sample: Telemetry) -> bool:
    return sample.state is DeviceState.IDLE and all(c.delivered_ua == 0 for c in sample.channels)


def _check_identity(identity: Identity) -> None:
    """Refuse an IDENTITY the self-test cannot use (no common version, no channels)."""
    if identity.selected_version != PROTOCOL_MAJOR:
        raise DeviceError("the device selected no common protocol version")
    if not identity.channels:
        raise DeviceError("the device reports no channels")


def describe_identity(port: str, identity: Identity) -> list[str]:
    """The lines the self-test prints about the device on ``port``."""
    label = " [SIMULATED]" if IdentityFlag.SIMULATOR in identity.flags else ""
    firmware = ".".join(str(part) for part in identity.firmware)
    lines = [
        f"port: {port}",
        f"device: {identity.model} serial {identity.serial_number}{label}",
        f"firmware {firmware}, protocol {identity.selected_version}.{identity.minor_version} "
        f"(device speaks {identity.device_min_version}-{identity.device_max_version})",
        f"watchdog {identity.watchdog_min_ms}-{identity.watchdog_max_ms} ms "
        f"(default {identity.watchdog_default_ms}), telemetry every "
        f"{identity.telemetry_period_ms} ms, slew {identity.slew_ua_per_s} uA/s",
    ]
    for number, caps in enumerate(identity.channels, start=1):
        lines.append(
            f"channel {number}: max {caps.max_amplitude_ua} uA, "
            f"rate {caps.rate_min_mhz}-{caps.rate_max_mhz} mHz, "
            f"width {caps.width_min_us}-{caps.width_max_us} us, "
            f"waveforms 0b{caps.waveforms:02b}, patterns 0b{caps.patterns:02b}, "
            f"burst {caps.burst_rate_min_mhz}-{caps.burst_rate_max_mhz} mHz "
            f"x {caps.pulses_per_burst_min}-{caps.pulses_per_burst_max} pulses"
        )
    return lines
