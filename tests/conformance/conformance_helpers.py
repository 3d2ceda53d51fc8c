"""Running the suite in this process on a simulated device in virtual time: a whole run
costs a fraction of a second of real time and is the same every time."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from conformance.defective import FilterPort
from tenscontrol import sim
from tenscontrol.clock import VirtualClock
from tenscontrol.conformance import Report, Result, run_suite
from tenscontrol.protocol import Identity
from tenscontrol.sim.protocol_sim import Serial as SimSerial

#: The simulator options every run uses: over-delivery on channel 2, for those checks.
OVERDELIVER = "overdeliver=2@0:50"


def virtual_sim(query: str = OVERDELIVER) -> SimSerial:
    """A fresh simulated device on a virtual clock of its own."""
    return sim.open_simulator(sim.parse_query(query), clock=VirtualClock())


def run_virtual(
    port: SimSerial | FilterPort,
    *,
    only: Sequence[str] = (),
    confirm: Callable[[Identity], bool] = lambda identity: True,
) -> Report:
    """The suite on ``port`` (a simulator, or a defect in front of one), in virtual time."""
    inner = port.inner if isinstance(port, FilterPort) else port
    return run_suite(
        port, port_name="sim://", confirm=confirm, only=only, now=inner.clock.monotonic
    )


def failed(report: Report) -> set[str]:
    """Ids of the checks that failed."""
    return {r.check.id for r in report.results if r.result is Result.FAIL}


def results(report: Report) -> dict[str, Result]:
    """Each check's result by id."""
    return {r.check.id: r.result for r in report.results}
