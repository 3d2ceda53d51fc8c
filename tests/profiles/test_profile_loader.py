"""Where profiles come from: built-ins, the user folder, paths, and name clashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from profile_helpers import VALID, run, write

from tenscontrol.errors import ProfileError
from tenscontrol.profiles.loader import builtin_dir, field_path, resolve, user_dir


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A TENS_HOME with an empty profiles folder."""
    monkeypatch.setenv("TENS_HOME", str(tmp_path))
    folder = tmp_path / "profiles"
    folder.mkdir()
    return folder


def test_user_dir_follows_tens_home(home: Path) -> None:
    assert user_dir() == home


def test_user_dir_default_is_platform_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENS_HOME", raising=False)
    assert user_dir().parts[-2:] == ("tenscontrol", "profiles")


def test_user_profile_found_by_name(home: Path) -> None:
    write(home, VALID)
    prof = resolve("test-profile")
    assert not prof.builtin
    assert prof.path == home / "test-profile.toml"


def test_builtin_wins_a_name_clash_and_both_files_are_named(home: Path) -> None:
    write(home, VALID.replace('"test-profile"', '"low-back"'), name="low-back.toml")
    warnings: list[str] = []
    prof = resolve("low-back", warn=warnings.append)
    assert prof.builtin
    assert len(warnings) == 1
    assert str(home / "low-back.toml") in warnings[0]
    assert str(builtin_dir() / "low-back.toml") in warnings[0]
    # The user's file is still usable by its path.
    assert not resolve(str(home / "low-back.toml")).builtin


def test_clash_is_shown_by_list_and_show(home: Path) -> None:
    write(home, VALID.replace('"test-profile"', '"calf"'), name="calf.toml")
    listed = run("profile", "list")
    assert listed.exit_code == 0
    assert "same name as built-in profile" in listed.stderr
    shown = run("profile", "show", "calf")
    assert shown.exit_code == 0
    assert "using the built-in" in shown.stderr
    assert "(built-in)" in shown.stdout


def test_user_file_name_must_match(home: Path) -> None:
    path = write(home, VALID, name="other.toml")
    with pytest.raises(ProfileError, match=r"must match the file name 'other\.toml'"):
        resolve("other")
    assert path.exists()


def test_invalid_user_profile_is_reported_by_list(home: Path) -> None:
    write(home, VALID.replace("rate_hz = 100", "rate_hz = -3"))
    result = run("profile", "list", "--json")
    assert result.exit_code == 0
    items = {item["name"]: item for item in json.loads(result.stdout)}
    assert items["test-profile"]["valid"] is False
    assert "phases[0].rate_hz" in result.stderr
    assert items["low-back"]["valid"] is True


def test_unknown_name(home: Path) -> None:
    result = run("profile", "show", "no-such-profile")
    assert result.exit_code == 2
    assert "no profile named 'no-such-profile'" in result.stderr
    assert "hint:" in result.stderr


@pytest.mark.parametrize("ref", ["..", "../low-back", "..\\x", "Low Back"])
def test_bad_names_on_the_command_line(home: Path, ref: str) -> None:
    result = run("profile", "show", ref)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_file_in_cwd_does_not_shadow_a_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "low-back").write_text("garbage")
    assert resolve("low-back").builtin


def test_field_path_format() -> None:
    assert field_path(("phases", 1, "rate_hz")) == "phases[1].rate_hz"
    assert field_path(("channels", 0, "modulation", "kind")) == "channels[0].modulation.kind"
    assert field_path(()) == "(top level)"
