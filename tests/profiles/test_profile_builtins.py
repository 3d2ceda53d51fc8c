"""The built-in profiles: all present, valid, placed, sourced, and within the dose limits."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest

import tenscontrol
from tenscontrol import hard_limits as hl
from tenscontrol.errors import ProfileError
from tenscontrol.profiles.dose import Verdict, check_profile
from tenscontrol.profiles.loader import builtin_dir, discover, load_file, resolve

REQUIRED = (
    "low-back",
    "low-back-modulated",
    "glute-piriformis",
    "sciatic-leg",
    "hamstring",
    "calf",
    "acupuncture-like",
    "mixed-frequency",
)
BUILTINS = sorted(
    p.name.removesuffix(".toml") for p in builtin_dir().iterdir() if p.name.endswith(".toml")
)
ROOT = Path(__file__).resolve().parents[2]


def test_every_required_profile_ships() -> None:
    assert set(REQUIRED) <= set(BUILTINS)
    assert builtin_dir().name in ("profiles", "builtin_profiles")


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_loads_and_passes_the_dose_check_at_its_ceiling(name: str) -> None:
    prof = resolve(name)
    assert prof.builtin
    assert prof.name == name
    report = check_profile(prof)
    assert report.verdict is not Verdict.REFUSE, report.findings(Verdict.REFUSE)
    for channel in prof.channels:
        assert channel.ceiling_ua <= hl.BUILTIN_PROFILE_MAX_AMPLITUDE_UA
        assert "2.5 cm" in channel.placement
        assert "never" in channel.placement.lower()
    assert "docs/safety.md" in prof.source
    assert prof.soft_start_ms >= hl.MIN_SOFT_START_S * 1000


def test_sciatic_leg_has_two_channels_on_the_same_side() -> None:
    prof = resolve("sciatic-leg")
    assert len(prof.channels) == 2
    assert "painful side" in prof.channels[0].placement
    assert "Same leg" in prof.channels[1].placement
    assert "thigh" in prof.channels[1].body_area


def test_low_back_pads_are_never_on_the_midline() -> None:
    for name in ("low-back", "low-back-modulated", "acupuncture-like", "mixed-frequency"):
        placement = resolve(name).channels[0].placement
        assert "never put a pad on the spine itself" in placement
        assert "L4" in placement


def test_a_builtin_above_60_ma_is_refused(tmp_path: Path) -> None:
    text = (
        (builtin_dir() / "low-back.toml").read_text().replace("ceiling_ma = 50", "ceiling_ma = 61")
    )
    path = tmp_path / "low-back.toml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=r"channels\[0\]\.ceiling_ma: built-in profiles may ask"):
        load_file(path, builtin=True)


def test_wheel_ships_the_profiles_folder() -> None:
    """The built-ins are package data, in the package folder the wheel takes whole: no
    force-include copying them in from elsewhere, which a checkout could not see."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["src/tenscontrol"]
    assert "force-include" not in wheel
    in_source = sorted(p.stem for p in (ROOT / "src/tenscontrol/builtin_profiles").glob("*.toml"))
    assert in_source == BUILTINS


def test_builtins_are_found_in_a_zipped_install(tmp_path: Path) -> None:
    """The lookup is package resources only: it works when the package is imported from a
    zip, where a built-in is no file on disk (no ``str(path)`` or ``Path`` assumption)."""
    package = Path(tenscontrol.__file__).parent
    archive = tmp_path / "tenscontrol.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, Path("tenscontrol") / path.relative_to(package))
    script = textwrap.dedent(
        """
        import tenscontrol
        from tenscontrol.profiles.loader import builtin_dir, discover, resolve
        assert ".zip" in tenscontrol.__file__, tenscontrol.__file__
        assert not isinstance(builtin_dir(), __import__("pathlib").Path)
        print(" ".join(e.name for e in discover() if e.builtin))
        profile = resolve("low-back")
        print(profile.name, profile.builtin, profile.path)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(archive), "TENS_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    names, loaded = result.stdout.splitlines()
    assert names.split() == BUILTINS
    assert loaded == f"low-back True {archive / 'tenscontrol/builtin_profiles/low-back.toml'}"


def test_discover_lists_builtins_first() -> None:
    entries = discover()
    assert [e.name for e in entries if e.builtin] == BUILTINS
