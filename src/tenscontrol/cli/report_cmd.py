"""``tens report SESSION``: what one session did, channel by channel, with its events.

The timeline comes from the session log's telemetry (about 1 Hz): the setpoint the device
reported and the current it delivered, in uA, drawn as terminal sparklines resampled to the
terminal width (60 columns when not a terminal). ``--json`` prints the same data in integer
units (ms, uA); ``--png`` draws it with matplotlib (the optional ``plot`` extra).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from tenscontrol.cli.exits import report_errors, say, warn
from tenscontrol.cli.plotting import pyplot
from tenscontrol.cli.text import clock_text, local_time
from tenscontrol.errors import UserInputError
from tenscontrol.files import is_stdout
from tenscontrol.files import output as output_file
from tenscontrol.profiles.units import fmt_number
from tenscontrol.records.contents import Mark, Sample, channels_of, marks, samples
from tenscontrol.records.logreader import SessionRecord, reason_text
from tenscontrol.records.lookup import load

BLOCKS = "▁▂▃▄▅▆▇█"
DEFAULT_COLUMNS = 60
_LABEL = "  delivered "


def sparkline(values: list[tuple[int, int]], end_ms: int, columns: int, top_ua: int) -> str:
    """``(t_ms, uA)`` points as ``columns`` block characters over 0..``end_ms``.

    Each column shows the highest value inside its time slice (the last known value when
    the slice has none); 0 is a blank, anything above 0 at least the lowest block, ``top_ua``
    the full one.
    """
    if columns <= 0:
        return ""
    span = max(end_ms, 1)
    best: list[int | None] = [None] * columns
    last: list[int | None] = [None] * columns
    for t_ms, value in values:
        col = min(columns - 1, max(0, t_ms * columns // span))
        best[col] = max(value, best[col] or 0)
        last[col] = value
    out = []
    carried = 0
    for peak, final in zip(best, last, strict=True):
        shown = carried if peak is None else peak
        carried = carried if final is None else final
        if shown <= 0 or top_ua <= 0:
            out.append(" ")
        else:
            level = min(len(BLOCKS), -(-shown * len(BLOCKS) // top_ua))
            out.append(BLOCKS[max(1, level) - 1])
    return "".join(out)


def _columns() -> int:
    if not sys.stdout.isatty():
        return DEFAULT_COLUMNS
    return max(20, shutil.get_terminal_size((80, 24)).columns - len(_LABEL) - 2)


def _device(record: SessionRecord) -> dict[str, Any]:
    dev = record.header.get("device", {})
    return {
        "model": dev.get("model"),
        "serial_number": dev.get("serial_number"),
        "firmware": dev.get("firmware"),
        "simulated": bool(record.header.get("simulated")),
    }


def report_data(record: SessionRecord) -> dict[str, Any]:
    """The report as JSON-able data. Units: ms, uA; ``started_ms`` is Unix time in ms."""
    limits = record.header.get("limits", {})
    channels = []
    for ch in channels_of(record):
        points = samples(record, ch)
        channels.append(
            {
                "channel": ch,
                "ceiling_ua": limits.get(str(ch), {}).get("ceiling_ua"),
                "max_delivered_ua": record.max_delivered_ua.get(ch, 0),
                "samples": [
                    {"t_ms": s.t_ms, "setpoint_ua": s.setpoint_ua, "delivered_ua": s.delivered_ua}
                    for s in points
                ],
            }
        )
    return {
        "session_id": record.session_id,
        "profile": record.profile_label,
        "profile_name": record.profile_name,
        "profile_builtin": bool(record.profile.get("builtin")),
        "profile_path": record.profile.get("path"),
        "profile_sha256": record.profile_sha256,
        "device": _device(record),
        "simulated": bool(record.header.get("simulated")),
        "started_ms": round(float(record.header.get("started_wall", 0)) * 1_000),
        "start_local": local_time(float(record.header.get("started_wall", 0))),
        "duration_ms": record.duration_ms,
        "reason": record.reason,
        "status": record.status,
        "torn_last_line": record.torn,
        "channels": channels,
        "events": [
            {"t_ms": m.t_ms, "event": m.kind, "channel": m.channel, "text": m.text}
            for m in marks(record)
        ],
    }


def _print_text(record: SessionRecord, columns: int) -> None:
    data = report_data(record)
    dev = data["device"]
    label = "SIMULATED " if dev["simulated"] else ""
    click.echo(f"Session {data['session_id']}" + (" (SIMULATED)" if dev["simulated"] else ""))
    click.echo(f"  profile:  {data['profile']}")
    if data["profile_sha256"] and not data["profile_builtin"]:  # a user file: which content
        click.echo(f"  sha256:   {data['profile_sha256']}")
    click.echo(
        f"  device:   {label}{dev['model']} (serial {dev['serial_number']},"
        f" firmware {dev['firmware']})"
    )
    click.echo(f"  started:  {data['start_local']}")
    click.echo(f"  duration: {clock_text(record.duration_ms)}")
    ended = reason_text(record.reason) + (
        " (no summary line: the log stops here)" if record.summary is None else ""
    )
    click.echo(f"  ended:    {ended}\n")
    end_ms = max(record.duration_ms, 1)
    for ch in data["channels"]:
        pts: list[Sample] = [Sample(**s) for s in ch["samples"]]
        top = max([s.setpoint_ua for s in pts] + [s.delivered_ua for s in pts] + [0])
        click.echo(
            f"Channel {ch['channel']}: highest delivered"
            f" {fmt_number(ch['max_delivered_ua'], 1000)} mA"
            f" (full block = {fmt_number(top, 1000)} mA, 0:00 to {clock_text(end_ms)})"
        )
        set_line = sparkline([(s.t_ms, s.setpoint_ua) for s in pts], end_ms, columns, top)
        got_line = sparkline([(s.t_ms, s.delivered_ua) for s in pts], end_ms, columns, top)
        click.echo(f"  setpoint  |{set_line}|")
        click.echo(f"{_LABEL}|{got_line}|\n")
    click.echo("Events:")
    found: list[Mark] = marks(record)
    for mark in found:
        click.echo(f"  {clock_text(mark.t_ms):>8}  {mark.text}")
    if not found:
        click.echo("  (none)")


def render_png(record: SessionRecord, path: Path) -> None:
    """Save setpoint and delivered current (mA) per channel against minutes, with event
    markers, as a PNG (a new file, mode 0600; ``-``: standard output). Needs the optional
    ``plot`` extra (matplotlib)."""
    plt = pyplot()
    chans = channels_of(record)
    fig, axes = plt.subplots(len(chans), 1, figsize=(10, 2.6 * len(chans)), squeeze=False)
    events = marks(record)
    for row, ch in enumerate(chans):
        ax = axes[row][0]
        pts = samples(record, ch)
        t_min = [s.t_ms / 60_000 for s in pts]
        # both series drawn alike (each sample's two values were measured together): a step
        # for one and a line for the other would cross between samples where they do not
        ax.plot(t_min, [s.setpoint_ua / 1_000 for s in pts], label="setpoint")
        ax.plot(t_min, [s.delivered_ua / 1_000 for s in pts], label="delivered")
        for mark in events:
            if mark.channel in (None, ch) and mark.kind not in ("command", "end"):
                ax.axvline(mark.t_ms / 60_000, color="grey", linestyle=":", linewidth=0.8)
                ax.annotate(
                    mark.kind,
                    (mark.t_ms / 60_000, 0),
                    rotation=90,
                    fontsize=7,
                    xytext=(2, 2),
                    textcoords="offset points",
                )
        ax.set_ylabel(f"channel {ch} (mA)")
        ax.legend(loc="upper right", fontsize=8)
    axes[-1][0].set_xlabel("minutes")
    sim = " (SIMULATED)" if record.header.get("simulated") else ""
    axes[0][0].set_title(f"{record.session_id}{sim}: {record.reason}")
    fig.tight_layout()
    try:
        with output_file(path, binary=True) as stream:  # a new 0600 file: a treatment record
            fig.savefig(stream, dpi=100, format="png")
    except OSError as error:
        raise UserInputError(f"{path}: cannot write: {error.strerror or error}") from None
    finally:
        plt.close(fig)


@click.command("report")
@click.argument("session")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (ms, uA).")
@click.option(
    "--png",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Also save a chart as PNG, mode 0600 ('-': standard output; needs the plot extra).",
)
@report_errors
def report(session: str, as_json: bool, png: Path | None) -> None:
    """Show one session: facts, setpoint and delivered current per channel, and events.

    SESSION is a session id, a unique start of one, or "last".

    \b
    Example:
      tens report last
      tens report 20270115T08 --png session.png
    """
    record = load(session, warn=warn)
    if png is not None and is_stdout(png):
        render_png(record, png)  # the PNG is the output: no text around it
        return
    if png is not None:  # first: a reader that stops early (`| head`) must not cost the file
        render_png(record, png)
        say(f"saved {png}")
    if as_json:
        click.echo(json.dumps(report_data(record), indent=2))
    else:
        _print_text(record, _columns())
