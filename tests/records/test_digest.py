"""A session's digest (header and tail only) gives exactly the index row of the whole log,
whatever was appended after the summary, and falls back to the whole log when it must."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.care_logs import local_wall, write_session
from records.records_helpers import isolated_home
from tenscontrol.records.diary import PainSource, store_pain
from tenscontrol.records.digest import FIRST_TAIL_BYTES, digests, read_digest
from tenscontrol.records.index_db import row_of
from tenscontrol.records.logreader import read_log

DAY = date(2030, 5, 6)
score = st.one_of(st.none(), st.integers(0, 10))


def _same_as_the_whole_log(path: Path) -> None:
    assert read_digest(path).row == row_of(read_log(path))


@settings(max_examples=40, deadline=None)
@given(
    scores=st.lists(st.tuples(score, score), max_size=40),
    finished=st.booleans(),
    torn=st.booleans(),
)
def test_the_digest_row_is_the_whole_log_row(
    scores: list[tuple[int | None, int | None]], finished: bool, torn: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = write_session(Path(tmp), local_wall(DAY), finished=finished)
        for before, after in scores:
            store_pain(log, 0, before, after, source=PainSource.DIARY)  # (None, None): nothing
        if torn:
            with log.open("ab") as handle:
                handle.write(b'{"type": "event", "eve')
        _same_as_the_whole_log(log)


def test_many_records_after_the_summary_are_read_further_back(home: Path) -> None:
    log = write_session(home, local_wall(DAY))
    for n in range(60):  # far more than the first tail read holds
        store_pain(log, 0, n % 11, None, source=PainSource.DIARY)
    assert log.stat().st_size > FIRST_TAIL_BYTES
    _same_as_the_whole_log(log)
    assert read_digest(log).row.pain_before == 59 % 11


def test_the_header_carries_the_profile_as_run(home: Path) -> None:
    log = write_session(home, local_wall(DAY), profile="mixed-frequency", pain=(6, 4))
    digest = read_digest(log)
    assert digest.profile_name == "mixed-frequency"
    assert len(digest.profile["phases"]) == 2
    assert (digest.row.pain_before, digest.row.pain_after) == (6, 4)


def test_a_file_that_is_not_a_log_is_skipped_with_a_warning(home: Path) -> None:
    write_session(home, local_wall(DAY))
    (home / "sessions" / "junk.jsonl").write_text("not json\n")
    told: list[str] = []
    found = list(digests(home, told.append))
    assert len(found) == 1
    assert told == ["skipped junk.jsonl: " + told[0].split(": ", 1)[1]]
    assert "not a session log" in told[0]


def test_no_folder_no_sessions(tmp_path: Path) -> None:
    assert list(digests(tmp_path / "nothing")) == []
    assert not (tmp_path / "nothing").exists()


def test_the_data_folder_of_the_environment_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = isolated_home(tmp_path, monkeypatch)
    write_session(home, local_wall(DAY))
    assert [d.row.id for d in digests()] == [p.stem for p in (home / "sessions").iterdir()]
