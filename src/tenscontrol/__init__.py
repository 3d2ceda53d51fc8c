"""tenscontrol: a safety-bounded controller for USB TENS pain-relief devices.

Layers, each importing only downward:
``protocol`` (sans-I/O frames) -> ``transport``/``device`` (pyserial driver) ->
``session`` (scheduler, limits, logs) -> ``cli``. ``sim`` (the simulated device) depends on
``protocol`` only. ``hard_limits`` and ``errors`` are leaves anyone may import.
"""

# The one place the version lives (pyproject reads it from here): no importlib.metadata
# at import, which would cost ~20 ms of every `tens` start-up.
__version__ = "0.1.0"

__all__ = ["__version__"]
