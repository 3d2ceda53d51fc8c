"""The control server of a running session, against a short real-clock session on sim://:
folder and socket modes, status/adjust/stop answers, bad requests, the stale socket, one
session at a time, and the socket removed whatever way the session ends."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tenscontrol.device import TensDevice
from tenscontrol.profiles import resolve
from tenscontrol.session import SessionEngine, SessionResult
from tenscontrol.session.config import UserCaps
from tenscontrol.session.control import (
    MAX_LINE,
    ControlSlot,
    NoSession,
    SessionBusy,
    request,
    socket_path,
)
from tenscontrol.session.control_server import ControlServer


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Wait until ``condition()`` holds (checked every 20 ms), or fail at the deadline."""
    deadline = time.monotonic() + timeout_s
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        pause.wait(0.02)


@dataclass
class Live:
    """A session running in a thread, served on ``server``."""

    engine: SessionEngine
    device: TensDevice
    server: ControlServer
    slot: ControlSlot
    results: list[SessionResult] = field(default_factory=list)

    @property
    def delivered_ua(self) -> int:
        model = self.device._core.port.model  # type: ignore[attr-defined]
        return int(model.channel(1).delivered_ua)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TENS_HOME", str(tmp_path / "h"))
    return tmp_path / "h"


@contextmanager
def live_session(home: Path, **server_options: Any) -> Iterator[Live]:
    """A 60 s low-back session at 5 mA on a threaded sim:// device, with its server."""
    device = TensDevice.open("sim://")
    slot = ControlSlot.claim()
    engine = SessionEngine(resolve("low-back"), device, intensities_ua={1: 5_000},
                           duration_ms=60_000, caps=UserCaps(), data_root=home)  # fmt: skip
    server = ControlServer(engine, slot, **server_options)
    live = Live(engine, device, server, slot)

    def run() -> None:
        with server:
            live.results.append(engine.run())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: engine.snapshot().state == "running")
        yield live
    finally:
        engine.request_stop()
        thread.join(timeout=5)
        slot.release()
        device.close()


