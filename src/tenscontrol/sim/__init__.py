"""The simulated TENS device: a model of the firmware of firmware_protocol.md.

Reachable three ways:

- in-process, on a clock of the caller's: ``open_simulator(options, clock=...)`` returns a
  pyserial-compatible port whose far end is a fresh simulated device;
- in-process by URL: ``sim://?seed=1&corrupt_rate=0.001`` through ``serial.serial_for_url``
  once ``tenscontrol.transport.register_simulator()`` has run (``open_port`` does that),
  with ``clock=NAME`` naming a clock given to :func:`register_clock`;
- as a separate process: ``python -m tenscontrol.sim --pty`` or ``--tcp 127.0.0.1:PORT``
  (``tens simulate`` is the same program), whose first stdout line names the port.

Depends only on :mod:`tenscontrol.protocol`, the leaf modules (clock, hard_limits, errors)
and pyserial.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from tenscontrol.sim.clocks import lookup_clock, register_clock, unregister_clock

if TYPE_CHECKING:
    from tenscontrol.sim.faults import SimOptions, parse_query
    from tenscontrol.sim.protocol_sim import open_simulator

#: Names imported on first use, so that ``import tenscontrol.sim`` (``tens start`` does it
#: for the clock registry, simulator or not) costs no model, link or option parser.
_LAZY = {
    "SimOptions": "tenscontrol.sim.faults",
    "parse_query": "tenscontrol.sim.faults",
    "open_simulator": "tenscontrol.sim.protocol_sim",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "SimOptions",
    "lookup_clock",
    "open_simulator",
    "parse_query",
    "register_clock",
    "unregister_clock",
]
