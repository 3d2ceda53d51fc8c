"""pytest plugin of mutation runs (tools/mutation.py): the fastest tests first.

mutmut stops a mutant's run at its first failing test, so a killed mutant costs only the
tests before the one that kills it; running the quick ones first finds most kills in
seconds instead of after a 20 s test. Durations come from mutmut's own stats of the clean
run (``mutmut-stats.json`` in the folder it runs pytest in); before they exist the order
is left alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

STATS = Path("mutmut-stats.json")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Sort the selected tests by their duration in the clean run, shortest first."""
    if not STATS.exists():
        return
    durations: dict[str, float] = json.loads(STATS.read_text())["duration_by_test"]
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
