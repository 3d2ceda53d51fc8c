"""tenscontrol: a safety-bounded controller for USB TENS pain-relief devices.

Layers, each importing only downward:
``protocol`` (sans-I/O frames) -> ``transport``/``device`` (pyserial driver) ->
``session`` (scheduler, limits, logs) -> ``cli``. ``sim`` (the simulated device) depends on
``protocol`` only. ``hard_limits`` and ``errors`` are leaves anyone may import.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tenscontrol")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
