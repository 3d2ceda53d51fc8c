"""``tens status``, ``tens stop``, ``tens adjust`` in-process: no session (exit 1, one line),
bad input (exit 2), the plain status text, an answer refused, and ``tens start`` refused
(exit 2, no port opened) while another session holds the control endpoint. A session that
holds the lock but does not answer, or answers busy, is exit 3, never "no session"."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from start_helpers import FAST, error_lines, isolate, json_lines, run

from tenscontrol.cli import control_cmd
from tenscontrol.cli.control_cmd import parse_change, status_lines
from tenscontrol.cli.start import command as start_cmd
from tenscontrol.control import client
from tenscontrol.control.slot import ControlSlot, socket_path
from tenscontrol.control.wire import encode
from tenscontrol.errors import TensError, UserInputError
from tenscontrol.session.ramps import ChannelRamp


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


STATUS: dict[str, Any] = {
    "session_id": "20260101T100000Z-low-back",
    "profile": "low-back",
    "state": "running",
    "reason": None,
    "phase": 0,
    "phase_label": "conventional",
    "elapsed_ms": 65_000,
    "remaining_ms": 55_000,
    "duration_ms": 120_000,
    "stimulating": True,
    "simulated": True,
    "link_quality_pct": 99,
    "battery_pct": 87,
    "channels": [
        {
            "channel": 1,
            "setpoint_ua": 12_500,
            "delivered_ua": 12_400,
            "lead": "ok",
            "target_ua": 12_500,
            "ceiling_ua": 50_000,
            "paused": False,
            "faults": [],
        }
    ],
}


NO_SESSION_ARGS = [
    ("status",),
    ("status", "--watch"),
    ("stop",),
    ("adjust", "+1"),
    ("adjust", "--channel", "2", "=12.5"),
]


@pytest.mark.parametrize("args", NO_SESSION_ARGS)
def test_no_session_is_one_line_and_exit_1(home: Path, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "error: no session is running (start one with `tens start`)\n"


def test_a_stale_socket_means_no_session(home: Path) -> None:
    slot = ControlSlot.claim()  # makes the folder; a socket file nobody listens on
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(socket_path()))
    stale.close()
    slot.release()
    assert run("status").exit_code == 1


@pytest.mark.parametrize("change", ["5", "+2", "=", "=abc", "=-3", "up", "=80.001", "=1e9"])
def test_bad_changes_are_exit_2(home: Path, change: str) -> None:
    result = run("adjust", change)
    assert result.exit_code == 2
    assert len(error_lines(result)) == 1


def test_parse_change() -> None:
    assert parse_change("+1") == {"step": 1}
    assert parse_change("-1") == {"step": -1}
    assert parse_change("=12.5") == {"set_ua": 12_500}
    with pytest.raises(UserInputError):
        parse_change("12")


def test_status_text_labels_a_simulated_session() -> None:
    lines = status_lines(STATUS)
    assert lines[0] == "SIMULATED session 20260101T100000Z-low-back (profile low-back): running"
    assert lines[1] == "STIMULATING; phase conventional; elapsed 01:05, remaining 00:55"
    assert lines[2].startswith("channel 1: setpoint 12.5 mA, delivered 12.4 mA, target 12.5 mA")
    assert lines[-1] == "link 99%, battery 87%"
    real = status_lines({**STATUS, "simulated": False, "stimulating": False})
    assert real[0].startswith("session ")
    assert real[1].startswith("OUTPUT OFF")


def test_status_json_and_refusals(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers: dict[str, dict[str, Any]] = {
        "status": {"ok": True, "status": STATUS},
        "adjust": {
            "ok": True,
            "accepted": False,
            "target_ua": 50_000,
            "why": "at the ceiling of 50 mA",
        },
        "stop": {"ok": False, "error": "output 0 was not confirmed by the device"},
    }
    monkeypatch.setattr(control_cmd, "request", lambda message, timeout_s: answers[message["cmd"]])
    shown = run("status", "--json")
    assert shown.exit_code == 0
    assert '"setpoint_ua": 12500' in shown.stdout
    refused = run("adjust", "+1")
    assert refused.exit_code == 2
    assert error_lines(refused) == ["error: channel 1: refused: at the ceiling of 50 mA"]
    stopped = run("stop")
    assert stopped.exit_code == 3
    assert "not confirmed" in stopped.stderr


def test_stop_without_an_answer_is_exit_3(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def silent(message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        raise TensError(f"the session did not answer within {timeout_s:g} s")

    monkeypatch.setattr(control_cmd, "request", silent)
    result = run("stop")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "error: the session did not answer within 15 s",
        "hint: the output may still be on: remove the pads now and unplug the device",
    ]


def test_start_is_refused_while_another_session_runs(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a port was opened with another session running")

    monkeypatch.setattr(start_cmd, "open_device", refuse)
    slot = ControlSlot.claim()
    try:
        result = run("start", "--profile", "low-back", "--intensity", "5", *FAST)
    finally:
        slot.release()
    assert result.exit_code == 2
    assert error_lines(result) == ["error: another session is already running on this computer"]


def test_start_releases_the_endpoint_when_it_ends(home: Path) -> None:
    result = run("start", "--profile", "low-back", "--intensity", "5", *FAST)
    assert result.exit_code == 0, result.stderr
    assert not socket_path().exists()
    ControlSlot.claim().release()  # the slot is free again


@pytest.mark.parametrize("command", ["status", "stop", "adjust"])
def test_help_has_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert f"tens {command}" in result.stdout.split("Example")[1]


def test_start_refused_without_a_usable_control_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("TENS_HOME", str(not_a_folder))
    result = run("start", "--profile", "low-back", "--intensity", "5", *FAST)
    assert result.exit_code == 2
    assert error_lines(result)[0].startswith(f"error: control folder {not_a_folder}/run")
    monkeypatch.setenv("TENS_HOME", str(tmp_path / ("x" * 120)))
    result = run("start", "--profile", "low-back", "--intensity", "5", *FAST)
    assert result.exit_code == 2
    assert "control socket path too long" in result.stderr


SILENT = "error: a session is running but its control endpoint did not answer"


@pytest.fixture
def held(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ControlSlot]:
    """The session lock held, as by a session that is starting (no endpoint yet); a short
    grace for a session to end, so the tests are quick."""
    monkeypatch.setattr(client, "ENDING_GRACE_S", 0.05)
    slot = ControlSlot.claim()
    try:
        yield slot
    finally:
        slot.release()


@pytest.mark.parametrize(
    ("args", "socket_name"),
    [(("status",), "control.sock"), (("adjust", "+1"), "control.sock"), (("stop",), "stop.sock")],
)
def test_a_session_that_does_not_answer_is_exit_3_never_no_session(
    held: ControlSlot, args: tuple[str, ...], socket_name: str
) -> None:
    result = run(*args)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert error_lines(result) == [f"{SILENT}: nothing listens on {socket_name}"]
    if args == ("stop",):
        assert (
            "hint: the output may still be on: remove the pads now and unplug the device"
            in result.stderr
        )


@contextmanager
def busy_endpoint(connections: int) -> Iterator[None]:
    """``control.sock`` served by a stand-in that answers busy, ``connections`` times."""
    busy = encode({"ok": False, "error": "busy: 16 clients are connected; try again"})
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(socket_path()))
        listener.listen()
        listener.settimeout(5)

        def serve() -> None:
            for _ in range(connections):
                conn, _ = listener.accept()
                with conn:
                    conn.sendall(busy)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        yield
        thread.join(5)


def test_a_busy_endpoint_is_exit_3(held: ControlSlot) -> None:
    with busy_endpoint(connections=2):
        for args in (("status",), ("adjust", "-1")):
            result = run(*args)
            assert result.exit_code == 3
            assert error_lines(result) == [
                "error: a session is running but its control endpoint is busy: "
                "16 clients are connected; try again"
            ]


def test_status_watch_skips_a_busy_refresh(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = [
        {"ok": True, "status": STATUS},
        {"ok": False, "error": "busy: 16 clients are connected; try again"},
        {"ok": True, "status": {**STATUS, "state": "ended", "reason": "remote"}},
    ]
    monkeypatch.setattr(control_cmd, "request", lambda message, timeout_s: answers.pop(0))
    monkeypatch.setattr(control_cmd, "WATCH_PERIOD_S", 0.0)
    result = run("status", "--watch", "--json")
    assert result.exit_code == 0, result.stderr
    assert [line["state"] for line in json_lines(result.stdout)] == ["running", "ended"]
    assert result.stderr.startswith("warning: a session is running but its control endpoint is")
    assert answers == []


def fake_session(monkeypatch: pytest.MonkeyPatch, adjust: dict[str, Any]) -> list[str]:
    """A stand-in endpoint answering STATUS and ``adjust``; returns the commands asked."""
    asked: list[str] = []

    def answer(message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        asked.append(message["cmd"])
        return {"ok": True, "status": STATUS} if message["cmd"] == "status" else adjust

    monkeypatch.setattr(control_cmd, "request", answer)
    return asked


def test_adjust_of_a_channel_the_session_lacks_is_bad_input(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 2 (what was typed is wrong), not 1 (the "no session" code); never sent."""
    asked = fake_session(monkeypatch, {"ok": True, "accepted": True, "target_ua": 1_000})
    result = run("adjust", "--channel", "3", "+1")
    assert result.exit_code == 2
    assert error_lines(result) == [
        "error: --channel 3: the running session has no channel 3 (channels: 1)"
    ]
    assert asked == ["status"]


