"""``tens history``: every recorded session, newest first, and a summary per profile.

Reads the SQLite index of sessions, first bringing it in step with the logs (a missing or
stale index is filled from them; see :func:`~tenscontrol.records.lookup.sync_index`).
Units in ``--json``: ms and uA; ``start_ms`` is Unix time in ms; pain scores 0-10.
"""

from __future__ import annotations

import json
from typing import Any

import click

from tenscontrol.cli.exits import report_errors, warn
from tenscontrol.cli.table import print_table
from tenscontrol.cli.text import clock_text, local_time, ma
from tenscontrol.records.index import IndexRow
from tenscontrol.records.logreader import reason_text
from tenscontrol.records.lookup import sync_index


def _pain(row: IndexRow) -> str:
    if row.pain_before is None and row.pain_after is None:
        return "-"
    before = "?" if row.pain_before is None else str(row.pain_before)
    after = "?" if row.pain_after is None else str(row.pain_after)
    return f"{before} -> {after}"


def _row_json(row: IndexRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "start_ms": round(row.start * 1_000),
        "start_local": local_time(row.start),
        "end_ms": None if row.end is None else round(row.end * 1_000),
        "profile": row.profile,
        "duration_ms": row.duration_ms,
        "reason": row.reason,
        "max_ua": row.max_ua,
        "max_ua_by_channel": {
            str(n): v for n, v in ((1, row.max_ua_ch1), (2, row.max_ua_ch2)) if v is not None
        },
        "simulated": row.simulated,
        "pain_before": row.pain_before,
        "pain_after": row.pain_after,
    }


def summarize(rows: list[IndexRow]) -> list[dict[str, Any]]:
    """Per profile (by name): sessions, total time (ms) and the average pain change
    (after minus before, negative is better) over the sessions with both scores."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        item = out.setdefault(
            row.profile, {"profile": row.profile, "sessions": 0, "total_ms": 0, "changes": []}
        )
        item["sessions"] += 1
        item["total_ms"] += row.duration_ms
        if row.pain_before is not None and row.pain_after is not None:
            item["changes"].append(row.pain_after - row.pain_before)
    result = []
    for name in sorted(out):
        item = out[name]
        changes: list[int] = item.pop("changes")
        item["pain_pairs"] = len(changes)
        item["pain_change_avg"] = round(sum(changes) / len(changes), 2) if changes else None
        result.append(item)
    return result


@click.command("history")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (ms, uA) instead of tables.")
@report_errors
def history(as_json: bool) -> None:
    """List recorded sessions, newest first, with a summary per profile.

    Sessions live in $TENS_HOME (or the platform data folder).

    \b
    Example:
      tens history
      tens history --json > history.json
    """
    rows = sorted(sync_index(warn=warn), key=lambda r: (r.start, r.id), reverse=True)
    summary = summarize(rows)
    if as_json:
        data = {"sessions": [_row_json(r) for r in rows], "profiles": summary}
        click.echo(json.dumps(data, indent=2))
        return
    if not rows:
        click.echo("No sessions yet. Try one with: tens start --profile low-back --simulate")
        return
    table = [
        [
            local_time(r.start),
            r.profile,
            "simulated" if r.simulated else "real",
            clock_text(r.duration_ms),
            reason_text(r.reason),
            ma(r.max_ua),  # one decimal, as everywhere mA is shown
            _pain(r),
            r.id,
        ]
        for r in rows
    ]
    headers = ["date", "profile", "device", "duration", "ended", "max mA", "pain", "id"]
    print_table(f"Sessions ({len(rows)})", headers, table)
    per_profile = [
        [
            s["profile"],
            str(s["sessions"]),
            clock_text(s["total_ms"]),
            "-" if s["pain_change_avg"] is None else f"{s['pain_change_avg']:+.1f}",
            str(s["pain_pairs"]),
        ]
        for s in summary
    ]
    print_table(
        "Per profile (pain change: after minus before, lower is better)",
        ["profile", "sessions", "total time", "avg pain change", "scored"],
        per_profile,
    )
