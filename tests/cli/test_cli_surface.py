"""What every ``tens`` command offers: --help with an example, --version, shell completion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tenscontrol import __version__
from tenscontrol.cli.main import COMMANDS, cli


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and sub-command, as argument paths."""
    ctx = click.Context(group)
    paths: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*prefix, name)))
    return paths


ALL = command_paths(cli)
#: The installed console script (completion keys on the program's name, ``tens``).
TENS = str(Path(sys.executable).with_name("tens"))


def test_every_command_is_listed() -> None:
    names = {path[0] for path in ALL}
    assert names >= {
        "start",
        "status",
        "stop",
        "adjust",
        "history",
        "report",
        "export",
        "devices",
        "simulate",
        "screen",
        "profile",
    }


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    assert f"tens {' '.join(path)}" in result.output.split("Example", 1)[1]


def test_top_level_help_lists_every_command_with_its_line() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name, (_, _, short_help) in COMMANDS.items():
        assert f"{name}  " in result.output
        # wrapped lines are indented by the longest command name: compare words only
        assert " ".join(short_help.split()) in " ".join(result.output.split())


def test_help_version_and_completion_do_not_load_the_heavy_modules() -> None:
    """Start-up: sub-commands (pydantic, rich, pyserial) are imported only when they run."""
    code = (
        "import sys\n"
        "from tenscontrol.cli.main import COMMANDS, cli\n"
        "try:\n"
        "    cli(['--help'], prog_name='tens')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('pydantic', 'rich', 'serial') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"tens, version {__version__}"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_scripts_are_generated(shell: str) -> None:
    """The README's completion set-up: ``_TENS_COMPLETE=<shell>_source tens``."""
    env = {**os.environ, "_TENS_COMPLETE": f"{shell}_source"}
    done = subprocess.run(
        [TENS],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "_TENS_COMPLETE" in done.stdout


def test_completion_offers_sub_commands_and_options() -> None:
    env = {
        **os.environ,
        "_TENS_COMPLETE": "bash_complete",
        "COMP_WORDS": "tens st",
        "COMP_CWORD": "1",
    }
    done = subprocess.run(
        [TENS],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    offered = {line.split(",", 1)[1] for line in done.stdout.splitlines() if "," in line}
    assert {"start", "status", "stop"} <= offered
