"""Finding recorded sessions: the logs in the data folder, the SQLite index kept in step
with them (it is a cache), and what a person types for a session (an id, a unique prefix of
one, or ``last``) resolved to its log."""

from __future__ import annotations

from pathlib import Path

from tenscontrol.errors import UserInputError
from tenscontrol.records import index
from tenscontrol.records.logreader import SessionRecord, read_log
from tenscontrol.records.logwriter import SUFFIX
from tenscontrol.records.paths import sessions_dir

#: Told, in one line, about a log that had to be skipped or an index that could not be used.
Warn = index.Warn


def log_paths(root: Path | None = None) -> list[Path]:
    """Every session log in the data dir, by name (ids start with their UTC start time)."""
    return index.log_paths(root)


def sync_index(root: Path | None = None, warn: Warn | None = None) -> list[index.IndexRow]:
    """The index rows, oldest first, after (re)indexing every log that is missing from the
    index or newer than it. Pain scores already stored are kept. A log that cannot be read
    is skipped, and ``warn`` (default: the log) is told why. An index SQLite cannot use
    never stops this (a corrupt one is set aside and rebuilt, an unwritable one read around
    from the logs; ``warn`` told once): see :mod:`tenscontrol.records.index`."""
    return index.synced_rows(root, warn)


def find_session(query: str, root: Path | None = None, warn: Warn | None = None) -> Path:
    """The log of session ``query``: an exact id, a unique id prefix, or ``last`` (the most
    recently started; the index is brought up to date first, ``warn`` as for
    :func:`sync_index`). Raises :class:`UserInputError` when none or several match."""
    paths = log_paths(root)
    hint = "run 'tens history' to see the session ids"
    if not paths:
        raise UserInputError("no sessions recorded yet", hint="run 'tens start' first")
    if query == "last":
        rows = sync_index(root, warn)
        if rows:
            newest = max(rows, key=lambda r: (r.start, r.id))
            chosen = sessions_dir(root) / f"{newest.id}{SUFFIX}"
            if chosen.exists():
                return chosen
        return paths[-1]
    by_id = {p.stem: p for p in paths}
    if query in by_id:
        return by_id[query]
    matches = [p for stem, p in by_id.items() if query and stem.startswith(query)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UserInputError(f"no session matches {query!r}", hint=hint)
    shown = ", ".join(p.stem for p in matches[:3]) + (", ..." if len(matches) > 3 else "")
    raise UserInputError(
        f"{query!r} matches {len(matches)} sessions ({shown})", hint="type more of the id"
    )


def load(query: str, root: Path | None = None, warn: Warn | None = None) -> SessionRecord:
    """Find and parse a session log (see :func:`find_session`)."""
    return read_log(find_session(query, root, warn))
