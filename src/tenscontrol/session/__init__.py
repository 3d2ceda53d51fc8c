"""Sessions: the limit chain, ramps, the engine that streams setpoints, and session logs.

Layers: ``paths``/``config`` -> ``limits`` (the chain and the one setpoint check) ->
``ramps`` and ``overdelivery`` (pure, integer ms and uA) -> ``engine`` (the run loop, stop
paths) with ``recorder`` -> ``logwriter``; ``logreader`` and ``index`` read the logs back.
"""

from tenscontrol.session.config import UserCaps, load_caps
from tenscontrol.session.engine import SessionEngine
from tenscontrol.session.events import ChannelSnapshot, Event, SessionResult, Snapshot
from tenscontrol.session.limits import SessionLimits, build_limits, check_setpoint
from tenscontrol.session.logreader import SessionRecord, read_log
from tenscontrol.session.paths import data_dir
from tenscontrol.session.signals import stop_on_signals

__all__ = [
    "ChannelSnapshot",
    "Event",
    "SessionEngine",
    "SessionLimits",
    "SessionRecord",
    "SessionResult",
    "Snapshot",
    "UserCaps",
    "build_limits",
    "check_setpoint",
    "data_dir",
    "load_caps",
    "read_log",
    "stop_on_signals",
]
