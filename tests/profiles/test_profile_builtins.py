"""The built-in profiles: all present, valid, placed, sourced, and within the dose limits."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

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
BUILTINS = sorted(p.stem for p in builtin_dir().glob("*.toml"))


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
    assert "tens-facts.md" in prof.source
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
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    force = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["profiles"] == "tenscontrol/builtin_profiles"


def test_discover_lists_builtins_first() -> None:
    entries = discover()
    assert [e.name for e in entries if e.builtin] == BUILTINS
