"""The request handler without sockets: a real engine on the simulated device in virtual
time, requests handed in as lines from the engine's own thread at chosen device times.
Status, refusals, adjust answered by its own event (also among rate-limit refusals), stop
answered once the session ended with output 0 confirmed, and nothing changes after the end."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from control_helpers import at, virtual_rig

from tenscontrol import hard_limits as hl
from tenscontrol.control import handler as handler_module
from tenscontrol.control.handler import Pending, RequestHandler
from tenscontrol.control.requests import RequestKind
from tenscontrol.control.slot import Endpoint
from tenscontrol.control.wire import Answer
from tenscontrol.session import SessionEngine


def line(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


def adjust(channel: int = 1, **change: int) -> bytes:
    return line({"cmd": "adjust", "channel": channel, **change})


STATUS = line({"cmd": "status"})
STOP = line({"cmd": "stop"})


def pending(outcome: Answer | Pending) -> Pending:
    assert isinstance(outcome, Pending), outcome
    return outcome


def test_status_and_refusals_before_the_session_runs(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 10_000}, duration_ms=30_000)
        handler = RequestHandler(engine)
        answer = handler.evaluate(STATUS)
        assert isinstance(answer, dict)
        status = answer["status"]
        assert (answer["ok"], status["state"], status["profile"]) == (True, "starting", "low-back")
        assert status["duration_ms"] == 30_000
        assert [c["ceiling_ua"] for c in status["channels"]] == [50_000]
        assert handler.evaluate(adjust(step=1)) == {
            "ok": False,
            "error": "the session is not running (starting)",
        }
        assert handler.evaluate(STATUS, Endpoint.STOP) == {
            "ok": False,
            "error": 'stop.sock takes only {"cmd": "stop"}',
        }
        assert handler.evaluate(adjust(channel=2, step=1)) == {
            "ok": False,
            "error": "channel must be one of [1]",
        }
        assert handler.answer(b"not json") == {"ok": False, "error": "not a JSON object"}
        assert engine.snapshot().channels[0].target_ua == 10_000


def test_adjust_is_answered_by_its_own_event(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 10_000}, duration_ms=30_000)
        woken: list[int] = []
        handler = RequestHandler(engine, on_ready=lambda: woken.append(1))
        asked: dict[str, Pending] = {}
        early: list[Answer | None] = []

        def ask() -> None:
            asked["down"] = pending(handler.evaluate(adjust(step=-1)))
            asked["high"] = pending(handler.evaluate(adjust(set_ua=60_000)))
            early.append(handler.ready_answer(asked["down"]))  # not taken up yet

        at(rig, 12.0, ask)
        answers: dict[str, Answer | None] = {}
        at(
            rig,
            13.0,
            lambda: answers.update({k: handler.ready_answer(p) for k, p in asked.items()}),
        )
        engine.run()
    assert early == [None]
    assert answers["down"] == {
        "ok": True,
        "accepted": True,
        "channel": 1,
        "command": "down",
        "target_ua": 9_000,
        "why": None,
    }
    high = answers["high"]
    assert high is not None
    assert (high["ok"], high["accepted"], high["command"], high["target_ua"]) == (
        True,
        False,
        "set",
        9_000,
    )
    assert "outside" in high["why"]
    assert len(woken) >= 2  # once per answer that became ready (and once at the end)


def test_each_step_gets_its_own_answer_among_rate_limit_refusals(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 10_000}, duration_ms=30_000)
        handler = RequestHandler(engine)
        steps: list[Pending] = []
        at(
            rig,
            12.0,
            lambda: steps.extend(pending(handler.evaluate(adjust(step=1))) for _ in "12345"),
        )
        answers: list[Answer | None] = []
        at(rig, 12.5, lambda: answers.extend(handler.ready_answer(p) for p in steps))
        engine.run()
    accepted = [a["accepted"] for a in answers if a is not None]
    assert len(accepted) == 5
    assert accepted.count(True) == hl.MAX_USER_UP_STEPS_PER_S
    targets = [a["target_ua"] for a in answers if a is not None and a["accepted"]]
    assert targets == sorted(targets)  # each its own, in order
    assert len(set(targets)) == len(targets)


def test_stop_is_answered_once_the_session_ended_with_output_0(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 20_000}, duration_ms=30_000)
        handler = RequestHandler(engine)
        asked: list[Pending] = []
        before_end: list[Answer | None] = []

        def stop() -> None:
            asked.append(pending(handler.evaluate(STOP)))
            before_end.append(handler.ready_answer(asked[0]))
            handler.begin_stop()
            handler.join_stopper(5.0)  # the manual driver's stop only queues it

        at(rig, 12.0, stop)
        result = engine.run()
        assert rig.model.channel(1).delivered_ua == 0
    assert before_end == [None]
    assert (result.reason, result.stop_confirmed) == ("remote", True)
    [stop_request] = asked
    assert stop_request.kind is RequestKind.STOP
    assert handler.ready_answer(stop_request) == {
        "ok": True,
        "reason": "remote",
        "confirmed": True,
        "session_id": engine.session_id,
    }
    # after the end: no adjust is taken, a stop is answered at once
    assert handler.evaluate(adjust(step=1)) == {
        "ok": False,
        "error": "the session is not running (ended)",
    }
    assert handler.answer(STOP)["confirmed"] is True


def test_closing_refuses_adjusts_and_what_waits_times_out(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 10_000}, duration_ms=30_000)
        handler = RequestHandler(engine, stop_deadline_s=3.0)
        outcomes: list[Pending] = []
        at(rig, 12.0, lambda: outcomes.append(pending(handler.evaluate(adjust(step=-1)))))
        at(rig, 12.0, handler.close)  # before the engine takes the command up
        at(rig, 12.0, lambda: outcomes.append(pending(handler.evaluate(STOP))))
        answers: list[Answer | Pending] = []
        at(rig, 12.0, lambda: answers.append(handler.evaluate(adjust(step=1))))
        engine.run()
    adjust_wait, stop_wait = outcomes
    assert handler.wait_s(stop_wait) == 3.0
    assert handler.wait_s(adjust_wait) == handler.adjust_deadline_s
    assert answers == [{"ok": False, "error": "the session is not running (running)"}]
    assert handler.timeout_answer(stop_wait) == {
        "ok": False,
        "error": "the session did not end within 3 s",
    }
    assert handler.timeout_answer(adjust_wait) == {
        "ok": False,
        "error": "the session did not take the command up (is it ending?)",
    }


def test_a_bug_is_logged_and_answered_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(engine: SessionEngine) -> dict[str, Any]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(handler_module, "status_of", broken)
    with virtual_rig(tmp_path) as rig:
        handler = RequestHandler(rig.engine("low-back", {1: 10_000}, duration_ms=30_000))
        with caplog.at_level(logging.ERROR):
            assert handler.evaluate(STATUS) == {
                "ok": False,
                "error": "internal error: RuntimeError",
            }
    [logged] = caplog.records
    assert logged.exc_info is not None
