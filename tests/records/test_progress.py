"""Progress as data: per session, per day and per profile, what lacked scores, simulated
sessions apart, and sentences that say what the numbers show and nothing more."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.care_logs import local_wall, write_session
from tenscontrol.records.digest import digests
from tenscontrol.records.intervals import MIN_SESSIONS, MeanInterval, mean_interval
from tenscontrol.records.progress import (
    ALL_PROFILES,
    PartOfDay,
    build,
    change_sentence,
)
from tenscontrol.records.tolerance import FrequencyClass

TODAY = date(2030, 7, 20)
#: Words that claim a cause or a benefit beyond the numbers (docs/care.md, wording).
CAUSAL = re.compile(r"\b(help\w*|work\w*|effective\w*|relie\w*|improv\w*|cur\w*|because)\b", re.I)


def test_no_sessions(home: Path) -> None:
    progress = build(digests(home), TODAY, 30)
    assert progress.sessions == ()
    assert progress.days == ()
    assert progress.profiles == ()
    assert progress.overall.sessions == 0
    assert progress.overall.sentence == "no session with both scores"
    assert (progress.first_day, progress.last_day) == (TODAY - timedelta(days=29), TODAY)


def test_one_session(home: Path) -> None:
    write_session(home, local_wall(TODAY, 8), pain=(6, 3), duration_ms=1_200_000)
    progress = build(digests(home), TODAY, 30)
    (point,) = progress.sessions
    assert (point.pain_before, point.pain_after, point.change) == (6, 3, -3)
    assert point.frequency_class is FrequencyClass.HIGH
    (day,) = progress.days
    assert (day.day, day.sessions, day.stimulation_ms, day.pairs) == (TODAY, 1, 1_200_000, 1)
    assert progress.parts_of_day[PartOfDay.MORNING] == 1
    assert progress.profiles[0].sentence.startswith("too few sessions to say (1 scored")
    assert progress.summaries == progress.profiles  # one profile: no "all profiles" line
    assert progress.first_day == TODAY  # the history starts today


def test_days_profiles_and_what_lacked_scores(home: Path) -> None:
    scores = [(7, 4), (6, 4), (8, 5), (5, 3), (7, 5), (6, None), (None, None)]
    for n, pain in enumerate(scores):
        day = TODAY - timedelta(days=n // 2)
        write_session(home, local_wall(day, 8 + 10 * (n % 2)), pain=pain)
    write_session(home, local_wall(TODAY, 20), profile="acupuncture-like", pain=(5, 5))
    write_session(home, local_wall(TODAY, 21), simulated=True, pain=(9, 0))
    write_session(home, local_wall(TODAY - timedelta(days=40)), pain=(9, 9))  # outside
    progress = build(digests(home), TODAY, 30)
    assert len(progress.sessions) == 8
    assert progress.simulated_left_out == 1
    assert (progress.unscored, progress.without_any_score) == (2, 1)
    back = next(s for s in progress.profiles if s.profile == "low-back")
    assert (back.sessions, back.scored) == (7, 5)
    assert back.interval is not None
    assert back.change_mean == pytest.approx(-2.4)
    assert back.sentence == (
        "pain after was 2.4 lower on average (95 % interval 1.7 to 3.1, 5 sessions)"
    )
    assert [s.profile for s in progress.summaries] == ["acupuncture-like", "low-back", ALL_PROFILES]
    today = next(d for d in progress.days if d.day == TODAY)
    assert (today.sessions, today.pairs, today.unscored) == (3, 3, 0)
    assert today.before_mean == pytest.approx(6)
    assert (progress.parts_of_day[PartOfDay.MORNING], progress.parts_of_day[PartOfDay.EVENING]) == (
        4,
        4,
    )
    with_sim = build(digests(home), TODAY, 30, include_simulated=True)
    assert len(with_sim.sessions) == 9
    assert with_sim.simulated_left_out == 0
    assert sum(s.simulated for s in with_sim.profiles) == 1


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([-3, -2, -2, -1, -2], "pain after was 2.0 lower on average (95 % interval 1.1 to 2.9"),
        ([1, 2, 1, 0, 1], "pain after was 1.0 higher on average (95 % interval 0.1 to 1.9"),
        (
            [-3, 2, -1, 1, -1],
            "pain after was 0.4 lower on average (95 % interval 2.0 higher to 2.8 lower",
        ),
        ([-1, 1, 0, 1, -1], "pain after was the same as before on average (95 % interval"),
        ([-2] * 6, "pain after was 2.0 lower on average (95 % interval 2.0 to 2.0, 6 sessions)"),
    ],
)
def test_sentences_say_direction_size_interval_and_count(values: list[int], expected: str) -> None:
    sentence = change_sentence(len(values), mean_interval(values))
    assert sentence.startswith(expected)
    assert sentence.endswith(f", {len(values)} sessions)")


def test_too_few_sessions_to_say() -> None:
    sentence = change_sentence(MIN_SESSIONS - 1, None)
    assert sentence == f"too few sessions to say ({MIN_SESSIONS - 1} scored; at least 5 needed)"


@given(st.lists(st.integers(-10, 10), max_size=40))
def test_no_sentence_claims_a_cause(values: list[int]) -> None:
    interval: MeanInterval | None = mean_interval(values)
    sentence = change_sentence(len(values), interval)
    assert not CAUSAL.search(sentence), sentence
    if interval is not None:
        assert "95 % interval" in sentence
