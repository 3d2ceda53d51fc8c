"""The one table printer of the CLI: a rich table on a terminal, aligned plain text (stable
for pipes, scripts and tests) otherwise. rich is imported only when a terminal needs it."""

from __future__ import annotations

import sys

import click


def print_table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    """Print ``rows`` under ``headers`` with ``title`` above (an empty table shows its
    headers)."""
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(*headers, title=title, title_justify="left")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    click.echo(title)
    for line in [headers, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    click.echo("")
