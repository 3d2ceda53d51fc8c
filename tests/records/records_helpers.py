"""Helpers for the records tests: session logs in an isolated data folder, and ``tens`` run
where file modes bind even for root. (Fixtures live in each test module: a second
conftest.py would be a second top-level ``conftest`` module to mypy.)"""

from __future__ import annotations

import ctypes
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.processes import tens
from tenscontrol.records import index
from tenscontrol.records.logwriter import SessionLogWriter

#: Runs ``tens ARGS`` in a child process with this environment, to its end.
Tens = Callable[..., "subprocess.CompletedProcess[str]"]

#: Unix time of the first fixture session (2030-01-01 00:00 UTC); one a day after it.
FIRST_WALL = 1_893_456_000.0
#: prctl(2) option and the capabilities that let root ignore file modes (linux/capability.h).
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2


def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this test a fresh process as far as "warn once per command" is concerned."""
    monkeypatch.setattr(index, "_told_unusable", set())


def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated data folder (also ``TENS_HOME``), not created yet."""
    folder = tmp_path / "home"
    monkeypatch.setenv("TENS_HOME", str(folder))
    return folder


def write_log(home: Path, day: int, *, profile: str = "low-back", pain: bool = False) -> str:
    """A finished 3 s session ``day`` days after :data:`FIRST_WALL`, written by the
    product's own writer (with a pain diary entry when ``pain``); its id."""
    started = FIRST_WALL + day * 86_400
    writer = SessionLogWriter.create(f"2030010{1 + day}T000000Z-{profile}", home)
    header = {
        "type": "header",
        "schema": 1,
        "session_id": writer.session_id,
        "started_wall": started,
        "simulated": True,
        "profile": {"name": profile, "builtin": True},
        "device": {"model": "SIM", "serial_number": "S1", "firmware": "1.0"},
        "limits": {"1": {"ceiling_ua": 50_000}},
    }
    writer.write(header, sync=True)
    writer.write({"type": "event", "t_ms": 0, "event": "start", "channels": [1]}, sync=True)
    delivered = {"1": 3_000}
    writer.write(
        {"type": "event", "t_ms": 1_000, "event": "telemetry", "delivered_ua": delivered},
        sync=False,
    )
    summary: dict[str, object] = {"type": "summary", "reason": "completed", "duration_ms": 3_000}
    summary |= {"max_delivered_ua": delivered, "ended_wall": started + 3.0}
    writer.write(summary, sync=True)
    if pain:
        pain_event: dict[str, object] = {
            "type": "event",
            "t_ms": 3_000,
            "event": "pain",
            "before": 6,
            "after": 3,
        }
        writer.write(pain_event, sync=True)
    writer.close()
    return writer.session_id


def three_logged(home: Path) -> list[str]:
    """Three session logs in ``home`` (the first with pain scores in its log) and an index
    built from them; their ids."""
    ids = [write_log(home, day, pain=day == 0) for day in range(3)]
    index.rebuild(home)
    return ids


def _drop_file_overrides() -> None:
    """In a child of root: drop the capabilities that ignore file modes, so a 0400 file or
    a 0500 folder is as read-only to it as to anyone (the bounding set decides what the
    exec-ed program gets)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _can_drop_overrides() -> bool:
    try:
        done = subprocess.run(["true"], preexec_fn=_drop_file_overrides, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def tens_bound_by_modes() -> Tens:
    """Runs ``tens`` in a child process for which file modes bind: as root, without
    CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (root ignores modes otherwise); as anyone else,
    as it is. Skips when root cannot drop them (no CAP_SETPCAP)."""
    root = os.geteuid() == 0
    if root and not _can_drop_overrides():
        pytest.skip("root without CAP_SETPCAP: file modes cannot be made to bind")

    def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return tens(env, *args, preexec=_drop_file_overrides if root else None)

    return run
