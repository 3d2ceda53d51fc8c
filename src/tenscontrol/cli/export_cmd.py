"""``tens export``: every session, as CSV (one row each), JSON lines (the raw logs) or a
FHIR R4 Bundle (a record for a clinician).

CSV columns are the index's (``start``/``end`` Unix seconds, currents in uA, pain 0-10)
plus ``start_local``. JSON lines are the session logs' records (header, events, summary,
a torn last line left out), each with its ``session_id``, oldest session first. FHIR is
:mod:`tenscontrol.records.fhir` (docs/fhir.md): no person's identity unless given with
``--patient-name``/``--patient-id``, simulated sessions only with ``--include-simulated``
(those three options belong to FHIR alone). An output file is health data: it is written
with mode 0600, whatever the umask.
"""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path

import click
from click.core import ParameterSource

from tenscontrol.cli.exits import report_errors, say, warn
from tenscontrol.cli.text import local_time
from tenscontrol.errors import UserInputError
from tenscontrol.files import FileRefused, is_stdout
from tenscontrol.files import output as output_file
from tenscontrol.records import fastread, fhir, fhir_identity, index
from tenscontrol.records.logreader import read_log
from tenscontrol.records.lookup import log_paths, sync_index


class ExportFormat(StrEnum):
    """What ``--format`` takes."""

    CSV = "csv"  #: one row per session, from the index
    JSONL = "jsonl"  #: the raw session logs
    FHIR = "fhir"  #: a FHIR R4 Bundle for a clinician


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


def fhir_text(patient: fhir_identity.PatientIdentity, *, include_simulated: bool) -> str:
    """Every session as a FHIR R4 Bundle (JSON); how many simulated sessions were left out
    is told on stderr."""
    records = fastread.sessions(warn=warn)
    export = fhir.build(records, patient=patient, include_simulated=include_simulated, warn=warn)
    if export.simulated_left_out:
        count = export.simulated_left_out
        noun = "session" if count == 1 else "sessions"
        say(f"left out: {count} SIMULATED {noun} (--include-simulated exports them)")
    return fhir.to_json(export.document)


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


def _from_env(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) is ParameterSource.ENVIRONMENT


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ExportFormat]),
    required=True,
    help="csv: one row per session; jsonl: the raw session logs; fhir: a FHIR R4 Bundle.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Write to this file (a new file, mode 0600; '-': standard output).",
)
@click.option(
    "--patient-name", metavar="NAME", help="fhir: the person's name (none is exported without)."
)
@click.option(
    "--patient-id", metavar="ID", help="fhir: the person's identifier, e.g. a record number."
)
@click.option(
    "--include-simulated", is_flag=True, help="fhir: export simulated sessions too (marked)."
)
@click.pass_context
@report_errors
def export(
    ctx: click.Context,
    fmt: str,
    output: Path | None,
    patient_name: str | None,
    patient_id: str | None,
    include_simulated: bool,
) -> None:
    """Export every recorded session (health data: keep the file private).

    \b
    Example:
      tens export --format csv --output sessions.csv
      tens export --format jsonl | gzip > sessions.jsonl.gz
      tens export --format fhir --patient-name "Alex Doe" --output record.json
    """
    kind = ExportFormat(fmt)
    given = {
        "--patient-name": patient_name,
        "--patient-id": patient_id,
        "--include-simulated": include_simulated or None,
    }
    for flag, value in given.items():
        if value is not None and kind != ExportFormat.FHIR:
            raise UserInputError(
                f"{flag}: only with --format fhir", hint=f"leave {flag} out for --format {fmt}"
            )
    if kind == ExportFormat.FHIR:
        patient = fhir_identity.PatientIdentity(
            name=fhir_identity.identity_option(
                patient_name, "--patient-name", from_environment=_from_env(ctx, "patient_name")
            ),
            identifier=fhir_identity.identity_option(
                patient_id, "--patient-id", from_environment=_from_env(ctx, "patient_id")
            ),
        )
        text = fhir_text(patient, include_simulated=include_simulated)
    else:
        text = csv_text() if kind == ExportFormat.CSV else jsonl_text()
    if output is None or is_stdout(output):
        click.echo(text, nl=False)
        return
    write_private(output, text)
    click.echo(f"saved {output}", err=True)