def raw(lines: list[bytes]) -> list[dict[str, Any]]:
    """Send raw ``lines`` on one connection; every answer until the server hangs up."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(os.fspath(socket_path()))
        sock.sendall(b"".join(lines))
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65_536):
            data += chunk
    return [json.loads(line) for line in data.splitlines()]


def test_folder_0700_and_socket_0600_whatever_the_umask(home: Path) -> None:
    old = os.umask(0)
    try:
        with live_session(home):
            folder = socket_path().parent
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
            sock_mode = socket_path().lstat().st_mode
            assert stat.S_ISSOCK(sock_mode)
            assert stat.S_IMODE(sock_mode) == 0o600
    finally:
        os.umask(old)


def test_status_is_the_snapshot_in_integer_units(home: Path) -> None:
    with live_session(home) as live:
        wait_for(lambda: live.engine.snapshot().stimulating)
        status = request({"cmd": "status"})["status"]
    assert status["session_id"] == live.engine.session_id
    assert status["profile"] == "low-back"
    assert status["state"] == "running"
    assert status["simulated"] is True
    assert status["stimulating"] is True
    for key in ("elapsed_ms", "remaining_ms", "duration_ms", "link_quality_pct", "battery_pct"):
        assert isinstance(status[key], int), key
    assert status["duration_ms"] == 60_000
    [channel] = status["channels"]
    assert channel["channel"] == 1
    assert channel["target_ua"] == 5_000
    assert channel["ceiling_ua"] == 50_000
    assert isinstance(channel["setpoint_ua"], int)
    assert channel["faults"] == []


def test_adjust_steps_sets_and_reports_refusals(home: Path) -> None:
    with live_session(home) as live:
        down = request({"cmd": "adjust", "channel": 1, "step": -1})
        assert down == {"ok": True, "accepted": True, "channel": 1, "command": "down",
                        "target_ua": 4_000, "why": None}  # fmt: skip
        up = request({"cmd": "adjust", "channel": 1, "step": 1})
        assert (up["accepted"], up["target_ua"]) == (True, 5_000)
        lower = request({"cmd": "adjust", "channel": 1, "set_ua": 2_500})
        assert (lower["accepted"], lower["target_ua"]) == (True, 2_500)
        too_high = request({"cmd": "adjust", "channel": 1, "set_ua": 60_000})
        assert too_high["ok"] is True
        assert too_high["accepted"] is False
        assert too_high["target_ua"] == 2_500
        assert "outside" in too_high["why"]
        assert live.engine.snapshot().channels[0].target_ua == 2_500


def test_adjust_answers_with_its_own_result_not_a_key_press_in_between(home: Path) -> None:
    with live_session(home) as live:
        engine_up = live.engine.up

        def key_press_first(channel: int, *, origin: str | None = None) -> None:
            engine_up(channel)  # a key of the live view, queued just before the request
            engine_up(channel, origin=origin)

        live.engine.up = key_press_first  # type: ignore[method-assign]
        up = request({"cmd": "adjust", "channel": 1, "step": 1})
    assert (up["accepted"], up["target_ua"]) == (True, 7_000)  # not the key's 6_000


@pytest.mark.parametrize(
    "message",
    [
        {"cmd": "adjust", "channel": 2, "step": 1},
        {"cmd": "adjust", "channel": True, "step": 1},
        {"cmd": "adjust", "channel": 1, "step": 2},
        {"cmd": "adjust", "channel": 1, "step": 1, "set_ua": 1_000},
        {"cmd": "adjust", "channel": 1},
        {"cmd": "adjust", "channel": 1, "set_ua": -1},
        {"cmd": "adjust", "channel": 1, "set_ua": 1.5},
        {"cmd": "adjust", "channel": 1, "set_ua": 80_001},
        {"cmd": "reboot"},
        {"command": "status"},
    ],
)
def test_bad_requests_get_an_error_and_change_nothing(home: Path, message: dict[str, Any]) -> None:
    with live_session(home) as live:
        answer = request(message)
        assert answer["ok"] is False
        assert answer["error"]
        assert live.engine.snapshot().channels[0].target_ua == 5_000
        assert request({"cmd": "status"})["ok"] is True


def test_bad_json_and_oversize_lines_never_crash_the_session(home: Path) -> None:
    with live_session(home) as live:
        answers = raw([b"not json\n", b"[1, 2]\n", b'"status"\n', b'{"cmd": "status"}\n'])
        assert [a["ok"] for a in answers] == [False, False, False, True]
        huge = raw([b'{"cmd": "status", "pad": "' + b"x" * (2 * MAX_LINE) + b'"}\n'])
        assert huge == [{"ok": False, "error": f"request longer than {MAX_LINE} bytes"}]
        assert raw([b"\xff\xfe\n"])[0]["ok"] is False
        assert request({"cmd": "status"})["status"]["state"] == "running"
        assert live.engine.snapshot().state == "running"


def test_stop_answers_once_the_session_ended_with_output_0(home: Path) -> None:
    with live_session(home) as live:
        wait_for(lambda: live.delivered_ua > 0)
        answer = request({"cmd": "stop"}, timeout_s=15)
        assert answer == {"ok": True, "reason": "remote", "confirmed": True,
                          "session_id": live.engine.session_id}  # fmt: skip
        assert live.delivered_ua == 0
        wait_for(lambda: not socket_path().exists())  # removed once the run is over
    [result] = live.results
    assert (result.reason, result.stop_confirmed) == ("remote", True)
    with pytest.raises(NoSession):
        request({"cmd": "status"})


def test_adjust_after_the_end_is_refused(home: Path) -> None:
    with live_session(home) as live:
        request({"cmd": "stop"}, timeout_s=15)
        answer = live.server.answer(b'{"cmd": "adjust", "channel": 1, "step": 1}')
        assert answer["ok"] is False
        assert live.delivered_ua == 0


def test_a_stale_socket_is_replaced(home: Path) -> None:
    folder = socket_path().parent
    folder.mkdir(parents=True)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(os.fspath(socket_path()))
    stale.close()  # a crashed session: the file stays, nobody listens
    assert socket_path().exists()
    with pytest.raises(NoSession):
        request({"cmd": "status"})
    with live_session(home):
        assert request({"cmd": "status"})["ok"] is True


def test_a_second_session_is_refused_while_one_runs(home: Path) -> None:
    with live_session(home):
        with pytest.raises(SessionBusy, match="already running"):
            ControlSlot.claim()
        assert request({"cmd": "status"})["ok"] is True  # the first one is untouched
    ControlSlot.claim().release()  # free again once it ended


def test_close_with_an_idle_client_removes_the_socket(home: Path) -> None:
    with live_session(home) as live:
        idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        idle.connect(os.fspath(socket_path()))
        began = time.monotonic()
        live.engine.request_stop()
        wait_for(lambda: not socket_path().exists())
        assert time.monotonic() - began < 4
        idle.settimeout(2)
        assert idle.recv(10) == b""
        idle.close()


def test_socket_removed_when_the_run_raises(home: Path) -> None:
    device = TensDevice.open("sim://")
    slot = ControlSlot.claim()
    try:
        engine = SessionEngine(resolve("low-back"), device, intensities_ua={1: 5_000},
                               caps=UserCaps(), data_root=home)  # fmt: skip
        states: list[str] = []

        def crash() -> None:
            with ControlServer(engine, slot):
                states.append(request({"cmd": "status"})["status"]["state"])
                raise RuntimeError("crash")

        with pytest.raises(RuntimeError):
            crash()
        assert states == ["starting"]
        assert not socket_path().exists()
    finally:
        slot.release()
        device.close()
