"""The `tens profile` commands end to end, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from profile_helpers import VALID, run, write

from tenscontrol.profiles.schema import ProfileFile

COMMANDS = ("list", "show", "check", "preview", "schema")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_an_example(command: str) -> None:
    result = run("profile", command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "tens profile" in result.output


def test_group_help() -> None:
    result = run("profile", "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_list_table_and_json() -> None:
    table = run("profile", "list")
    assert table.exit_code == 0
    assert "sciatic-leg" in table.stdout
    items = json.loads(run("profile", "list", "--json").stdout)
    names = {i["name"] for i in items}
    assert {"low-back", "calf", "mixed-frequency"} <= names
    assert all(i["verdict"] == "ok" for i in items if i["builtin"])


def test_show_text() -> None:
    result = run("profile", "show", "sciatic-leg")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Channel 2:" in out
    assert "placement:" in out
    assert "Dose, channel 1 at ceiling on 25 cm2" in out
    assert "rms current density" in out
    assert "IEC 60601-2-10" in out


def test_show_json() -> None:
    result = run("profile", "show", "low-back", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["profile"]["channels"][0]["ceiling_ua"] == 50_000
    assert data["profile"]["phases"][0]["rate_mhz"] == 80_000
    assert data["dose_verdict"] == "ok"
    rms = next(r for r in data["dose"] if r["quantity"] == "rms")
    assert rms["unit"] == "mA"


def test_show_a_file_path(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    result = run("profile", "show", str(path))
    assert result.exit_code == 0
    assert "(user file)" in result.stdout


def test_check_ok(tmp_path: Path) -> None:
    result = run("profile", "check", str(write(tmp_path, VALID)))
    assert result.exit_code == 0
    assert "test-profile: dose check ok" in result.stdout


def test_schema_is_the_model_schema() -> None:
    result = run("profile", "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema == ProfileFile.model_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["PhaseFile"]["properties"]["rate_hz"]["maximum"] == 150


def test_preview_text() -> None:
    result = run("profile", "preview", "mixed-frequency", "--until-s", "30", "--width", "30")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("rate (Hz)") for line in lines)
    assert any(line.startswith("amplitude (%)") for line in lines)
    rate_top = next(line for line in lines if line.strip().startswith("100 |"))
    assert rate_top.count("#") == 15  # half the columns are the 100 Hz phase


def test_preview_whole_session_adds_first_minute() -> None:
    result = run("profile", "preview", "calf")
    assert result.exit_code == 0
    assert "first minute:" in result.stdout


def test_preview_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "calf.png"
    result = run("profile", "preview", "calf", "--png", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")


def test_preview_png_without_matplotlib_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes the import fail
    result = run("profile", "preview", "calf", "--png", str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert "--png needs matplotlib" in result.stderr
    assert "tenscontrol[plot]" in result.stderr
    assert "Traceback" not in result.output


def test_readme_example_profile_validates(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Profiles and the dose check", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    result = run("profile", "check", str(write(tmp_path, example, name="my-back.toml")))
    assert result.exit_code == 0, result.output
    assert "my-back: dose check ok" in result.stdout
