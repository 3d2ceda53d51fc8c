"""Helpers for the ``tens start`` / ``tens screen`` tests: an isolated data dir and runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from helpers.cli import run as run  # re-exported for the cli tests
from tenscontrol.records.screening import QUESTIONS, Screening, save

FAST = ("--simulate", "--speed", "600", "--yes", "--no-diary", "--duration", "1m")


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh data dir in ``tmp_path``; no TENS_PORT or simulator options from outside."""
    home = tmp_path / "home"
    monkeypatch.setenv("TENS_HOME", str(home))
    for name in ("TENS_PORT", "TENS_SIM_OPTIONS"):
        monkeypatch.delenv(name, raising=False)
    return home


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every stdout line parsed as JSON (fails on a line that is not)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def error_lines(result: Result) -> list[str]:
    """The ``error:`` lines on stderr."""
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def store_passed_screening(home: Path, completed_wall: float) -> None:
    """A passed screening (every answer no) completed at ``completed_wall``."""
    save(Screening(completed_wall, {q: False for q, _, _ in QUESTIONS}), home)
