"""What ``tens start`` (and ``tens profile check``) say about a mistake in what was typed:
one ``error:`` line that names the option and tells what is wrong (in mA when mA were
typed), exit 2, no port opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from start_helpers import error_lines, isolate, run

from tenscontrol.cli.start import command as start_cmd
from tenscontrol.cli.start.prompts import parse_duration, parse_intensities
from tenscontrol.errors import UserInputError
from tenscontrol.profiles.loader import resolve


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    home = isolate(monkeypatch, tmp_path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a port was opened for bad input")

    monkeypatch.setattr(start_cmd, "open_device", refuse)
    return home


def refusal(*args: str, profile: str = "low-back") -> str:
    result = run("start", "--profile", profile, "--simulate", "--yes", *args)
    assert result.exit_code == 2, result.stderr
    lines = error_lines(result)
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "profile"),
    [
        (("--intensity", "20", "--intensity", "30"), "low-back"),
        (("--intensity", "20", "--intensity", "20"), "low-back"),
        (("--intensity", "1=18", "--intensity", "1=15"), "sciatic-leg"),
        (("--intensity", "15", "--intensity", "2=10"), "sciatic-leg"),
    ],
)
def test_a_channel_given_twice_is_refused_never_the_last_taken(
    home: Path, args: tuple[str, ...], profile: str
) -> None:
    line = refusal(*args, profile=profile)
    assert "--intensity" in line
    assert "channel" in line
    assert "already set" in line


def test_two_channels_given_once_each_are_fine() -> None:
    profile = resolve("sciatic-leg")
    assert parse_intensities(("1=18", "2=15"), profile) == {1: 18_000, 2: 15_000}
    with pytest.raises(UserInputError, match=r"--intensity 30: channel 1 is already set"):
        parse_intensities(("20", "30"), resolve("low-back"))


@pytest.mark.parametrize("length", ["99999h", "31m", "2h", "1801s"])
def test_a_too_long_duration_says_so_with_the_maximum(home: Path, length: str) -> None:
    line = refusal("--duration", length)
    assert f"--duration {length}: too long: at most 30 min" in line
    assert "expected a length" not in line


def test_a_duration_that_is_no_length_says_what_one_looks_like() -> None:
    with pytest.raises(UserInputError, match="expected a length like 20m"):
        parse_duration("20 minutes", resolve("low-back"))


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0.0001", "0.0001 mA is below the smallest step of 0.001 mA"),
        ("20.0001", "20.0001 mA is finer than the smallest step of 0.001 mA"),
    ],
)
def test_a_too_fine_intensity_names_the_resolution(home: Path, value: str, words: str) -> None:
    line = refusal("--intensity", value)
    assert words in line
    assert "not an intensity" not in line


def test_an_intensity_above_the_ceiling_is_told_in_ma(home: Path) -> None:
    line = refusal("--intensity", "60")
    assert "60 mA is above the ceiling of 50 mA of channel 1 of low-back" in line
    assert "uA" not in line


def test_a_user_cap_refusal_is_told_in_ma(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("[caps]\nchannel1_max_ma = 30\n")
    line = refusal("--intensity", "40")
    assert "40 mA is above the user cap of 30 mA" in line
    assert "uA" not in line


def test_profile_check_names_the_resolution_too(home: Path) -> None:
    result = run("profile", "check", "low-back", "--intensity", "0.0001")
    assert result.exit_code == 2
    assert error_lines(result) == [
        "error: --intensity 0.0001: 0.0001 mA is below the smallest step of 0.001 mA (1 uA)"
    ]
