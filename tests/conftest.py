"""Suite-wide rules.

Under ``CI=true`` nothing may be skipped for want of a tool (tmux, matplotlib, ...): such a
skip is reported as a failure, so a CI machine that lacks a tool cannot pass by testing
less. The one skip CI keeps is real hardware (``TENS_TEST_PORT``), which no CI machine has.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

#: Skip reasons that CI accepts: only a real device, which CI cannot have.
ALLOWED_IN_CI = ("TENS_TEST_PORT",)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A skip under CI=true, for any reason but :data:`ALLOWED_IN_CI`, is a failure."""
    report = yield
    if os.environ.get("CI") != "true" or not report.skipped:
        return report
    longrepr = report.longrepr
    reason = str(longrepr[-1]) if isinstance(longrepr, tuple) else str(longrepr)
    if not any(allowed in reason for allowed in ALLOWED_IN_CI):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must run everything: {reason}"
    return report
