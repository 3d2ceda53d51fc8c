"""Fixtures of the fault-survival tests: a test's own data folder and the environment of
its children, the simulator's event log, and the three-process rig (``tens simulate --pty``,
``tens start`` on its pty, and this process looking at both)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from survival.survival_helpers import Controller, PtyRig, child_env, on_pty_simulator


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The test's data folder (``TENS_HOME`` of its children), not created yet."""
    return tmp_path / "home"


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """The environment of a child ``tens`` using ``home``."""
    return child_env(home)


@pytest.fixture
def sim_log(tmp_path: Path) -> Path:
    """Where the simulator writes its JSONL event log (the ground truth), not created yet."""
    return tmp_path / "sim.jsonl"


@pytest.fixture
def pty_rig(env: dict[str, str], sim_log: Path) -> PtyRig:
    """:func:`on_pty_simulator` with ``env`` and ``sim_log``. It stays a context manager, not
    a fixture that yields a controller: the tests read the simulator's log after the block,
    once the simulator is stopped and its log complete."""

    def rig(sim_args: tuple[str, ...] = (), *args: str) -> AbstractContextManager[Controller]:
        return on_pty_simulator(env, sim_log, sim_args, *args)

    return rig
