"""The words a person reads when a stop is not confirmed or a fault ends the session: the
evidence of the judged frame, the lost port, and every fatal fault named (issue 17)."""

from __future__ import annotations

from tenscontrol.device.stop_check import StopCheck, StopVerdict
from tenscontrol.device.telemetry_monitor import fatal_fault_error
from tenscontrol.errors import DeviceFault
from tenscontrol.protocol import ChannelTelemetry, DeviceState, Fault, Lead, Telemetry


def frame(state: DeviceState, faults: Fault, *channels_ua: tuple[int, int]) -> Telemetry:
    """A TELEMETRY with one channel per ``(setpoint_ua, delivered_ua)``."""
    channels = tuple(
        ChannelTelemetry(set_ua, ua, Lead.OK, 820, Fault.NONE) for set_ua, ua in channels_ua
    )
    return Telemetry(state, faults, 3_950, 87, 1_000, 0, channels)


def test_the_evidence_of_an_unconfirmed_stop_lists_state_and_every_channel_with_output() -> None:
    check = StopCheck()
    check.acked()
    check.observe(frame(DeviceState.RUNNING, Fault.NONE, (1_000, 900), (0, 0), (0, 5)))
    assert check.verdict is StopVerdict.OUTPUT_ON
    assert check.evidence == (
        "state RUNNING; channel 1: setpoint 1000 uA, delivered 900 uA;"
        " channel 3: setpoint 0 uA, delivered 5 uA"
    )


def test_the_evidence_of_an_idle_device_still_delivering_names_only_the_channel() -> None:
    check = StopCheck()
    check.acked()
    check.observe(frame(DeviceState.IDLE, Fault.NONE, (0, 0), (0, 7)))
    assert check.evidence == "channel 2: setpoint 0 uA, delivered 7 uA"


def test_a_confirmed_stop_has_no_evidence_to_show() -> None:
    check = StopCheck()
    check.acked()
    check.observe(frame(DeviceState.IDLE, Fault.NONE, (0, 0)))
    assert (check.verdict, check.evidence, check.done.is_set()) == (
        StopVerdict.CONFIRMED,
        "",
        True,
    )


def test_a_lost_port_says_so() -> None:
    check = StopCheck()
    check.acked()
    check.lost()
    assert (check.verdict, check.evidence) == (StopVerdict.LINK_LOST, "the port went away")
    check.lost()  # a second loss changes nothing
    assert check.done.is_set()


def test_a_fatal_fault_is_named_in_words() -> None:
    error = fatal_fault_error(
        frame(DeviceState.IDLE, Fault.OVER_DELIVERY | Fault.LOW_BATTERY | Fault.LEAD_OFF)
    )
    assert isinstance(error, DeviceFault)
    assert str(error) == "the device latched OVER_DELIVERY, LOW_BATTERY"
    assert error.faults == ("OVER_DELIVERY", "LOW_BATTERY")
