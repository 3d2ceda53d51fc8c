"""Messages for tests: one SET factory (any field, invalid enum values sent raw)."""

from __future__ import annotations

from tenscontrol.protocol import Pattern, Setpoint, Waveform


def setpoint(
    channel: int = 1,
    amplitude_ua: int = 20_000,
    rate_mhz: int = 80_000,
    width_us: int = 180,
    waveform: int = 0,
    pattern: int = 0,
    burst_mhz: int = 0,
    pulses: int = 0,
) -> Setpoint:
    """A SET message; waveform/pattern may be any int (invalid ones are sent raw)."""
    return Setpoint(
        channel,
        amplitude_ua,
        rate_mhz,
        width_us,
        Waveform(waveform) if waveform in (0, 1) else waveform,  # type: ignore[arg-type]
        Pattern(pattern) if pattern in (0, 1) else pattern,  # type: ignore[arg-type]
        burst_mhz,
        pulses,
    )
