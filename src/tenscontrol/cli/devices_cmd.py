"""``tens devices``: list TENS devices, and with ``--probe`` confirm each by a HELLO."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from typing import Any, TextIO

import click

from tenscontrol.cli.exits import exit_code_for, report_errors
from tenscontrol.cli.outputs import trace_option
from tenscontrol.device import DeviceInfo, TensDevice
from tenscontrol.errors import TensError
from tenscontrol.protocol import ChannelCapabilities
from tenscontrol.transport import FrameTracer
from tenscontrol.transport.discovery import list_serial_ports


def info_as_dict(info: DeviceInfo) -> dict[str, Any]:
    """A device's identity and effective limits as JSON-ready data (integer units)."""
    identity = info.identity
    return {
        "model": identity.model,
        "serial_number": identity.serial_number,
        "firmware": info.firmware,
        "protocol": f"{info.protocol_version}.{identity.minor_version}",
        "simulated": info.is_simulator,
        "watchdog_ms": [identity.watchdog_min_ms, identity.watchdog_max_ms],
        "telemetry_period_ms": identity.telemetry_period_ms,
        "slew_ua_per_s": identity.slew_ua_per_s,
        "channels": [_channel_dict(n, c) for n, c in enumerate(info.channels, 1)],
    }


def _channel_dict(number: int, caps: ChannelCapabilities) -> dict[str, Any]:
    return {
        "channel": number,
        "max_amplitude_ua": caps.max_amplitude_ua,
        "rate_mhz": [caps.rate_min_mhz, caps.rate_max_mhz],
        "phase_width_us": [caps.width_min_us, caps.width_max_us],
        "burst_rate_mhz": [caps.burst_rate_min_mhz, caps.burst_rate_max_mhz],
        "pulses_per_burst": [caps.pulses_per_burst_min, caps.pulses_per_burst_max],
    }


def describe_info(info: DeviceInfo) -> list[str]:
    """Human-readable lines describing a probed device."""
    label = "  SIMULATED device (not hardware)" if info.is_simulator else ""
    identity = info.identity
    lines = [
        f"{identity.model} serial {identity.serial_number} firmware {info.firmware} "
        f"protocol {info.protocol_version}.{identity.minor_version}{label}",
        f"watchdog {identity.watchdog_min_ms}-{identity.watchdog_max_ms} ms, "
        f"slew {identity.slew_ua_per_s / 1000:g} mA/s",
    ]
    for number, caps in enumerate(info.channels, 1):
        lines.append(
            f"channel {number}: up to {caps.max_amplitude_ua / 1000:g} mA, "
            f"{caps.rate_min_mhz / 1000:g}-{caps.rate_max_mhz / 1000:g} Hz, "
            f"{caps.width_min_us}-{caps.width_max_us} us"
        )
    return lines


@click.command("devices")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--probe", is_flag=True, help="Confirm each device with a HELLO handshake.")
@click.option(
    "--all", "include_all", is_flag=True, help="Also list ports that are not TENS devices."
)
@click.option(
    "--port",
    "ports",
    multiple=True,
    envvar="TENS_PORT",
    help="Also probe this port or URL (repeatable; sim://, socket://127.0.0.1:N).",
)
@click.option("--allow-remote", is_flag=True, help="Allow socket:// to a host other than loopback.")
@trace_option
@report_errors
def devices(
    as_json: bool,
    probe: bool,
    include_all: bool,
    ports: tuple[str, ...],
    allow_remote: bool,
    trace_file: TextIO | None,
) -> None:
    """List TENS devices (USB 1209:7e4e). Only matching or named ports are written to.

    \b
    Examples:
      tens devices
      tens devices --probe
      tens devices --probe --port sim://
    """
    found = list_serial_ports(include_all=include_all)
    tracer = FrameTracer(trace_file) if trace_file else None
    rows: list[dict[str, Any]] = []
    for candidate in found:
        row: dict[str, Any] = {
            "port": candidate.device,
            "usb_id": candidate.usb_id,
            "description": candidate.description,
            "tens_device": candidate.matches,
        }
        if probe and candidate.matches:
            row.update(_probe(candidate.device, allow_remote, tracer, []))
        rows.append(row)
    failures: list[TensError] = []
    for url in ports:
        row = {"port": url, "usb_id": "-", "description": "named", "tens_device": True}
        row.update(_probe(url, allow_remote, tracer, failures))
        rows.append(row)
    if as_json:
        plain = [{k: v for k, v in row.items() if k != "lines"} for row in rows]
        click.echo(json.dumps({"devices": plain}, indent=2))
    elif not rows:
        click.echo("no TENS device found (try --all, or `tens start --simulate` to try it out)")
    for row in [] if as_json else rows:
        click.echo(f"{row['port']}  {row['usb_id']}  {row['description']}")
        if "error" in row:
            click.echo(f"  probe failed: {row['error']}")
            if row.get("hint"):
                click.echo(f"  hint: {row['hint']}")
        for line in row.get("lines", []):
            click.echo(f"  {line}")
    if failures:  # a port the user named could not be probed
        sys.exit(exit_code_for(failures[0]))


def _probe(
    url: str, allow_remote: bool, tracer: FrameTracer | None, failures: list[TensError]
) -> dict[str, Any]:
    try:
        with ExitStack() as stack:
            device = stack.enter_context(
                TensDevice.open(url, allow_remote=allow_remote, tracer=tracer)
            )
            info = device.info
            if info is None:
                return {"error": "no identity"}
            return {"identity": info_as_dict(info), "lines": describe_info(info)}
    except TensError as error:
        failures.append(error)
        return {"error": str(error), "hint": error.hint} if error.hint else {"error": str(error)}
