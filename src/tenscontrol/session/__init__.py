"""Sessions: the limit chain, ramps, the plan, inbox and tick loop, and the engine that
streams setpoints.

Inside: ``config`` (user caps) -> ``limits`` (the chain and the one setpoint check) ->
``ramps`` and ``overdelivery`` (pure, integer ms and uA) -> ``plan`` -> ``inbox``, ``ticks``,
``output`` -> ``ending`` (output 0, then the record) -> ``engine`` (the run loop, stop paths)
with ``recorder`` and ``logbook``, which write through :mod:`tenscontrol.records` (the log
files and the index).
"""

from typing import TYPE_CHECKING

from tenscontrol.lazy import lazy_exports

if TYPE_CHECKING:
    from tenscontrol.session.config import UserCaps, load_caps
    from tenscontrol.session.engine import SessionEngine
    from tenscontrol.session.events import ChannelSnapshot, Event, SessionResult, Snapshot
    from tenscontrol.session.limits import SessionLimits, build_limits, check_setpoint
    from tenscontrol.session.signals import stop_on_signals

#: Public name -> the module that defines it. Imported on first use (PEP 562): ``tens stop``
#: and ``tens status`` import ``tenscontrol.control.client`` only, and must not pay for the
#: engine and pydantic (~185 ms) to reach a session that is stimulating.
_LAZY = {
    "UserCaps": "config",
    "load_caps": "config",
    "SessionEngine": "engine",
    "ChannelSnapshot": "events",
    "Event": "events",
    "SessionResult": "events",
    "Snapshot": "events",
    "SessionLimits": "limits",
    "build_limits": "limits",
    "check_setpoint": "limits",
    "stop_on_signals": "signals",
}


__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "ChannelSnapshot",
    "Event",
    "SessionEngine",
    "SessionLimits",
    "SessionResult",
    "Snapshot",
    "UserCaps",
    "build_limits",
    "check_setpoint",
    "load_caps",
    "stop_on_signals",
]
