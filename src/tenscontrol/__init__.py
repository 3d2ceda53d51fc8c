"""tenscontrol: a safety-bounded controller for USB TENS pain-relief devices.

The names a script needs are here, imported on first use (so ``tens --help`` and
``tens stop`` pay nothing for them)::

    from tenscontrol import SessionEngine, TensDevice, UserCaps, resolve

    with TensDevice.open("sim://") as device:
        result = SessionEngine(resolve("low-back"), device, intensities_ua={1: 20_000},
                               caps=UserCaps()).run()

Layers, each importing only downward:
``protocol`` (sans-I/O frames) -> ``transport``/``device`` (pyserial driver) ->
``session`` (scheduler, limits; it writes through ``records``, the logs and index) ->
``control`` (a running session's endpoint) -> ``cli``. ``sim`` (the simulated device)
depends on ``protocol`` only. ``hard_limits``, ``errors``, ``clock``, ``waker`` and
``loopback`` are leaves anyone may import. The README's architecture section has the map.
"""

from typing import TYPE_CHECKING

from tenscontrol.lazy import lazy_exports

if TYPE_CHECKING:
    from tenscontrol.device.driver import TensDevice
    from tenscontrol.errors import TensError
    from tenscontrol.profiles.loader import resolve
    from tenscontrol.protocol.messages import Setpoint
    from tenscontrol.records.logreader import read_log
    from tenscontrol.session.config import UserCaps
    from tenscontrol.session.engine import SessionEngine
    from tenscontrol.session.signals import stop_on_signals

# The one place the version lives (pyproject reads it from here): no importlib.metadata
# at import, which would cost ~20 ms of every `tens` start-up.
__version__ = "0.1.0"

#: Public name -> the module that defines it (relative to this package).
_LAZY = {
    "TensDevice": "device.driver",
    "TensError": "errors",
    "resolve": "profiles.loader",
    "Setpoint": "protocol.messages",
    "UserCaps": "session.config",
    "SessionEngine": "session.engine",
    "read_log": "records.logreader",
    "stop_on_signals": "session.signals",
}

__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "SessionEngine",
    "Setpoint",
    "TensDevice",
    "TensError",
    "UserCaps",
    "__version__",
    "read_log",
    "resolve",
    "stop_on_signals",
]
