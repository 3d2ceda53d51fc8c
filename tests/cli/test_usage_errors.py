"""click's own usage errors are the documented ``error:`` line (plus one ``hint:`` line),
exit 2, never ``Error:`` with a usage block; and ``tens --help``'s "try it out" example runs
as printed, at once, without a question."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from start_helpers import isolate

from tenscontrol.cli.main import cli

TENS = str(Path(sys.executable).with_name("tens"))


@pytest.mark.parametrize(
    ("args", "error", "hint"),
    [
        (["start"], "error: missing option '--profile'", "hint: try `tens start --help`"),
        (["start", "--bogus"], "error: no such option '--bogus'", "hint: try `tens start --help`"),
        (
            ["export", "--format", "xml"],
            "error: invalid value for '--format': 'xml' is not one of 'csv', 'jsonl', 'fhir'",
            "hint: try `tens export --help`",
        ),
        (
            ["start", "--profile", "low-back", "--speed", "fast"],
            "error: invalid value for '--speed': 'fast' is not a valid float",
            "hint: try `tens start --help`",
        ),
        (
            ["profile", "show"],
            "error: missing argument 'NAME'",
            "hint: try `tens profile show --help`",
        ),
        (["frobnicate"], "error: no such command 'frobnicate'", "hint: try `tens --help`"),
        (["--frobnicate"], "error: no such option '--frobnicate'", "hint: try `tens --help`"),
    ],
)
def test_usage_errors_are_one_error_line_and_a_hint(
    args: list[str], error: str, hint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate(monkeypatch, tmp_path)
    result = CliRunner().invoke(cli, args, prog_name="tens")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [error, hint]


def test_the_console_script_says_the_same(tmp_path: Path) -> None:
    env = {**os.environ, "TENS_HOME": str(tmp_path)}
    done = subprocess.run(
        [TENS, "start"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: missing option '--profile'",
        "hint: try `tens start --help`",
    ]


def try_it_out_example() -> list[str]:
    """The first example of ``tens --help``, as printed there."""
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    lines = result.output.split("Example", 1)[1].splitlines()
    assert "try it out" in lines[0]
    return shlex.split(lines[1].split("#", 1)[0])


def test_the_help_example_is_a_short_simulated_session_without_a_question() -> None:
    args = try_it_out_example()
    assert args[0] == "tens"
    assert "--simulate" in args
    assert "--yes" in args
    assert "--speed" in args


def test_the_help_example_runs_as_printed(tmp_path: Path) -> None:
    """The exact command, in a fresh process with no terminal and nothing on stdin: it must
    neither ask nor wait, and finish in seconds."""
    args = try_it_out_example()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TENS_")},
        "TENS_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [TENS, *args[1:]],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "session ended: completed" in done.stdout
    assert "start now?" not in done.stdout + done.stderr
