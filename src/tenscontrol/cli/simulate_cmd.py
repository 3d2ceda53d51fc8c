"""``tens simulate``: run the simulated TENS device on a pty or TCP port, or self-test it."""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import FrameType
from typing import Protocol, TypeVar

import click
import serial

from tenscontrol.cli.exits import report_errors
from tenscontrol.errors import DeviceError, UserInputError
from tenscontrol.protocol import (
    PROTOCOL_MAJOR,
    Ack,
    Boot,
    DeviceState,
    Frame,
    FrameDecoder,
    Heartbeat,
    Hello,
    Identity,
    IdentityFlag,
    Message,
    Nak,
    Pattern,
    Setpoint,
    Start,
    Stop,
    Telemetry,
    Waveform,
    decode_message,
    encode_message,
)
from tenscontrol.sim.faults import OPTION_NAMES, REPEATABLE, SimOptions, parse_options
from tenscontrol.sim.server import PtyServer, SimServer, TcpServer, parse_address

#: Help text of each fault option (names as in the sim:// URL query).
_FAULT_HELP = {
    "seed": "Seed of the link's random impairments (default 0).",
    "corrupt_rate": "Probability that a byte is corrupted, both directions (0-1).",
    "drop_rate": "Probability that a frame is lost, both directions (0-1).",
    "latency_ms": "One-way link latency, ms.",
    "lead_off": "CH@SECONDS: electrode lead CH comes off then. Repeatable.",
    "lead_on": "CH@SECONDS: electrode lead CH is back then. Repeatable.",
    "reboot_at": "SECONDS: the device resets then (BOOT, output 0).",
    "unplug_at": "SECONDS: the port goes away then.",
    "overdeliver": "CH@SECONDS:PERCENT: channel CH delivers PERCENT more from then. Repeatable.",
    "low_battery_at": "SECONDS: the battery goes low then.",
    "log": "JSON-lines file of device events (appended, mode 0600).",
    "channels": "Number of output channels, 1 or 2 (default 2).",
}

#: The self-test's setpoint: 2 mA, 80 Hz, 180 us, continuous, on channel 1.
_SELF_TEST_SET = Setpoint(
    1, 2_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 0, 0
)
#: The reference host's reply timeout (spec section 8), and how often a request is tried.
_REPLY_TIMEOUT_S = 0.25
_ATTEMPTS = 3

M = TypeVar("M", bound=Identity | Ack)


def _fault_options(func: click.decorators.FC) -> click.decorators.FC:
    """Add one click option per fault option, spelled ``--corrupt-rate`` or ``--corrupt_rate``."""
    for name in reversed(OPTION_NAMES):
        dashed = "--" + name.replace("_", "-")
        spellings = [dashed] if "_" not in name else [dashed, "--" + name]
        metavar = "FILE" if name == "log" else "VALUE"
        func = click.option(
            *spellings,
            name,
            multiple=name in REPEATABLE,
            metavar=metavar,
            help=_FAULT_HELP[name],
        )(func)
    return func


@click.command("simulate")
@click.option("--pty", "use_pty", is_flag=True, help="Serve on a new pseudo-terminal (POSIX).")
@click.option("--tcp", metavar="HOST:PORT", help="Serve on TCP (socket:// URL), e.g. 127.0.0.1:0.")
@click.option("--allow-remote", is_flag=True, help="Allow --tcp to bind a non-loopback address.")
@click.option(
    "--self-test",
    is_flag=True,
    help="Start a simulator on a pty, handshake with it, run START/SET/STOP, and exit.",
)
@_fault_options
@report_errors
def simulate(
    use_pty: bool,
    tcp: str | None,
    allow_remote: bool,
    self_test: bool,
    **faults: str | tuple[str, ...] | None,
) -> None:
    """Run the simulated TENS device (model TC-SIM-2, flagged SIMULATOR).

    The first line on stdout is "port: <path or URL>"; open that port with the host.
    Runs until SIGINT or SIGTERM, then exits 0. Fault options take the same names as the
    ``sim://`` URL query; seconds count from the simulator's start.

    \b
    Examples:
      tens simulate --pty
      tens simulate --tcp 127.0.0.1:5555 --log sim.jsonl
      tens simulate --pty --corrupt-rate 0.001 --lead-off 1@30 --lead-on 1@40
      tens simulate --self-test
    """
    options = _collect(faults)
    if self_test:
        if use_pty or tcp:
            raise UserInputError("--self-test runs its own simulator; drop --pty/--tcp")
        _self_test(options)
        return
    if use_pty == (tcp is not None):
        raise UserInputError("choose exactly one of --pty and --tcp HOST:PORT")
    server: SimServer
    if tcp is not None:
        host, port = parse_address(tcp, allow_remote=allow_remote)
        server = TcpServer(options, host, port)
    else:
        server = PtyServer(options)
    _serve(server)


def _collect(faults: dict[str, str | tuple[str, ...] | None]) -> SimOptions:
    pairs: list[tuple[str, str]] = []
    for name in OPTION_NAMES:
        value = faults.get(name)
        if isinstance(value, tuple):
            pairs.extend((name, item) for item in value)
        elif value is not None:
            pairs.append((name, value))
    return parse_options(pairs)


def _serve(server: SimServer) -> None:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        click.echo(f"port: {server.port}")
        sys.stdout.flush()
        reported = False
        while not stop.wait(0.2):
            if server.unplugged.is_set() and not reported:
                reported = True
                click.echo("simulator: unplug_at reached, the port is gone", err=True)
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --- self-test ---------------------------------------------------------------------------
class _Port(Protocol):
    in_waiting: int

    def read(self, size: int = 1, /) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...


