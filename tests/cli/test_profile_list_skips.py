"""``tens profile list`` says what it skipped in the profiles folder: one warning line on
stderr per ``*.toml`` entry that is not a regular file, naming it and why; never blocking on
a named pipe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tenscontrol.cli.main import cli
from tenscontrol.profiles.loader import builtin_dir


def listed(home: Path, *args: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(cli, ["profile", "list", *args], env={"TENS_HOME": str(home)})
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    return result.exit_code, warnings, result.stdout


def test_each_skipped_entry_is_one_warning_naming_it_and_why(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    mine = (builtin_dir() / "low-back.toml").read_text().replace('"low-back"', '"mine"', 1)
    (folder / "mine.toml").write_text(mine)
    os.mkfifo(folder / "pipe.toml")  # opening it would block: it must not be opened
    (folder / "folder.toml").mkdir()
    (folder / "dangling.toml").symlink_to(tmp_path / "nowhere")
    (folder / "notes.txt").write_text("not a profile, and not a .toml: no word about it")
    code, warnings, stdout = listed(tmp_path)
    assert code == 0
    assert warnings == [
        f"warning: skipped {folder / 'dangling.toml'}: a broken symbolic link, not a regular file",
        f"warning: skipped {folder / 'folder.toml'}: a folder, not a regular file",
        f"warning: skipped {folder / 'pipe.toml'}: a named pipe (FIFO), not a regular file",
    ]
    assert "mine" in stdout


def test_json_output_stays_clean_and_the_warnings_go_to_stderr(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "folder.toml").mkdir()
    code, warnings, stdout = listed(tmp_path, "--json")
    assert code == 0
    assert len(warnings) == 1
    assert stdout.lstrip().startswith("[")


@pytest.mark.parametrize("made", [False, True])
def test_nothing_to_skip_says_nothing(tmp_path: Path, made: bool) -> None:
    if made:
        (tmp_path / "profiles").mkdir()
    code, warnings, _ = listed(tmp_path)
    assert code == 0
    assert warnings == []
