"""Every option of every command reads the README's ``TENS_<COMMAND>_<OPTION>`` variable,
named after its long flag (never after the Python parameter), sub-commands included."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.core import ParameterSource
from click.testing import CliRunner
from start_helpers import FAST, isolate, json_lines, run

from tenscontrol.cli.main import cli

#: Options that act instead of setting a value: documented as taking no variable.
EXCLUDED = frozenset({"--help", "--version"})


def documented_name(path: tuple[str, ...], option: click.Option) -> str:
    """The README's rule, written out again here: TENS, the command words, the long flag."""
    flag = next(f for f in option.opts if f.startswith("--"))
    words = ["TENS", *path, flag[2:]]
    return "_".join(w.upper().replace("-", "_") for w in words)


def commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command below ``group`` (loaded through it, as ``tens`` loads them)."""
    ctx = click.Context(group)
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found.extend(commands(command, (*path, name)))
    return found


def options() -> list[tuple[tuple[str, ...], click.Command, click.Option]]:
    return [
        (path, command, param)
        for path, command in commands(cli)
        for param in command.params
        if isinstance(param, click.Option)
    ]


ALL = options()


def example_value(option: click.Option) -> str:
    """A value the option accepts, as a variable would hold it."""
    kind = option.type
    if option.is_flag:
        return "1"
    if isinstance(kind, click.Choice):
        return str(kind.choices[-1])
    if isinstance(kind, click.IntRange | click.FloatRange):
        return str(kind.min if kind.min is not None else 1)
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return "2"
    if isinstance(kind, click.File):
        return "-"
    return "x"


def test_every_command_has_options_to_walk() -> None:
    paths = {path for path, _, _ in ALL}
    assert {("start",), ("history",), ("profile", "check"), ("simulate",)} <= paths
    assert len(ALL) > 40


@pytest.mark.parametrize(
    ("path", "command", "option"),
    ALL,
    ids=[f"{' '.join(p)} {o.opts[-1]}" for p, _, o in ALL],
)
def test_the_documented_variable_sets_the_option(
    path: tuple[str, ...],
    command: click.Command,
    option: click.Option,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)  # an option that opens its file (--trace x) opens it here
    if set(option.opts) & EXCLUDED or not option.expose_value:
        assert set(option.opts) & EXCLUDED, f"{option.opts}: no value, and not documented so"
        return
    name = documented_name(path, option)
    monkeypatch.setenv(name, example_value(option))
    args = ["x"] * sum(1 for p in command.params if isinstance(p, click.Argument) and p.required)
    for other in command.params:  # the other required options, on the command line
        if isinstance(other, click.Option) and other.required and other is not option:
            args += [other.opts[0], example_value(other)]
    with command.make_context(path[-1], args, resilient_parsing=False) as ctx:
        assert option.name is not None
        assert ctx.get_parameter_source(option.name) is ParameterSource.ENVIRONMENT, name


def option_of(path: tuple[str, ...], name: str) -> click.Option:
    command = next(c for p, c in commands(cli) if p == path)
    found = next(p for p in command.params if p.name == name)
    assert isinstance(found, click.Option)
    return found


def test_the_python_parameter_name_is_not_a_variable() -> None:
    """Only the documented names are read: ``TENS_START_PROFILE_REF`` is no alias."""
    profile = option_of(("start",), "profile_ref")
    assert profile.envvar == ["TENS_START_PROFILE"]
    assert not profile.allow_from_autoenv


def test_tens_port_still_works_and_the_command_variable_comes_first() -> None:
    assert option_of(("start",), "port").envvar == ["TENS_START_PORT", "TENS_PORT"]
    assert option_of(("devices",), "ports").envvar == ["TENS_DEVICES_PORT", "TENS_PORT"]


def test_a_session_from_the_readme_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The issue's case: ``TENS_START_PROFILE=low-back tens start ...`` used to fail with
    "Missing option '--profile'"."""
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("TENS_START_PROFILE", "low-back")
    monkeypatch.setenv("TENS_START_INTENSITY", "5")
    monkeypatch.setenv("TENS_START_JSON", "1")
    result = run("start", *FAST)
    assert result.exit_code == 0, result.stderr
    end = json_lines(result.stdout)[-1]
    assert end["event"] == "end"
    assert end["max_delivered_ua"] == {"1": 5_000}


def test_tens_history_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = isolate(monkeypatch, tmp_path)
    result = CliRunner().invoke(
        cli, ["history"], env={"TENS_HOME": str(home), "TENS_HISTORY_JSON": "1"}
    )
    assert result.exit_code == 0, result.output
    assert result.output.lstrip().startswith("{")
