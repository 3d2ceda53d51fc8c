"""``tens profile``: list, show, check, preview and describe stimulation profiles.

A thin layer over :mod:`tenscontrol.profiles`; every error is a :class:`TensError` that
:func:`report_errors` turns into one line per problem and exit code 2.
"""

from __future__ import annotations

import json
import stat
from dataclasses import asdict
from fractions import Fraction
from pathlib import Path
from typing import Any

import click

from tenscontrol.cli.exits import report_errors
from tenscontrol.cli.table import print_table
from tenscontrol.errors import DoseRefused, ProfileError, UserInputError
from tenscontrol.files import kind_name
from tenscontrol.profiles.chart import render_png, render_text
from tenscontrol.profiles.dose import LIMITS, DoseReport, DoseRow, Verdict, check_profile
from tenscontrol.profiles.loader import SUFFIX, discover, load_file, resolve, user_dir
from tenscontrol.profiles.model import Phase, Profile
from tenscontrol.profiles.schema import ProfileFile
from tenscontrol.profiles.units import MA_TO_UA, exact_scale, fmt_number


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def skipped_entries(folder: Path) -> list[str]:
    """Why each ``*.toml`` entry of the user's profiles ``folder`` that is not a regular
    file is left out of the list (a folder, a named pipe, a device, a broken link), one
    line each; nothing is opened (a named pipe would block)."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []  # no folder (yet): nothing skipped
    lines = []
    for path in entries:
        if not path.name.endswith(SUFFIX):
            continue
        try:
            mode = path.stat().st_mode
        except OSError as error:
            why = "a broken symbolic link" if path.is_symlink() else f"{error.strerror}"
        else:
            if stat.S_ISREG(mode):
                continue
            why = kind_name(mode)
        lines.append(f"skipped {path}: {why}, not a regular file")
    return lines


@click.group()
def profile() -> None:
    """Stimulation profiles: list, show, check (dose), preview, schema.

    \b
    Example:
      tens profile list
      tens profile check my-profile.toml --intensity 30
    """


@profile.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@report_errors
def list_cmd(as_json: bool) -> None:
    """List built-in and user profiles (built-ins win a name clash).

    \b
    Example:
      tens profile list --json
    """
    items: list[dict[str, Any]] = []
    for line in skipped_entries(user_dir()):
        _warn(line)
    for entry in discover(warn=_warn):
        item: dict[str, Any] = {
            "name": entry.name,
            "builtin": entry.builtin,
            "path": str(entry.path),
        }
        try:
            prof = load_file(entry.path, builtin=entry.builtin)
        except ProfileError as error:
            item.update(valid=False, problems=error.problems)
            for line in error.problems:
                _warn(line)
        else:
            item.update(valid=True, title=prof.title, channels=len(prof.channels))
            item.update(
                duration_min=prof.duration_ms // 60_000, verdict=check_profile(prof).verdict.label
            )
        items.append(item)
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    rows = [
        [
            i["name"],
            "built-in" if i["builtin"] else "user",
            str(i.get("channels", "-")),
            str(i.get("duration_min", "-")),
            i.get("verdict", "INVALID"),
            i.get("title", "(see warnings)"),
        ]
        for i in items
    ]
    print_table("Profiles", ["name", "origin", "ch", "min", "dose", "title"], rows)


def _describe_phase(phase: Phase) -> str:
    text = f"{fmt_number(phase.rate_mhz, 1000)} Hz, {phase.width_us} us, {phase.waveform}"
    if phase.pattern == "burst":
        text += (
            f", burst {fmt_number(phase.burst_rate_mhz or 0, 1000)}/s x {phase.pulses_per_burst}"
        )
    mod = phase.modulation
    if mod is not None:
        target = {
            "rate": f"rate -> {fmt_number(mod.rate_to_mhz or 0, 1000)} Hz",
            "width": f"width -> {mod.width_to_us} us",
            "strength_duration": f"width -> {mod.width_to_us} us, amplitude inverse",
            "amplitude": f"amplitude dips {fmt_number(mod.dip_permille or 0, 10)} %",
        }[mod.kind]
        text += f", {target} every {fmt_number(mod.period_ms, 1000)} s"
    return text


def _dose_tables(report: DoseReport, prof: Profile) -> None:
    at = "ceiling" if report.intensity_ua is None else f"{fmt_number(report.intensity_ua, 1000)} mA"
    for ch in prof.channels:
        entries = [e for e in report.entries if e.channel == ch.number]
        rows: list[list[str]] = []
        for key in ["peak", "ceiling", *(lim.key for lim in LIMITS[1:])]:
            found = [r for e in entries for r in e.rows if r.limit.key == key]
            if not found:
                continue
            worst = max(found, key=lambda r: (r.verdict, r.value))
            lim = worst.limit
            rows.append(
                [
                    lim.label,
                    f"{worst.shown} {lim.unit}",
                    str(worst.phase + 1),
                    worst.verdict.label,
                    lim.describe(),
                    lim.source,
                ]
            )
        title = (
            f"Dose, channel {ch.number} at {at} on {fmt_number(ch.pad_area_mm2, 100)} cm2,"
            f" 500 ohm (worst phase)"
        )
        print_table(title, ["quantity", "value", "phase", "verdict", "limit", "source"], rows)


def _show_text(prof: Profile, report: DoseReport) -> None:
    origin = "built-in" if prof.builtin else "user file"
    click.echo(f"{prof.name}: {prof.title}\n  file: {prof.path} ({origin})")
    click.echo(f"  {prof.description}\n  source: {prof.source}")
    repeat = (
        f", phases repeat every {fmt_number(prof.cycle_ms, 1000)} s" if prof.repeat_phases else ""
    )
    click.echo(
        f"  session {fmt_number(prof.duration_ms, 60_000)} min, soft start"
        f" {fmt_number(prof.soft_start_ms, 1000)} s{repeat}\n"
    )
    for ch in prof.channels:
        click.echo(
            f"Channel {ch.number}: {ch.body_area} (ceiling {fmt_number(ch.ceiling_ua, 1000)} mA,"
            f" pads {fmt_number(ch.pad_area_mm2, 100)} cm2)\n  placement: {ch.placement}\n"
        )
    rows = [
        [str(i), p.label or "", fmt_number(p.duration_ms, 1000), p.pattern, _describe_phase(p)]
        for i, p in enumerate(prof.phases, start=1)
    ]
    print_table("Phases", ["#", "label", "s", "pattern", "stimulation"], rows)
    click.echo("")
    _dose_tables(report, prof)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _row_json(row: DoseRow) -> dict[str, Any]:
    return {
        "channel": row.channel,
        "phase": row.phase + 1,
        "quantity": row.limit.key,
        "value": row.shown,
        "unit": row.limit.unit,
        "verdict": row.verdict.label,
        "limit": row.limit.describe(),
        "source": row.limit.source,
    }


@profile.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (integer units) instead.")
@report_errors
def show_cmd(name: str, as_json: bool) -> None:
    """Show a profile: parameters, placement per channel and the dose table at its ceiling.

    \b
    Example:
      tens profile show low-back
    """
    prof = resolve(name, warn=_warn)
    report = check_profile(prof)
    if as_json:
        data = {"profile": _jsonable(asdict(prof)), "dose_verdict": report.verdict.label}
        data["dose"] = [_row_json(r) for r in report.rows]
        click.echo(json.dumps(data, indent=2))
        return
    _show_text(prof, report)


def _intensity_ua(value: float | None) -> int | None:
    if value is None:
        return None
    scaled = exact_scale(value, MA_TO_UA)
    if scaled is None and 0 < value < 0.001:
        raise UserInputError(
            f"--intensity {value:g}: {value:g} mA is below the smallest step of 0.001 mA (1 uA)"
        )
    if scaled is None or scaled < 0:
        raise UserInputError(
            f"--intensity must be a number of mA >= 0 with at most 3 decimals (got {value})"
        )
    return scaled


@profile.command("check")
@click.argument("file_or_name")
@click.option(
    "--intensity",
    type=float,
    default=None,
    metavar="MA",
    help="Check at this level (mA) instead of the ceiling.",
)
@report_errors
def check_cmd(file_or_name: str, intensity: float | None) -> None:
    """Validate a profile and run the dose check (exit 0 ok or warnings, 2 refused/invalid).

    \b
    Example:
      tens profile check ~/my-back.toml --intensity 35
    """
    level = _intensity_ua(intensity)
    prof = resolve(file_or_name, warn=_warn)
    report = check_profile(prof, level)
    _dose_tables(report, prof)
    for row in report.findings(Verdict.WARN):
        _warn(_finding(row))
    refused = report.findings(Verdict.REFUSE)
    for row in refused:
        click.echo(f"refused: {_finding(row)}", err=True)
    if refused:
        raise DoseRefused(
            f"{prof.name}: refused, {len(refused)} value(s) over a refuse limit",
            hint="lower the ceiling or intensity, widen the pads, or lower rate/width",
        )
    click.echo(f"{prof.name}: dose check {report.verdict.label}")


def _finding(row: DoseRow) -> str:
    return (
        f"channel {row.channel} phase {row.phase + 1}: {row.limit.label} {row.shown}"
        f" {row.limit.unit} ({row.limit.describe()}; {row.limit.source})"
    )


@profile.command("preview")
@click.argument("name")
@click.option(
    "--width",
    "columns",
    type=click.IntRange(20, 400),
    default=60,
    show_default=True,
    help="Chart columns.",
)
@click.option(
    "--until-s", type=click.IntRange(1, None), default=None, help="Only the first N seconds."
)
@click.option(
    "--png",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also save a PNG (needs the plot extra).",
)
@report_errors
def preview_cmd(name: str, columns: int, until_s: int | None, png: Path | None) -> None:
    """Chart the planned rate, width and amplitude over the session (soft start not shown).

    \b
    Example:
      tens profile preview mixed-frequency --until-s 30
    """
    prof = resolve(name, warn=_warn)
    end = prof.duration_ms if until_s is None else min(prof.duration_ms, until_s * 1000)
    click.echo(f"{prof.name}: {prof.title} (0:00 to {end // 60_000}:{end // 1000 % 60:02d})\n")
    click.echo(render_text(prof, columns=columns, end_ms=end))
    if until_s is None and prof.duration_ms > 60_000:
        click.echo("\nfirst minute:\n")
        click.echo(render_text(prof, columns=columns, end_ms=60_000))
    if png is not None:
        render_png(prof, png, end_ms=end)
        click.echo(f"saved {png}")


@profile.command("schema")
def schema_cmd() -> None:
    """Print the JSON schema of profile files (for editor completion).

    \b
    Example:
      tens profile schema > tens-profile.schema.json
    """
    click.echo(json.dumps(ProfileFile.model_json_schema(), indent=2))
