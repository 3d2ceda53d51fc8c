"""Fixtures of the records tests: an isolated data folder, logs in it, and a fresh
"warn once" state for every test."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.processes import child_env
from records.records_helpers import fresh_process, isolated_home, three_logged


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test is a fresh process for the index's warn-once state."""
    fresh_process(monkeypatch)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated data folder (also ``TENS_HOME``), not created yet."""
    return isolated_home(tmp_path, monkeypatch)


@pytest.fixture
def logged(home: Path) -> list[str]:
    """Three session logs in ``home`` and an index built from them; their ids."""
    return three_logged(home)


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """The environment of a child ``tens`` using ``home``."""
    return child_env(home)
