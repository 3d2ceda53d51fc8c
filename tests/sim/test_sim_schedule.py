"""The injection schedule: time order, and a fixed order of kinds at the same instant."""

from __future__ import annotations

from tenscontrol.sim.faults import LeadChange, OverDeliver, SimOptions, parse_options
from tenscontrol.sim.schedule import Injection, InjectionKind, InjectionSchedule, build_schedule


def test_same_instant_injections_run_in_the_kinds_order() -> None:
    options = SimOptions(
        lead_changes=(LeadChange(2, 1_000, off=True), LeadChange(1, 1_000, off=False)),
        overdeliver=(OverDeliver(1, 1_000, 30),),
        low_battery_at_us=1_000,
        reboot_at_us=1_000,
        unplug_at_us=1_000,
    )
    assert build_schedule(options) == (
        Injection(1_000, InjectionKind.LEAD_OFF, 2),
        Injection(1_000, InjectionKind.LEAD_ON, 1),
        Injection(1_000, InjectionKind.OVERDELIVER, 1, 30),
        Injection(1_000, InjectionKind.LOW_BATTERY),
        Injection(1_000, InjectionKind.REBOOT),
        Injection(1_000, InjectionKind.UNPLUG),
    )


def test_injections_come_in_time_order() -> None:
    options = parse_options(
        [("unplug_at", "1"), ("lead_off", "1@3"), ("reboot_at", "2"), ("lead_on", "1@0.5")]
    )
    assert [(i.at_us, i.kind) for i in build_schedule(options)] == [
        (500_000, InjectionKind.LEAD_ON),
        (1_000_000, InjectionKind.UNPLUG),
        (2_000_000, InjectionKind.REBOOT),
        (3_000_000, InjectionKind.LEAD_OFF),
    ]


def test_the_schedule_hands_out_what_is_due() -> None:
    schedule = InjectionSchedule(parse_options([("reboot_at", "2"), ("unplug_at", "2")]))
    assert schedule.next_us == 2_000_000
    assert schedule.pop_due(1_999_999) is None
    first = schedule.pop_due(2_000_000)
    second = schedule.pop_due(2_000_000)
    assert first is not None
    assert first.kind is InjectionKind.REBOOT
    assert second is not None
    assert second.kind is InjectionKind.UNPLUG
    assert schedule.pop_due(10**9) is None
    assert schedule.next_us is None
    assert InjectionSchedule(SimOptions()).next_us is None
