"""Shared helpers for the profile tests: a valid profile text and ways to break it."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from helpers.cli import run as run  # re-exported for the profile tests
from tenscontrol.profiles.model import Profile
from tenscontrol.profiles.schema import ProfileFile

DATA = Path(__file__).resolve().parents[1] / "data"

VALID = """\
name = "test-profile"
title = "Test profile"
description = "A profile for tests."
source = "docs/safety.md worked example"
duration_min = 30
soft_start_s = 10
channel_count = 1

[[channels]]
body_area = "low back"
placement = "Either side of the spine at L4-S1, never on the midline, pads 2.5 cm apart."
pad_area_cm2 = 25
ceiling_ma = 50

[[phases]]
duration_s = 1800
rate_hz = 100
phase_width_us = 200
waveform = "symmetric_biphasic"
pattern = "continuous"
"""


def valid_dict() -> dict[str, Any]:
    """The valid profile as a fresh, mutable dict."""
    return tomllib.loads(VALID)


def write(tmp_path: Path, text: str | bytes, name: str = "test-profile.toml") -> Path:
    """Write a profile file (text or raw bytes) and return its path."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def replace(old: str, new: str) -> str:
    """The valid text with one exact line replaced (fails loudly if it is not there)."""
    if old not in VALID:
        raise KeyError(old)
    return VALID.replace(old, new, 1)


def profile_from(data: dict[str, Any]) -> Profile:
    """Validate a dict and convert it to an integer-unit profile."""
    from tenscontrol.profiles.model import to_profile

    return to_profile(ProfileFile.model_validate(data))


def one_phase(**phase: Any) -> Profile:
    """A valid one-channel profile whose single phase takes these keys (plus defaults)."""
    data = valid_dict()
    base = data["phases"][0]
    base.update(phase)
    data["phases"] = [base]
    return profile_from(data)