def test_adjust_above_the_ceiling_is_told_in_ma(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = fake_session(monkeypatch, {"ok": True, "accepted": True, "target_ua": 1_000})
    result = run("adjust", "=60")
    assert result.exit_code == 2
    assert error_lines(result) == ["error: =60: 60 mA is above the ceiling of 50 mA of channel 1"]
    assert asked == ["status"]


def test_an_adjust_the_endpoint_refuses_is_bad_input(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_session(monkeypatch, {"ok": False, "error": "channel must be one of [1]"})
    result = run("adjust", "+1")
    assert result.exit_code == 2
    assert error_lines(result) == ["error: channel must be one of [1]"]


def test_the_sessions_own_refusals_speak_ma() -> None:
    """What the session answers a key or ``tens adjust`` with reaches the person as is."""
    ramp = ChannelRamp(channel=1, ceiling_ua=50_000, soft_start_ms=10_000, target_ua=50_000)
    assert ramp.up(0) == "at the ceiling of 50 mA"
    assert ramp.set_to(0, 60_000) == "60 mA is outside 0 to the ceiling of 50 mA of channel 1"


def test_status_says_what_no_target_means_and_the_times_add_up() -> None:
    lead_off = {**STATUS["channels"][0], "target_ua": None, "lead": "off"}
    lines = status_lines(
        {**STATUS, "elapsed_ms": 65_400, "remaining_ms": 54_600, "channels": [lead_off]}
    )
    assert "elapsed 01:05, remaining 00:55" in lines[1]  # 65.4 s + 54.6 s = 2:00
    assert "target 0 mA (raise to start) of 50 mA ceiling" in lines[2]
    assert "- mA" not in lines[2]
