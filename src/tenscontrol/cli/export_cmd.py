"""``tens export``: every session, as CSV (one row each) or JSON lines (the raw logs).

CSV columns are the index's (``start``/``end`` Unix seconds, currents in uA, pain 0-10)
plus ``start_local``. JSON lines are the session logs' records (header, events, summary,
a torn last line left out), each with its ``session_id``, oldest session first. An output
file is health data: it is written with mode 0600, whatever the umask.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from tenscontrol.cli.exits import report_errors, warn
from tenscontrol.cli.text import local_time
from tenscontrol.errors import UserInputError
from tenscontrol.files import FileRefused, is_stdout
from tenscontrol.files import output as output_file
from tenscontrol.records import index
from tenscontrol.records.logreader import read_log
from tenscontrol.records.lookup import log_paths, sync_index


def csv_text() -> str:
    """All sessions from the index, oldest first, as CSV with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*index.COLUMNS, "start_local"])
    for row in sync_index(warn=warn):
        values = [getattr(row, name) for name in index.COLUMNS]
        values = [int(v) if isinstance(v, bool) else v for v in values]
        writer.writerow(["" if v is None else v for v in values] + [local_time(row.start)])
    return buffer.getvalue()


def jsonl_text() -> str:
    """Every log's records, one JSON object per line with its ``session_id``."""
    lines = []
    for path in log_paths():
        try:
            record = read_log(path)
        except UserInputError as error:
            warn(f"skipped {path.name}: {error}")
            continue
        parts = [record.header, *record.events]
        parts += [record.summary] if record.summary is not None else []
        for part in parts:
            line = {"session_id": record.session_id, **part}
            lines.append(json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n")
    return "".join(lines)


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with a new 0600 file holding ``text`` (see :mod:`tenscontrol.files`:
    never through a link, never into a device or pipe, never torn)."""
    try:
        with output_file(path) as stream:
            stream.write(text)
    except FileRefused as refused:
        hint = refused.hint or "choose another --output file"
        raise FileRefused(refused.path, refused.why, hint=hint) from None
    except OSError as error:
        raise UserInputError(
            f"{path}: cannot write: {error.strerror or error}", hint="choose another --output file"
        ) from None


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    required=True,
    help="csv: one row per session; jsonl: the raw session logs.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Write to this file (a new file, mode 0600; '-': standard output).",
)
@report_errors
def export(fmt: str, output: Path | None) -> None:
    """Export every recorded session (health data: keep the file private).

    \b
    Example:
      tens export --format csv --output sessions.csv
      tens export --format jsonl | gzip > sessions.jsonl.gz
    """
    text = csv_text() if fmt == "csv" else jsonl_text()
    if output is None or is_stdout(output):
        click.echo(text, nl=False)
        return
    write_private(output, text)
    click.echo(f"saved {output}", err=True)