class _Probe:
    """The smallest spec-following host: numbered requests, replies matched by seq."""

    def __init__(self, port: _Port) -> None:
        self.port = port
        self.decoder = FrameDecoder()
        self.seq = 0
        self.telemetry: list[Telemetry] = []

    def request(self, message: Message) -> Message:
        """Send ``message``; its reply, retrying (new seq) after each reply timeout."""
        for _ in range(_ATTEMPTS):
            seq = self.seq
            self.seq = (self.seq + 1) & 0xFFFF
            self.port.write(encode_message(message, seq))
            deadline = time.monotonic() + _REPLY_TIMEOUT_S
            while time.monotonic() < deadline:
                for reply_seq, reply in self._read():
                    if reply_seq == seq and not isinstance(reply, Telemetry | Boot):
                        return reply
        raise DeviceError(f"self-test failed: no reply to {type(message).__name__} in time")

    def wait_telemetry(self, check: str, seconds: float) -> Telemetry:
        """Send heartbeats until a telemetry frame passes ``check``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.request(Heartbeat())
            for frame in self.telemetry:
                if _telemetry_ok(frame, check):
                    return frame
            self.telemetry.clear()
        raise DeviceError(f"self-test failed: telemetry never showed {check}")

    def _read(self) -> list[tuple[int, Message]]:
        out = []
        for result in self.decoder.feed(self.port.read(max(1, self.port.in_waiting))):
            if isinstance(result, Frame):
                message = decode_message(result)
                if isinstance(message, Telemetry):
                    self.telemetry.append(message)
                out.append((result.seq, message))
        return out


def _telemetry_ok(frame: Telemetry, check: str) -> bool:
    if check == "output rising":
        return frame.channels[0].delivered_ua > 0
    return frame.state is DeviceState.IDLE and all(c.delivered_ua == 0 for c in frame.channels)


def _expect(reply: Message, kind: type[M], what: str) -> M:
    if isinstance(reply, Nak):
        raise DeviceError(f"self-test failed: {what} refused with NAK {reply.code.name}")
    if not isinstance(reply, kind):
        raise DeviceError(f"self-test failed: {what} answered with {type(reply).__name__}")
    return reply


def _self_test(options: SimOptions) -> None:
    server = PtyServer(options)
    server.start()
    port = None
    try:
        port = serial.serial_for_url(
            server.port, exclusive=True, baudrate=115_200, timeout=0.02, write_timeout=1
        )
        probe = _Probe(port)  # type: ignore[arg-type]
        port.write(b"\x00")
        identity = _expect(probe.request(Hello(PROTOCOL_MAJOR, PROTOCOL_MAJOR)), Identity, "HELLO")
        _check_identity(identity)
        _print_identity(server.port, identity)
        mask = (1 << len(identity.channels)) - 1
        _expect(probe.request(Start(mask, 500)), Ack, "START")
        reply = _expect(probe.request(_SELF_TEST_SET), Ack, "SET")
        if reply.applied != _SELF_TEST_SET:
            raise DeviceError("self-test failed: the SET echo differs from the SET sent")
        rising = probe.wait_telemetry("output rising", 2.0)
        _expect(probe.request(Stop()), Ack, "STOP")
        probe.telemetry.clear()
        probe.wait_telemetry("output 0", 1.0)
        click.echo(
            f"round trip: START ok, SET {_SELF_TEST_SET.amplitude_ua} uA ok "
            f"(delivered rose to {rising.channels[0].delivered_ua} uA), "
            "STOP ok, output back to 0 uA on every channel"
        )
        click.echo("self-test passed")
    except serial.SerialException as error:
        raise DeviceError(f"self-test failed: {error}") from None
    finally:
        if port is not None:
            port.close()
        server.close()


def _check_identity(identity: Identity) -> None:
    """Refuse an IDENTITY the self-test cannot use (no common version, no channels)."""
    if identity.selected_version != PROTOCOL_MAJOR:
        raise DeviceError("self-test failed: the device selected no common protocol version")
    if not identity.channels:
        raise DeviceError("self-test failed: the device reports no channels")


def _print_identity(port: str, identity: Identity) -> None:
    label = " [SIMULATED]" if IdentityFlag.SIMULATOR in identity.flags else ""
    firmware = ".".join(str(part) for part in identity.firmware)
    click.echo(f"port: {port}")
    click.echo(f"device: {identity.model} serial {identity.serial_number}{label}")
    click.echo(
        f"firmware {firmware}, protocol {identity.selected_version}.{identity.minor_version} "
        f"(device speaks {identity.device_min_version}-{identity.device_max_version})"
    )
    click.echo(
        f"watchdog {identity.watchdog_min_ms}-{identity.watchdog_max_ms} ms "
        f"(default {identity.watchdog_default_ms}), telemetry every "
        f"{identity.telemetry_period_ms} ms, slew {identity.slew_ua_per_s} uA/s"
    )
    for number, caps in enumerate(identity.channels, start=1):
        click.echo(
            f"channel {number}: max {caps.max_amplitude_ua} uA, "
            f"rate {caps.rate_min_mhz}-{caps.rate_max_mhz} mHz, "
            f"width {caps.width_min_us}-{caps.width_max_us} us, "
            f"waveforms 0b{caps.waveforms:02b}, patterns 0b{caps.patterns:02b}, "
            f"burst {caps.burst_rate_min_mhz}-{caps.burst_rate_max_mhz} mHz "
            f"x {caps.pulses_per_burst_min}-{caps.pulses_per_burst_max} pulses"
        )
