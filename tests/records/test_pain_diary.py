"""The pain diary's records: what a score is, appended never rewritten, the latest wins score
by score, a torn log gets its own line, and nothing but a session log of this user is
ever written to."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.care_logs import local_wall, write_session
from tenscontrol.errors import UserInputError
from tenscontrol.files import FileRefused
from tenscontrol.records import index
from tenscontrol.records.diary import (
    PAIN_MAX,
    PainSource,
    parse_score,
    score_option,
    store_pain,
)
from tenscontrol.records.index_db import row_of
from tenscontrol.records.logreader import read_log

DAY = date(2030, 3, 4)


@given(st.integers(0, 10))
def test_every_whole_number_0_to_10_is_a_score(score: int) -> None:
    assert parse_score(str(score)) == score
    assert parse_score(f" {score}\n") == score


@given(st.text(max_size=6))
def test_anything_else_is_not_a_score(text: str) -> None:
    score = parse_score(text)
    if score is not None:
        assert text.strip() in {str(n) for n in range(11)} | {f"0{n}" for n in range(10)}


@pytest.mark.parametrize("text", ["11", "-1", "+5", "5.0", "5.5", "five", "²", "٥", "", "1 0"])
def test_refused_scores_name_the_flag(text: str) -> None:
    assert parse_score(text) is None
    with pytest.raises(UserInputError, match=r"^--pain-before "):
        score_option(text, "--pain-before")


def test_a_score_is_appended_and_the_log_before_it_is_untouched(home: Path) -> None:
    log = write_session(home, local_wall(DAY))
    old = log.read_bytes()
    assert store_pain(log, 1_800_000, 6, 3, source=PainSource.DIARY, given_wall=1.0)
    new = log.read_bytes()
    assert new.startswith(old)
    record = read_log(log).events[-1]
    assert record["event"] == "pain"
    assert (record["before"], record["after"], record["source"]) == (6, 3, "diary")
    assert log.stat().st_mode & 0o777 == 0o600


def test_the_latest_record_wins_score_by_score_and_a_rebuild_keeps_it(home: Path) -> None:
    log = write_session(home, local_wall(DAY), pain=(7, 4))
    store_pain(log, 0, None, 2, source=PainSource.DIARY)
    assert (row_of(read_log(log)).pain_before, row_of(read_log(log)).pain_after) == (7, 2)
    store_pain(log, 0, 6, None, source=PainSource.DIARY)
    index.rebuild(home)
    row = index.rows(home)[0]
    assert (row.pain_before, row.pain_after) == (6, 2)
    assert sum(e["event"] == "pain" for e in read_log(log).events) == 3  # all kept


def test_nothing_is_written_without_a_score(home: Path) -> None:
    log = write_session(home, local_wall(DAY))
    old = log.read_bytes()
    assert not store_pain(log, 0, None, None)
    assert log.read_bytes() == old


def test_an_out_of_range_score_is_never_stored(home: Path) -> None:
    log = write_session(home, local_wall(DAY))
    old = log.read_bytes()
    with pytest.raises(UserInputError):
        store_pain(log, 0, PAIN_MAX + 1, None)
    assert log.read_bytes() == old


def test_a_torn_log_gets_the_record_on_a_line_of_its_own(home: Path) -> None:
    log = write_session(home, local_wall(DAY), finished=False)
    with log.open("ab") as handle:
        handle.write(b'{"type": "event", "t_ms": 6000, "eve')  # a crash mid-line
    store_pain(log, 6_000, 5, None)
    record = read_log(log)
    assert record.status == "interrupted"
    assert row_of(record).pain_before == 5
    assert record.bad_lines == 1  # the fragment, now a line of its own, is skipped


def test_a_missing_log_is_not_created(home: Path) -> None:
    missing = home / "sessions" / "20300101T000000Z-x.jsonl"
    with pytest.raises(UserInputError, match="no such session log"):
        store_pain(missing, 0, 5, None)
    assert not missing.exists()


def test_a_file_that_is_not_a_session_log_is_refused_untouched(home: Path) -> None:
    write_session(home, local_wall(DAY))
    junk = home / "sessions" / "junk.jsonl"
    junk.write_text('{"not": "a log"}\n')
    junk.chmod(0o600)
    with pytest.raises(FileRefused, match="not a session log"):
        store_pain(junk, 0, 5, None)
    assert junk.read_text() == '{"not": "a log"}\n'


def test_a_link_is_refused_and_its_target_untouched(home: Path, tmp_path: Path) -> None:
    real = write_session(home, local_wall(DAY))
    old = real.read_bytes()
    link = home / "sessions" / "20300101T000000Z-link.jsonl"
    link.symlink_to(real)
    with pytest.raises(FileRefused):
        store_pain(link, 0, 5, None)
    hard = home / "sessions" / "20300101T000001Z-hard.jsonl"
    os.link(real, hard)
    with pytest.raises(FileRefused, match="hard links"):
        store_pain(hard, 0, 5, None)
    assert real.read_bytes() == old
