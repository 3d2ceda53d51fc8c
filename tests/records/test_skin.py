"""Skin checks in the log: the record as stored, the latest winning per channel (a skip never
replaces an answer), the warning for the same skin and not another, old and torn logs, and
the fast reader agreeing with the full one."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.care_logs import local_wall, write_session
from tenscontrol.errors import UserInputError
from tenscontrol.records.diary import PainSource
from tenscontrol.records.logreader import LastState, SessionRecord, read_log
from tenscontrol.records.skin import (
    KEYS,
    LOOK_BACK_DAYS,
    SkinAnswer,
    SkinCheck,
    channel_areas,
    option_checks,
    parse_answer,
    same_skin,
    skin_checks,
    skin_option,
    skin_record,
    skin_warnings,
    store_skin,
)
from tenscontrol.records.skin_log import appended

DAY = date(2030, 3, 4)
LOW_BACK = "low back, both sides of the spine"
CALF = "calf on the painful side"
#: Noon of the day after DAY: "now" for the warnings.
NOW = local_wall(DAY + timedelta(days=1), 12)


def _check(answer: SkinAnswer, area: str = LOW_BACK, channel: int = 1) -> SkinCheck:
    return SkinCheck(channel, area, answer)


def _session(
    home: Path,
    day: date,
    *answers: SkinAnswer,
    area: str = LOW_BACK,
    simulated: bool = False,
    hour: int = 9,
) -> Path:
    """A finished real low-back session on ``day`` with one skin record per answer."""
    log = write_session(home, local_wall(day, hour), simulated=simulated)
    for n, answer in enumerate(answers):
        given = local_wall(day, hour) + 1_800 + n
        store_skin(log, 1_800_000, [_check(answer, area)], given_wall=given)
    return log


def _history(*logs: Path) -> list[SessionRecord]:
    """The logs as the plan reads them, newest first."""
    return [appended(log) for log in reversed(logs)]


def test_the_record_is_appended_as_documented_and_the_log_before_is_untouched(
    home: Path,
) -> None:
    log = write_session(home, local_wall(DAY))
    old = log.read_bytes()
    checks = [_check(SkinAnswer.RED), _check(SkinAnswer.OK, CALF, 2)]
    assert store_skin(log, 1_800_000, checks, source=PainSource.OPTION, given_wall=12.34567)
    assert log.read_bytes().startswith(old)
    record = read_log(log).events[-1]
    assert record == {
        "type": "event",
        "t_ms": 1_800_000,
        "event": "skin",
        "checks": [
            {"channel": 1, "body_area": LOW_BACK, "answer": "red"},
            {"channel": 2, "body_area": CALF, "answer": "ok"},
        ],
        "source": "option",
        "given_wall": 12.346,
    }
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    stored = log.read_bytes()
    assert not store_skin(log, 0, [])  # nothing to store: nothing written
    assert log.read_bytes() == stored


def test_the_latest_record_wins_channel_by_channel(home: Path) -> None:
    log = _session(home, DAY, SkinAnswer.RED, SkinAnswer.OK)
    store_skin(log, 1_800_000, [_check(SkinAnswer.IRRITATED, CALF, 2)])
    assert skin_checks(read_log(log)) == (
        _check(SkinAnswer.OK),
        _check(SkinAnswer.IRRITATED, CALF, 2),
    )


def test_a_skip_never_replaces_an_answer(home: Path) -> None:
    log = _session(home, DAY, SkinAnswer.RED, SkinAnswer.SKIPPED)
    assert skin_checks(read_log(log)) == (_check(SkinAnswer.RED),)
    alone = _session(home, DAY, SkinAnswer.SKIPPED, hour=15)
    assert skin_checks(read_log(alone)) == (_check(SkinAnswer.SKIPPED),)


@given(st.lists(st.tuples(st.integers(1, 2), st.sampled_from(list(SkinAnswer))), max_size=8))
def test_the_checks_are_the_last_answer_per_channel_or_a_skip(
    records: list[tuple[int, SkinAnswer]],
) -> None:
    events = tuple(
        skin_record(0, [_check(a, channel=c)], PainSource.DIARY, 1.0) for c, a in records
    )
    record = SessionRecord(Path("x.jsonl"), {}, events, None, False, 0, LastState(0, None))
    expected: dict[int, SkinAnswer] = {}
    for channel, answer in records:
        old = expected.get(channel)
        if answer is not SkinAnswer.SKIPPED or old is None:
            expected[channel] = answer
    assert {c.channel: c.answer for c in skin_checks(record)} == expected


def test_a_red_warns_the_same_body_area_and_not_another(home: Path) -> None:
    history = _history(_session(home, DAY, SkinAnswer.RED))
    (warning,) = skin_warnings(history, {1: LOW_BACK}, NOW)
    assert (warning.channel, warning.answer, warning.checked_on) == (1, SkinAnswer.RED, DAY)
    assert warning.checked_area == LOW_BACK
    text = " ".join(warning.lines)
    assert LOW_BACK in text
    assert DAY.isoformat() in text
    assert "recover" in text
    assert "elsewhere" in text or "away from it" in text
    assert "clinician" in text
    assert "Advice only" in text
    assert skin_warnings(history, {1: CALF}, NOW) == ()


def test_the_same_region_in_other_words_is_the_same_skin(home: Path) -> None:
    history = _history(_session(home, DAY, SkinAnswer.IRRITATED))
    sciatic = {1: "low back, painful side, beside the spine", 2: "buttock and back of the thigh"}
    (warning,) = skin_warnings(history, sciatic, NOW)
    assert (warning.channel, warning.answer) == (1, SkinAnswer.IRRITATED)
    assert "as low back, both sides of the spine" in warning.lines[0]
    assert same_skin("Low back,  both sides of the spine", LOW_BACK)
    assert same_skin("back of the thigh on the painful side", "buttock and back of the thigh")
    assert not same_skin(CALF, LOW_BACK)
    assert not same_skin("buttock on the painful side", "back of the thigh")


def test_a_later_ok_clears_a_red_and_a_later_skip_or_no_check_does_not(home: Path) -> None:
    red = _session(home, DAY - timedelta(days=2), SkinAnswer.RED)
    cleared = _history(red, _session(home, DAY - timedelta(days=1), SkinAnswer.OK))
    assert skin_warnings(cleared, {1: LOW_BACK}, NOW) == ()
    skipped = _session(home, DAY, SkinAnswer.SKIPPED)
    unchecked = _session(home, DAY, hour=18)
    history = _history(red, skipped, unchecked)
    (warning,) = skin_warnings(history, {1: LOW_BACK}, NOW)
    assert warning.checked_on == DAY - timedelta(days=2)


def test_simulated_sessions_and_old_checks_warn_nothing(home: Path) -> None:
    simulated = _session(home, DAY, SkinAnswer.RED, simulated=True)
    assert skin_warnings(_history(simulated), {1: LOW_BACK}, NOW) == ()
    today = DAY + timedelta(days=1)  # NOW's day
    old = _session(home, today - timedelta(days=LOOK_BACK_DAYS + 1), SkinAnswer.RED)
    assert skin_warnings(_history(old), {1: LOW_BACK}, NOW) == ()
    just_in = _session(home, today - timedelta(days=LOOK_BACK_DAYS - 1), SkinAnswer.RED)
    assert len(skin_warnings(_history(just_in), {1: LOW_BACK}, NOW)) == 1


def test_a_log_without_skin_records_reads_and_warns_nothing(home: Path) -> None:
    log = write_session(home, local_wall(DAY), pain=(6, 3))
    record = appended(log)
    assert skin_checks(record) == ()
    assert skin_checks(read_log(log)) == ()
    assert record.summary is not None
    assert [e["event"] for e in record.events] == ["pain"]
    assert skin_warnings([record], {1: LOW_BACK}, NOW) == ()


def test_a_torn_log_still_takes_and_gives_its_check(home: Path) -> None:
    """A crash mid-write left half a line; the check appended after it is a line of its own,
    and half a line after the check (a later crash) hides nothing either."""
    log = write_session(home, local_wall(DAY), finished=False)
    with log.open("ab") as file:
        file.write(b'{"type": "event", "t_ms": 900, "event": "telem')
    store_skin(log, 900, [_check(SkinAnswer.RED)])
    with log.open("ab") as file:
        file.write(b'{"type": "event", "event": "pa')
    full, fast = read_log(log), appended(log)
    assert full.torn
    assert skin_checks(full) == skin_checks(fast) == (_check(SkinAnswer.RED),)
    assert fast.summary is None  # interrupted
    assert len(skin_warnings([fast], {1: LOW_BACK}, NOW)) == 1


@pytest.mark.parametrize("finished", [True, False])
def test_the_fast_reader_finds_what_the_full_reader_finds(home: Path, finished: bool) -> None:
    log = write_session(home, local_wall(DAY), finished=finished, pain=(5, 2))
    for answer in (SkinAnswer.RED, SkinAnswer.SKIPPED, SkinAnswer.IRRITATED):
        store_skin(log, 1_000, [_check(answer)])
    fast, full = appended(log), read_log(log)
    assert skin_checks(fast) == skin_checks(full) == (_check(SkinAnswer.IRRITATED),)
    assert fast.header == full.header
    assert fast.summary == full.summary
    assert [e["event"] for e in fast.events] == ["pain", "skin", "skin", "skin"]


def test_a_block_longer_than_the_tail_is_read_whole(home: Path) -> None:
    log = _session(home, DAY, SkinAnswer.RED)
    for _ in range(700):  # about 100 kB of checks after the summary
        store_skin(log, 1_000, [_check(SkinAnswer.SKIPPED, "x" * 100)])
    assert log.stat().st_size > 65_536
    assert skin_checks(appended(log))[0] == _check(SkinAnswer.RED)


def test_a_file_that_is_not_a_log_is_refused(home: Path) -> None:
    junk = home / "junk.jsonl"
    home.mkdir(parents=True, exist_ok=True)
    junk.write_text('{"type": "event", "event": "skin", "checks": []}\n')
    with pytest.raises(UserInputError, match="not a session log"):
        appended(junk)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("ok", SkinAnswer.OK),
        ("RED", SkinAnswer.RED),
        (" irritated\n", SkinAnswer.IRRITATED),
        ("skip", SkinAnswer.SKIPPED),
        ("skipped", SkinAnswer.SKIPPED),
    ],
)
def test_the_option_words(text: str, answer: SkinAnswer) -> None:
    assert parse_answer(text) is answer
    assert skin_option([text]) == ((None, answer),)
    assert skin_option([f"2={text}"]) == ((2, answer),)


def test_the_keys_are_one_letter_each() -> None:
    assert KEYS == {
        "o": SkinAnswer.OK,
        "r": SkinAnswer.RED,
        "i": SkinAnswer.IRRITATED,
        "s": SkinAnswer.SKIPPED,
    }


@pytest.mark.parametrize("text", ["", "o", "sore", "0=red", "1=", "=red", "red,ok", "1=2=ok"])
def test_anything_else_is_refused_naming_the_flag(text: str) -> None:
    assert skin_option([]) == ()
    with pytest.raises(UserInputError, match=r"^--skin "):
        skin_option([text])


def test_an_answer_from_the_environment_is_refused() -> None:
    with pytest.raises(UserInputError, match="--skin: a skin check is taken from the command"):
        skin_option(["ok"], from_environment=True)


def test_options_become_checks_of_the_profile_channels() -> None:
    areas = {1: LOW_BACK, 2: CALF}
    both = option_checks(skin_option(["red"]), areas)
    assert both == (_check(SkinAnswer.RED), _check(SkinAnswer.RED, CALF, 2))
    one = option_checks(skin_option(["2=ok"]), areas)
    assert one == (_check(SkinAnswer.OK, CALF, 2),)
    with pytest.raises(UserInputError, match=r"--skin 3=\.\.\.: there is no channel 3"):
        option_checks(skin_option(["3=ok"]), areas)
    with pytest.raises(UserInputError, match="--skin: channel 2 is given twice"):
        option_checks(skin_option(["ok", "2=red"]), areas)


def test_channel_areas_of_a_logged_profile() -> None:
    profile = {
        "channels": [
            {"number": 1, "body_area": LOW_BACK},
            {"number": True, "body_area": "a bool is no channel"},
            {"number": 2},
            "junk",
        ]
    }
    assert channel_areas(profile) == {1: LOW_BACK}
    assert channel_areas({}) == {}
