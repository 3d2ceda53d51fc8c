"""Device duties a host cannot provoke: a person checks them with the device, a load and a
few minutes. Each is listed as ``manual`` with its instructions, never passed silently."""

from __future__ import annotations

from tenscontrol.conformance.bench import Bench
from tenscontrol.conformance.results import Check, Kind, Outcome, manual

CHECKS: list[Check] = []


def _manual(id: str, section: str, title: str, instructions: str) -> None:
    def run(bench: Bench) -> Outcome:
        return manual(instructions)

    CHECKS.append(Check(id, section, title, run, Kind.MANUAL, instructions))


_manual(
    "manual.lead-off",
    "7",
    "Lead-off zeroes the channel, latches LEAD_OFF, refuses START",
    "run channel 1 at 1 mA into the load, then disconnect the load: within 10 ms TELEMETRY "
    "shows lead OFF, LEAD_OFF latched, channel 1 at 0 uA (the other channels unchanged); "
    "START naming channel 1 is NAK LEAD_OFF field 1 while it is off; reconnect it: it "
    "stays at 0 uA until a START names it",
)
_manual(
    "manual.low-battery",
    "4.3",
    "Low battery zeroes all output; START refused below the restart level",
    "run from a bench supply in place of the battery at 1 mA and lower it below the "
    "sustain level: all output 0, LOW_BATTERY latched, IDLE; START is NAK LOW_BATTERY "
    "field 0 until the supply is at or above the restart level, then START clears it",
)
_manual(
    "manual.internal",
    "4.3",
    "A failed self-test latches INTERNAL; START refused with NAK INTERNAL",
    "with the firmware's self-test made to fail (a test build, or the hardware fault it "
    "detects): START is NAK INTERNAL field 0, output stays 0, INTERNAL stays latched; once "
    "the self-test passes, START clears it",
)
_manual(
    "manual.power-cycle",
    "4.10",
    "After a reset: BOOT first, output 0, IDLE, version 1",
    "run channel 1 at 1 mA, then unplug and replug the device (or reset it) while a "
    "terminal holds the port: BOOT comes first (or right before the first answer, if held), "
    "uptime starts again from 0, output 0, IDLE, and HELLO is needed again",
)
_manual(
    "manual.over-current",
    "7",
    "Delivered above max_amplitude_ua latches OVER_CURRENT at once",
    "with a fault fixture that makes the output stage deliver more than the channel's "
    "max_amplitude_ua (or a test build with that limit lowered below 2 mA): the channel "
    "goes to 0 at once, OVER_CURRENT latched, an event TELEMETRY within 10 ms",
)
_manual(
    "manual.usb-identity",
    "1",
    "USB VID:PID 1209:7e4e, serial string = IDENTITY serial",
    "`tens devices --all` lists the device as 1209:7e4e, and its USB serial number string "
    "is the serial number IDENTITY reports (shown at the top of this report)",
)
