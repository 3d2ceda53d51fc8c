"""The pain diary: scores (0-10, whole numbers) before and after a session, kept in the
session's own log (so an index rebuild keeps them) and mirrored into the index.

A score is stored as a ``pain`` record appended to the log, never by rewriting it: the
log stays the append-only record of hazard 13, and a correction is one more record. The
latest record wins, key by key: ``{"before": 5, "after": null}`` corrects the score
before and leaves the one after as it was (``records/index_db.py: _pain`` reads them so).
Each record says where it came from (``source``: the prompt of ``tens start``, its
``--pain-before``, or ``tens diary``) and when it was given (``given_wall``, Unix s).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import time
from enum import StrEnum
from pathlib import Path

from tenscontrol.errors import UserInputError
from tenscontrol.files import open_append
from tenscontrol.records import index
from tenscontrol.records.logwriter import dumps, is_session_log

#: The pain scale: 0 (no pain) to 10 (worst imaginable), whole numbers (an 11-point
#: numeric rating scale, as the pain diary has always asked).
PAIN_MIN = 0
PAIN_MAX = 10
#: ASCII digits only: ``str.isdigit`` also takes "²" or "٥", which are not what a person
#: meant to type and which ``int`` may not even read.
_SCORE = re.compile(r"[0-9]{1,2}", re.ASCII)


class PainSource(StrEnum):
    """Who gave a score: the ``source`` field of a ``pain`` record."""

    PROMPT = "prompt"  #: asked by ``tens start`` before or after the session
    OPTION = "option"  #: ``tens start --pain-before N``
    DIARY = "diary"  #: ``tens diary SESSION`` after the fact


def parse_score(text: str) -> int | None:
    """``text`` as a pain score 0-10, or None when it is not one (nothing else is read:
    no sign, no decimals, no spaces inside)."""
    value = text.strip()
    if _SCORE.fullmatch(value) is None:
        return None
    score = int(value)
    return score if PAIN_MIN <= score <= PAIN_MAX else None


def score_option(text: str | None, flag: str, *, from_environment: bool = False) -> int | None:
    """The value of the option ``flag`` (e.g. ``--pain-before``) as a score; None when the
    option was not given. Raises :class:`UserInputError` (exit 2) naming ``flag``, also
    when the value came ``from_environment`` (``TENS_START_PAIN_BEFORE``...): a score is
    what a person says about one session, never a default that repeats itself."""
    if text is None:
        return None
    if from_environment:
        raise UserInputError(
            f"{flag}: a pain score is taken from the command line only, not from the environment",
            hint=f"unset the variable and give {flag} on the command line",
        )
    score = parse_score(text)
    if score is None:
        raise UserInputError(
            f"{flag} {text[:20]!r}: expected a whole number from {PAIN_MIN} (no pain) to "
            f"{PAIN_MAX} (worst)",
            hint=f"for example {flag} 6",
        )
    return score


def pain_record(
    at_ms: int, before: int | None, after: int | None, source: PainSource, given_wall: float
) -> dict[str, object]:
    """The ``pain`` record appended to a log (``at_ms``: session time it refers to)."""
    return {
        "type": "event",
        "t_ms": at_ms,
        "event": "pain",
        "before": before,
        "after": after,
        "source": source.value,
        "given_wall": round(given_wall, 3),
    }


def append_to_log(path: Path, record: dict[str, object]) -> None:
    """Append ``record`` as one fsynced line to the existing session log ``path``, through
    :func:`~tenscontrol.files.open_append` (a regular file of this user, one link, a
    session log's header: anything else is refused, exit 2, and left as it was).

    A log cut off inside a line (a crash mid-write) gets a newline first, so the record
    is a line of its own rather than glued to the torn fragment."""
    if not path.is_file():  # open_append would create it: a score needs its session
        raise UserInputError(f"{path}: no such session log")
    fd = open_append(path, is_own=is_session_log, what="a session log")
    try:
        size = os.fstat(fd).st_size
        glue = b"" if size == 0 or os.pread(fd, 1, size - 1) == b"\n" else b"\n"
        data = glue + (dumps(record) + "\n").encode("utf-8")
        try:
            while data:
                written = os.write(fd, data)
                if written <= 0:  # nothing taken and no error: a full disk; never spin
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                data = data[written:]
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):  # no torn line of ours left behind
                os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)


def store_pain(
    log_path: Path,
    at_ms: int,
    before: int | None,
    after: int | None,
    *,
    source: PainSource = PainSource.PROMPT,
    given_wall: float | None = None,
    warn: index.Warn | None = None,
) -> bool:
    """Append a ``pain`` record at session time ``at_ms`` to the log at ``log_path`` and
    update the index; False (nothing written) when neither score was given. Raises
    :class:`OSError` or a :class:`~tenscontrol.errors.TensError` when it cannot be stored
    (an index that cannot be written only tells ``warn``: the log is the record)."""
    if before is None and after is None:
        return False
    for value in (before, after):
        if value is not None and not PAIN_MIN <= value <= PAIN_MAX:
            raise UserInputError(f"pain score {value} is outside {PAIN_MIN}-{PAIN_MAX}")
    wall = time.time() if given_wall is None else given_wall
    append_to_log(log_path, pain_record(at_ms, before, after, source, wall))
    index.record_session(log_path, log_path.parent.parent, warn)  # <data>/sessions/<id>.jsonl
    return True
