"""The simulated device's refusal tables: START (section 4.3) and SET (section 4.5).
START's length is checked before these, by decoding (BAD_LENGTH, field 0).

Pure functions over integers: each returns the first refusal as ``(NakCode, field)``, or
None when the request is accepted. Field numbers are 1-based payload fields, 0 for none.
"""

from __future__ import annotations

from collections.abc import Sequence

from tenscontrol.protocol import Lead, NakCode, Pattern, Waveform
from tenscontrol.sim.channel import Channel
from tenscontrol.sim.firmware import BATTERY_RESTART_MV
from tenscontrol.sim.identity import WATCHDOG_MAX_MS, WATCHDOG_MIN_MS

_WAVEFORMS = frozenset(int(w) for w in Waveform)
_PATTERNS = frozenset(int(p) for p in Pattern)

Refusal = tuple[NakCode, int]


def check_start(
    mask: int,
    watchdog_ms: int,
    *,
    channels: Sequence[Channel],
    self_test_passes: bool,
    battery_mv: int,
) -> Refusal | None:
    """START's refusals in the spec's order: channel mask, watchdog (ms), the self-test,
    the battery (mV) against the restart level, the leads of the masked channels."""
    if mask == 0 or mask >> len(channels):
        return NakCode.BAD_CHANNEL, 1
    if watchdog_ms != 0 and not WATCHDOG_MIN_MS <= watchdog_ms <= WATCHDOG_MAX_MS:
        return NakCode.OUT_OF_RANGE, 2
    if not self_test_passes:
        return NakCode.INTERNAL, 0
    if battery_mv < BATTERY_RESTART_MV:
        return NakCode.LOW_BATTERY, 0
    if any(ch.lead is Lead.OFF for ch in channels if mask >> (ch.number - 1) & 1):
        return NakCode.LEAD_OFF, 1
    return None


def check_set(
    fields: tuple[int, ...],
    *,
    running: bool,
    channels: Sequence[Channel],
) -> Refusal | None:
    """SET's table, row by row: the first refusal. ``fields`` are the SET payload's raw
    integers (``protocol.layouts.SETPOINT`` unpacked), so unknown enum values get here.

    A device that is IDLE refuses with BAD_STATE whatever the channel; while RUNNING a
    channel the device lacks is BAD_CHANNEL and one not started is BAD_STATE. Only the
    channel's own faults are looked at: a device-wide fault forces IDLE (BAD_STATE first).
    """
    number, amp, rate, width, wave, pattern, burst, pulses = fields
    if not running:
        return NakCode.BAD_STATE, 0
    if not 1 <= number <= len(channels):
        return NakCode.BAD_CHANNEL, 1
    ch = channels[number - 1]
    if not ch.enabled:
        return NakCode.BAD_STATE, 0
    if amp > 0 and ch.faults:
        return NakCode.FAULT_LATCHED, 0
    caps = ch.caps
    if amp > caps.max_amplitude_ua:
        return NakCode.OUT_OF_RANGE, 2
    if not caps.rate_min_mhz <= rate <= caps.rate_max_mhz:
        return NakCode.OUT_OF_RANGE, 3
    if not caps.width_min_us <= width <= caps.width_max_us:
        return NakCode.OUT_OF_RANGE, 4
    if wave not in _WAVEFORMS or not caps.waveforms >> wave & 1:
        return NakCode.OUT_OF_RANGE, 5
    if pattern not in _PATTERNS or not caps.patterns >> pattern & 1:
        return NakCode.OUT_OF_RANGE, 6
    if pattern == Pattern.BURST:
        if not caps.burst_rate_min_mhz <= burst <= caps.burst_rate_max_mhz:
            return NakCode.OUT_OF_RANGE, 7
        in_range = caps.pulses_per_burst_min <= pulses <= caps.pulses_per_burst_max
        # a train must be shorter than its period: pulses / rate < 1 / burst_rate
        if not in_range or pulses * burst >= rate:
            return NakCode.OUT_OF_RANGE, 8
        return None
    if burst != 0:
        return NakCode.OUT_OF_RANGE, 7
    if pulses != 0:
        return NakCode.OUT_OF_RANGE, 8
    return None
