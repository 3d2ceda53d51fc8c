"""The telemetry monitor at its edges (issue 17): a jump of exactly half the sequence space,
an uptime that drops from exactly the start of its wrap window, a first frame at uptime 0,
and a monitor that starts disarmed."""

from __future__ import annotations

from tenscontrol.device.telemetry_monitor import FaultVerdict, TelemetryMonitor
from tenscontrol.protocol import DeviceState, Fault, Telemetry

WRAP_MS = 1 << 32
WINDOW_MS = 60_000


def telemetry(uptime_ms: int = 1_000, state: DeviceState = DeviceState.RUNNING) -> Telemetry:
    return Telemetry(state, Fault(0), 3_900, 80, uptime_ms, 0, ())


def test_a_monitor_starts_disarmed_and_a_first_frame_at_uptime_0_is_no_reset() -> None:
    monitor = TelemetryMonitor()
    assert monitor.armed is False
    assert monitor.observe(1, telemetry(uptime_ms=0)) is FaultVerdict.NONE


def test_a_jump_of_less_than_half_the_sequence_space_is_lost_frames_half_is_the_past() -> None:
    monitor = TelemetryMonitor()
    monitor.observe(0, telemetry())
    monitor.observe(0x8000, telemetry())  # 32_767 frames missing: counted
    assert monitor.lost == 0x7FFF
    monitor.observe(0x10000 - 1, telemetry())  # 32_766 more
    assert monitor.lost == 0x7FFF + 0x7FFE
    fresh = TelemetryMonitor()
    fresh.observe(0, telemetry())
    fresh.observe(0x8001, telemetry())  # a gap of exactly 32_768: taken as from the past
    assert fresh.lost == 0


def test_an_uptime_drop_from_the_start_of_the_wrap_window_is_a_wrap_just_before_a_reset() -> None:
    wrap = TelemetryMonitor()
    wrap.observe(1, telemetry(uptime_ms=WRAP_MS - WINDOW_MS))
    assert wrap.observe(2, telemetry(uptime_ms=5)) is FaultVerdict.NONE
    reset = TelemetryMonitor()
    reset.observe(1, telemetry(uptime_ms=WRAP_MS - WINDOW_MS - 1))
    assert reset.observe(2, telemetry(uptime_ms=5)) is FaultVerdict.RESET
