"""The injected faults of one simulated device, as a schedule in device time.

:func:`build_schedule` turns :class:`~tenscontrol.sim.faults.SimOptions` into
:class:`Injection` items in the order they happen: by time, and at the same instant in the
order of :class:`InjectionKind`'s members (lead changes in the order given, then
over-delivery, low battery, internal fault, reboot, unplug): an unplug at the same instant
as anything else comes last. Times are integer microseconds since power-on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tenscontrol.sim.faults import SimOptions


class InjectionKind(Enum):
    """What an injection does. Members are in the order same-instant injections run."""

    LEAD_OFF = "lead_off"
    LEAD_ON = "lead_on"
    OVERDELIVER = "overdeliver"
    LOW_BATTERY = "low_battery"
    INTERNAL_FAULT = "internal_fault"
    REBOOT = "reboot"
    UNPLUG = "unplug"


@dataclass(frozen=True, slots=True)
class Injection:
    """One injected event at ``at_us``. ``channel`` (1-based) and ``percent`` (over-delivery
    above commanded) only for the kinds that have them, else 0."""

    at_us: int
    kind: InjectionKind
    channel: int = 0
    percent: int = 0


def build_schedule(options: SimOptions) -> tuple[Injection, ...]:
    """Every injection of ``options``, in the order they run."""
    items = [
        Injection(
            lead.at_us,
            InjectionKind.LEAD_OFF if lead.off else InjectionKind.LEAD_ON,
            lead.channel,
        )
        for lead in options.lead_changes
    ]
    items += [
        Injection(over.at_us, InjectionKind.OVERDELIVER, over.channel, over.percent)
        for over in options.overdeliver
    ]
    singles = (
        (options.low_battery_at_us, InjectionKind.LOW_BATTERY),
        (options.internal_fault_at_us, InjectionKind.INTERNAL_FAULT),
        (options.reboot_at_us, InjectionKind.REBOOT),
        (options.unplug_at_us, InjectionKind.UNPLUG),
    )
    items += [Injection(at_us, kind) for at_us, kind in singles if at_us is not None]
    # A stable sort by time alone: same-instant items keep the order they were listed in.
    return tuple(sorted(items, key=lambda item: item.at_us))


class InjectionSchedule:
    """The injections still to come; :attr:`next_us` is when the next one is due."""

    def __init__(self, options: SimOptions) -> None:
        self._items = build_schedule(options)
        self._index = 0
        #: Device time of the next injection (us), or None when none is left.
        self.next_us: int | None = self._items[0].at_us if self._items else None

    def pop_due(self, t_us: int) -> Injection | None:
        """The next injection if it is due at or before ``t_us`` (then it is done), else None."""
        if self.next_us is None or self.next_us > t_us:
            return None
        item = self._items[self._index]
        self._index += 1
        self.next_us = self._items[self._index].at_us if self._index < len(self._items) else None
        return item
