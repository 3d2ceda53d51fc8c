"""The device conformance suite of firmware_protocol.md (``tens conformance``).

One check per device duty a host can test, each with a stable id and the spec section it
tests, run frame by frame through the reference host (:mod:`.host`) and the real codec,
never through the driver. :func:`run_suite` runs them on an open port; ``CHECKS`` lists
them in order. Depends on :mod:`tenscontrol.protocol`, :mod:`tenscontrol.transport` (for
the errors a port raises) and the leaf modules only.
"""

from tenscontrol.conformance.catalogue import CHECKS, select
from tenscontrol.conformance.limits import CONFORMANCE_MAX_UA
from tenscontrol.conformance.results import Check, CheckResult, Kind, Result
from tenscontrol.conformance.runner import Report, Suite, run_suite

__all__ = [
    "CHECKS",
    "CONFORMANCE_MAX_UA",
    "Check",
    "CheckResult",
    "Kind",
    "Report",
    "Result",
    "Suite",
    "run_suite",
    "select",
]
