"""``tens start`` and the skin: ``--skin`` checked before any port is opened, the placement
reminder and the skin check after the session (one key per channel on a terminal), stored
in the log, and the warning in the plan of the next session on the same skin (advice only:
what runs is the same)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import termios
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from start_helpers import FAST, error_lines, isolate, json_lines, run, store_passed_screening

from helpers.care_logs import local_wall, write_session
from helpers.waiting import wait_until
from tenscontrol.cli.start import command as start_cmd
from tenscontrol.cli.start import device as start_device
from tenscontrol.profiles import resolve
from tenscontrol.records.logreader import read_log
from tenscontrol.records.skin import MOVE_PADS, SkinAnswer, SkinCheck, store_skin

YESTERDAY = date.fromtimestamp(time.time()) - timedelta(days=1)
LOW_BACK = resolve("low-back").channels[0].body_area
SCIATIC = [c.body_area for c in resolve("sciatic-leg").channels]
#: A real session on a device that sim:// stands in for, one second long.
REAL = ("--port", "sim://", "--yes", "--duration", "1s")


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


@pytest.fixture
def real(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """sim:// stands in for a real device (IDENTITY not trusted), with a valid screening."""
    monkeypatch.setattr(start_device.OpenedDevice, "simulated", property(lambda self: False))
    store_passed_screening(home, time.time())
    return home


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdin is an interactive terminal (click's runner feeds its keys)."""
    monkeypatch.setattr(start_cmd, "stdin_is_terminal", lambda: True)


def _logs(home: Path) -> list[Path]:
    return sorted((home / "sessions").glob("*.jsonl"))


def _skin_events(log: Path) -> list[dict[str, Any]]:
    return [e for e in read_log(log).events if e.get("event") == "skin"]


def _red_yesterday(home: Path, area: str = LOW_BACK, answer: SkinAnswer = SkinAnswer.RED) -> Path:
    """A real session yesterday whose skin check said ``answer`` on ``area``."""
    log = write_session(home, local_wall(YESTERDAY, 9))
    store_skin(log, 1_800_000, [SkinCheck(1, area, answer)], given_wall=local_wall(YESTERDAY, 10))
    return log


def _plan(profile: str = "low-back") -> dict[str, Any]:
    result = run("start", "--profile", profile, "--json", *FAST)
    assert result.exit_code == 0, result.stderr
    plan = json_lines(result.stdout)[0]
    assert plan["event"] == "plan"
    return plan


@pytest.mark.parametrize(
    ("values", "profile"),
    [
        (("purple",), "low-back"),
        (("",), "low-back"),
        (("o",), "low-back"),
        (("0=red",), "low-back"),
        (("2=red",), "low-back"),
        (("ok", "1=red"), "sciatic-leg"),
        (("2=ok", "2=red"), "sciatic-leg"),
    ],
)
def test_a_bad_skin_is_refused_before_any_port(
    home: Path, monkeypatch: pytest.MonkeyPatch, values: tuple[str, ...], profile: str
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a port was opened for bad input")

    monkeypatch.setattr(start_cmd, "open_device", refuse)
    skin = [arg for value in values for arg in ("--skin", value)]
    result = run("start", "--profile", profile, *skin, *FAST)
    assert result.exit_code == 2
    (line,) = error_lines(result)
    assert line.startswith("error: --skin")
    assert not (home / "sessions").exists()


def test_a_skin_answer_from_the_environment_is_refused(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer set once in the environment would be recorded for every session."""
    monkeypatch.setenv("TENS_START_SKIN", "ok")
    result = run("start", "--profile", "low-back", *FAST)
    assert result.exit_code == 2
    (line,) = error_lines(result)
    assert line.startswith("error: --skin: ")
    assert "environment" in line
    assert not (home / "sessions").exists()


def test_skin_given_is_stored_and_in_the_json_after_the_end(home: Path) -> None:
    result = run(
        "start", "--profile", "sciatic-leg", "--skin", "1=red", "--skin", "2=ok", "--json", *FAST
    )
    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    end, skin = lines[-2:]
    assert end["event"] == "end"
    assert [p["body_area"] for p in end["placement"]] == SCIATIC
    assert end["placement"][0]["placement"].startswith("Painful side only.")
    assert end["placement_advice"] == MOVE_PADS
    assert skin["event"] == "skin"
    assert skin["checks"] == [
        {"channel": 1, "body_area": SCIATIC[0], "answer": "red"},
        {"channel": 2, "body_area": SCIATIC[1], "answer": "ok"},
    ]
    assert (skin["source"], skin["stored"], skin["simulated"]) == ("option", True, True)
    assert "clinician" in skin["advice"]
    (event,) = _skin_events(Path(end["log"]))
    assert event["checks"] == skin["checks"]
    assert event["source"] == "option"
    assert event["t_ms"] == end["duration_ms"]


def test_plain_lines_say_where_the_pads_were_and_to_move_them(home: Path) -> None:
    result = run("start", "--profile", "low-back", "--skin", "skip", "--plain", *FAST)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    ended = next(i for i, line in enumerate(lines) if "session ended" in line)
    after = lines[ended + 1 :]
    assert after[0].startswith(f"SIMULATED  placement: channel 1 ({LOW_BACK}): ")
    assert " ".join(resolve("low-back").channels[0].placement.split()) in after[0]
    assert after[1] == f"SIMULATED  placement: {MOVE_PADS}"
    assert after[2] == "SIMULATED  skin check: channel 1 skipped (stored)"
    assert len(after) == 3  # no advice after a skip
    (event,) = _skin_events(_logs(home)[-1])
    assert event["checks"][0]["answer"] == "skipped"


def test_a_simulated_session_without_skin_gets_neither(home: Path) -> None:
    result = run("start", "--profile", "low-back", "--json", *FAST)
    assert result.exit_code == 0, result.stderr
    end = json_lines(result.stdout)[-1]
    assert end["event"] == "end"
    assert "placement" not in end
    assert "Skin" not in result.stderr
    assert _skin_events(_logs(home)[-1]) == []


def test_on_a_terminal_one_key_per_channel_is_asked_and_stored(real: Path, terminal: None) -> None:
    result = run("start", "--profile", "sciatic-leg", *REAL, "--no-diary", stdin="xri")
    assert result.exit_code == 0, result.stderr
    err = result.stderr
    assert err.count("Skin under the pads of channel 1") == 2  # asked again after "x"
    assert "please press one key: o ok, r red, i irritated, s skip" in err
    assert f"channel 2 ({SCIATIC[1]})" in err
    (event,) = _skin_events(_logs(real)[-1])
    assert [c["answer"] for c in event["checks"]] == ["red", "irritated"]
    assert event["source"] == "prompt"
    out = result.stdout
    assert "placement: channel 1" in out
    assert "placement: channel 2" in out
    assert "skin check: channel 1 red, channel 2 irritated (stored)" in out
    assert "the next session on that skin will remind you" in out
    assert "SIMULATED" not in out


def test_the_pain_score_after_comes_first_then_the_skin(real: Path, terminal: None) -> None:
    result = run("start", "--profile", "low-back", *REAL, "--pain-before", "6", stdin="3\no")
    assert result.exit_code == 0, result.stderr
    events = read_log(_logs(real)[-1]).events
    assert [e["event"] for e in events[-2:]] == ["pain", "skin"]
    assert (events[-2]["before"], events[-2]["after"]) == (6, 3)
    assert events[-1]["checks"][0]["answer"] == "ok"


def test_the_end_of_input_stops_asking_and_keeps_what_was_answered(
    real: Path, terminal: None
) -> None:
    result = run("start", "--profile", "sciatic-leg", *REAL, "--no-diary", "--json", stdin="r")
    assert result.exit_code == 0, result.stderr
    assert "skin check: not asked further" in result.stderr
    (event,) = _skin_events(_logs(real)[-1])
    assert event["checks"] == [{"channel": 1, "body_area": SCIATIC[0], "answer": "red"}]
    skin = json_lines(result.stdout)[-1]
    assert (skin["event"], skin["source"], skin["simulated"]) == ("skin", "prompt", False)


def test_without_a_terminal_nothing_is_asked_but_the_reminder_is_shown(real: Path) -> None:
    result = run("start", "--profile", "low-back", *REAL, "--no-diary", "--json", stdin="r\n")
    assert result.exit_code == 0, result.stderr
    end = json_lines(result.stdout)[-1]
    assert end["event"] == "end"  # no skin line: nothing was answered
    assert end["placement"][0]["body_area"] == LOW_BACK
    assert "Skin under" not in result.stderr
    assert _skin_events(_logs(real)[-1]) == []


def test_a_red_or_irritated_warns_the_plan_of_the_same_skin(home: Path) -> None:
    _red_yesterday(home)
    (warning,) = _plan()["skin"]
    assert (warning["channel"], warning["body_area"]) == (1, LOW_BACK)
    assert (warning["answer"], warning["checked_on"]) == ("red", YESTERDAY.isoformat())
    assert warning["advice_only"] is True
    text = " ".join(warning["text"])
    assert "recover" in text
    assert "clinician" in text
    (other,) = _plan("sciatic-leg")["skin"]  # its channel 1 is on the low back too
    assert other["channel"] == 1
    assert _plan("calf")["skin"] == []


def test_a_later_ok_clears_the_warning_and_a_later_skip_does_not(home: Path) -> None:
    _red_yesterday(home, answer=SkinAnswer.IRRITATED)
    assert _plan()["skin"][0]["answer"] == "irritated"
    run("start", "--profile", "low-back", "--skin", "skip", *FAST)
    assert _plan()["skin"][0]["answer"] == "irritated"  # simulated, and a skip: passed over
    log = write_session(home, time.time() - 3_600)  # a real session an hour ago
    store_skin(log, 1_800_000, [SkinCheck(1, LOW_BACK, SkinAnswer.OK)])
    assert _plan()["skin"] == []


def test_the_plain_warning_is_in_the_plan_before_the_question(home: Path) -> None:
    _red_yesterday(home)
    before = _logs(home)
    unconfirmed = tuple(a for a in FAST if a != "--yes")
    result = run("start", "--profile", "low-back", "--plain", *unconfirmed, stdin="n\n")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stdout.splitlines() if "warning: skin: " in line]
    assert len(warnings) == 1
    assert f"channel 1 ({LOW_BACK}): the skin there was red at the last check, on " in warnings[0]
    assert YESTERDAY.isoformat() in warnings[0]
    assert "clinician" in result.stdout
    assert "Not started" in result.stderr
    assert _logs(home) == before  # nothing ran


def test_a_simulated_sessions_red_warns_no_later_session(home: Path) -> None:
    done = run("start", "--profile", "low-back", "--skin", "red", "--plain", *FAST)
    assert done.exit_code == 0, done.stderr
    assert "skin check: channel 1 red (stored)" in done.stdout
    assert "clinician" in done.stdout
    assert "remind you" not in done.stdout  # a simulator put nothing through skin
    assert _plan()["skin"] == []


def test_the_warning_changes_nothing_that_runs(home: Path) -> None:
    plain = _plan()
    first = read_log(_logs(home)[-1]).header
    _red_yesterday(home)
    warned = _plan()
    second = read_log(_logs(home)[-1]).header
    assert warned["skin"] != []
    varies = {"skin", "port"}  # the port: each simulator has a clock of its own
    assert {k: v for k, v in warned.items() if k not in varies} == {
        k: v for k, v in plain.items() if k not in varies
    }
    for key in ("profile", "limits", "intensities_ua", "duration_ms"):
        assert first[key] == second[key], key


def test_old_logs_and_a_torn_one_in_the_history_work(home: Path) -> None:
    write_session(home, local_wall(YESTERDAY - timedelta(days=2), 9), pain=(5, 3))  # no skin
    assert _plan()["skin"] == []
    torn = write_session(home, local_wall(YESTERDAY, 9), finished=False)
    with torn.open("ab") as file:
        file.write(b'{"type": "event", "t_ms": 1500, "event": "tele')  # a crash mid-write
    store_skin(torn, 1_500, [SkinCheck(1, LOW_BACK, SkinAnswer.RED)])
    (warning,) = _plan()["skin"]
    assert warning["session_id"] == torn.stem


def test_the_one_key_prompt_on_a_real_terminal(tmp_path: Path) -> None:
    """The prompt reads one key in raw mode on a pty (no Enter): x is asked again, i
    answers; Ctrl-C is a key there and stops asking."""
    program = (
        "from tenscontrol.cli.start.prompts import ask_skin\n"
        "try:\n"
        "    print(ask_skin(1, 'calf').value, flush=True)\n"
        "    print(ask_skin(2, 'calf').value, flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
    )
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-c", program],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    os.close(slave)
    try:
        seen = b""
        for key in (b"x", b"i", b"\x03"):
            seen += _read_until(master, b"skip? ")  # the question, each time anew
            # a key typed before the prompt makes the terminal raw would be flushed
            wait_until(lambda: not termios.tcgetattr(master)[3] & termios.ICANON, 10, "raw mode")
            os.write(master, key)
        out, _ = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
    assert out.splitlines() == ["irritated", "interrupted"]
    assert b"please press one key" in seen


def _read_until(fd: int, marker: bytes, timeout: float = 10.0) -> bytes:
    """What the pty shows from now until ``marker``."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no {marker!r} within {timeout} s: {seen!r}"
        seen += os.read(fd, 1024)
    return seen
