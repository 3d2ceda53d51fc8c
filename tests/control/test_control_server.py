"""The control server of a running session, against a short real-clock session on sim://:
folder and socket modes, status/adjust/stop answers, bad requests, the stale sockets, one
session at a time, and the sockets removed whatever way the session ends.

And it cannot be starved: a stop gets through floods of idle connections on
either socket, a slow sender and a deeply nested request, within 1 s, with output 0
confirmed; a client has a deadline for its whole request; beyond the bound a client gets a
busy line at once; nested requests are refused before parsing; a slow device STOP does not
hold other answers up; and a client says "no session" only when no session holds the lock.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import select
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tenscontrol.cli.main import cli
from tenscontrol.control import client, handler, requests
from tenscontrol.control.client import request
from tenscontrol.control.connections import (
    MAX_CLIENTS,
    MAX_REQUESTS_PER_CONNECTION,
    MAX_STOP_CLIENTS,
)
from tenscontrol.control.requests import MAX_NESTING
from tenscontrol.control.server import ControlServer
from tenscontrol.control.slot import ControlSlot, session_running, socket_path, stop_socket_path
from tenscontrol.control.wire import MAX_LINE, is_busy
from tenscontrol.device import TensDevice
from tenscontrol.errors import ControlUnavailable, NoSession, SessionBusy
from tenscontrol.profiles import resolve
from tenscontrol.session import SessionEngine, SessionResult
from tenscontrol.session.config import UserCaps

#: What the flood tests promise: ``tens stop`` answered (output 0 confirmed) within this, s.
STOP_WITHIN_S = 1.0
#: Idle connections of a flood, per socket.
FLOOD = 100
#: The slow sender's pace: one byte per this many seconds.
TRICKLE_S = 0.1
#: Under the 4 KiB limit, and deep enough to exhaust the JSON parser's recursion.
DEEP = b"[" * 2_000 + b"]" * 2_000 + b"\n"


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
    engine = SessionEngine(
        resolve("low-back"),
        device,
        intensities_ua={1: 5_000},
        duration_ms=60_000,
        caps=UserCaps(),
        data_root=home,
    )
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


def raw(lines: list[bytes], path: Path | None = None) -> list[dict[str, Any]]:
    """Send raw ``lines`` on one connection (to ``path``, the control socket by default);
    every answer until the server hangs up."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(os.fspath(path or socket_path()))
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
            for path in (socket_path(), stop_socket_path()):
                sock_mode = path.lstat().st_mode
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
        assert down == {
            "ok": True,
            "accepted": True,
            "channel": 1,
            "command": "down",
            "target_ua": 4_000,
            "why": None,
        }
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
        assert answer == {
            "ok": True,
            "reason": "remote",
            "confirmed": True,
            "session_id": live.engine.session_id,
        }
        assert live.delivered_ua == 0
        wait_for(lambda: not socket_path().exists())  # removed once the run is over
        assert not stop_socket_path().exists()
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
    for path in (socket_path(), stop_socket_path()):
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(os.fspath(path))
        stale.close()  # a crashed session: the file stays, nobody listens
        assert path.exists()
    with pytest.raises(NoSession):
        request({"cmd": "status"})
    with pytest.raises(NoSession):
        request({"cmd": "stop"})
    with live_session(home):
        assert request({"cmd": "status"})["ok"] is True
        assert raw([b'{"cmd": "nothing"}\n'], stop_socket_path())[0]["ok"] is False


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
        engine = SessionEngine(
            resolve("low-back"), device, intensities_ua={1: 5_000}, caps=UserCaps(), data_root=home
        )
        states: list[str] = []

        def crash() -> None:
            with ControlServer(engine, slot):
                states.append(request({"cmd": "status"})["status"]["state"])
                raise RuntimeError("crash")

        with pytest.raises(RuntimeError):
            crash()
        assert states == ["starting"]
        assert not socket_path().exists()
        assert not stop_socket_path().exists()
    finally:
        slot.release()
        device.close()


# --- it cannot be starved --------------------------------------------------------------------
def connect(path: Path) -> socket.socket:
    """A connection to ``path`` (5 s timeout on what follows). The connect itself blocks
    (with a timeout it would be non-blocking, and fail at once on a full listen queue)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(os.fspath(path))
    sock.settimeout(5)
    return sock


@contextmanager
def idle_connections(path: Path, count: int = FLOOD) -> Iterator[list[socket.socket]]:
    """``count`` connections to ``path`` that never send anything (closed on the way out)."""
    with ExitStack() as stack:
        yield [stack.enter_context(connect(path)) for _ in range(count)]


def answer_on(sock: socket.socket) -> dict[str, Any]:
    """The first answer line on ``sock`` (5 s at most)."""
    sock.settimeout(5)
    data = b""
    while b"\n" not in data and (chunk := sock.recv(4_096)):
        data += chunk
    return dict(json.loads(data.split(b"\n")[0]))


class Trickler:
    """A client that sends one byte every :data:`TRICKLE_S` seconds (never a newline) until
    the server drops it; the server's last words are in ``received``."""

    def __init__(self, path: Path) -> None:
        self.connected = time.monotonic()  # before: the server's clock starts at its accept
        self.sock = connect(path)
        #: monotonic time the server's drop (its line, or the end) arrived
        self.dropped: float | None = None
        self.received = b""
        self.sent = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        pattern = b'{"cmd": "status"' + b" " * 16
        while not self._done.is_set():
            try:
                self.sock.send(pattern[self.sent % len(pattern) :][:1])
                self.sent += 1
                # waits out the pace, and wakes at once when the server says something
                ready, _, _ = select.select([self.sock], [], [], TRICKLE_S)
                data = self.sock.recv(4_096) if ready else None
            except OSError:
                data = b""
            if data is not None:
                self.dropped = time.monotonic()
                self.received = data
                return

    def wait_dropped(self, timeout_s: float) -> bool:
        """True once the server dropped it (waits up to ``timeout_s`` seconds)."""
        self._thread.join(timeout_s)
        return self.dropped is not None

    def close(self) -> None:
        """Stop sending and close."""
        self._done.set()
        self._thread.join(5)
        self.sock.close()


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The records of errors logged (an unexpected error would be one, with its traceback)."""
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_stop_gets_through_a_flood_of_the_control_socket_within_1_s(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with live_session(home) as live, ExitStack() as stack:
        wait_for(lambda: live.delivered_ua > 0)
        slow = Trickler(socket_path())
        stack.callback(slow.close)
        deep = stack.enter_context(connect(socket_path()))
        deep.sendall(DEEP)
        stack.enter_context(idle_connections(socket_path()))
        assert is_busy(request({"cmd": "status"}))  # the flood fills control.sock
        assert slow.dropped is None  # and the slow sender holds its slot
        began = time.monotonic()
        answer = request({"cmd": "stop"}, timeout_s=15)
        took_s = time.monotonic() - began
        print(f"stop through a flood of control.sock: {took_s * 1_000:.1f} ms")
        assert answer == {
            "ok": True,
            "reason": "remote",
            "confirmed": True,
            "session_id": live.engine.session_id,
        }
        assert took_s < STOP_WITHIN_S
        assert live.delivered_ua == 0
        refused = answer_on(deep)
        assert refused == {"ok": False, "error": f"request nested deeper than {MAX_NESTING} levels"}
    [result] = live.results
    assert (result.reason, result.stop_confirmed) == ("remote", True)
    assert no_tracebacks(caplog) == []


def test_stop_gets_through_a_flood_of_its_own_socket_within_1_s(home: Path) -> None:
    with live_session(home) as live, ExitStack() as stack:
        wait_for(lambda: live.delivered_ua > 0)
        stack.enter_context(idle_connections(socket_path()))
        stoppers = stack.enter_context(idle_connections(stop_socket_path()))
        slow = Trickler(stop_socket_path())
        stack.callback(slow.close)
        began = time.monotonic()
        answer = request({"cmd": "stop"}, timeout_s=15)
        took_s = time.monotonic() - began
        print(f"stop through floods of both sockets: {took_s * 1_000:.1f} ms")
        assert (answer["ok"], answer.get("confirmed")) == (True, True), answer
        assert took_s < STOP_WITHIN_S
        assert live.delivered_ua == 0
        # the oldest idle ones were dropped to make room, and told so
        evicted = answer_on(stoppers[0])
        assert evicted == {
            "ok": False,
            "error": "busy: dropped to make room for another stop request",
        }
        assert len(stoppers) > MAX_STOP_CLIENTS


def test_status_in_a_flood_answers_or_says_busy_never_no_session(home: Path) -> None:
    with live_session(home, request_deadline_s=30) as live:  # the flood keeps its slots
        with idle_connections(socket_path()):
            assert is_busy(request({"cmd": "status"}))
            shown = CliRunner().invoke(cli, ["status"])
            assert shown.exit_code == 3, shown.stderr
            assert shown.stderr.startswith(
                "error: a session is running but its control endpoint is busy: "
            )

        def answered() -> bool:  # while the server notices the hang-ups: busy, never none
            answer = request({"cmd": "status"})
            assert answer["ok"] is True or is_busy(answer), answer
            return answer["ok"] is True

        wait_for(answered)
        assert CliRunner().invoke(cli, ["status"]).exit_code == 0
        assert live.engine.snapshot().state == "running"
    assert not session_running()  # the session is over: now, and only now, there is none
    with pytest.raises(NoSession):
        request({"cmd": "status"})
    assert CliRunner().invoke(cli, ["status"]).exit_code == 1


def test_no_session_is_said_only_when_the_lock_is_free(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "ENDING_GRACE_S", 0.05)
    with pytest.raises(NoSession):
        request({"cmd": "status"})
    slot = ControlSlot.claim()  # a session that is starting: the lock is held, no endpoint
    try:
        assert session_running()
        silent = "a session is running but its control endpoint did not answer"
        for cmd in ("status", "stop"):
            with pytest.raises(ControlUnavailable, match=silent):
                request({"cmd": cmd})
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as hangs_up:
            hangs_up.bind(os.fspath(socket_path()))
            hangs_up.listen()

            def hang_up() -> None:
                conn, _ = hangs_up.accept()
                conn.close()

            thread = threading.Thread(target=hang_up, daemon=True)
            thread.start()
            with pytest.raises(ControlUnavailable, match=silent):
                request({"cmd": "status"})
            thread.join(5)
    finally:
        slot.release()
    assert not session_running()
    with pytest.raises(NoSession):
        request({"cmd": "status"})


def test_a_trickling_client_is_dropped_at_its_whole_request_deadline(home: Path) -> None:
    deadline_s = 0.5
    with live_session(home, request_deadline_s=deadline_s):
        slow = Trickler(socket_path())
        try:
            assert slow.wait_dropped(timeout_s=10 * deadline_s), "never dropped"
        finally:
            slow.close()
        assert slow.dropped is not None
        took_s = slow.dropped - slow.connected
        print(f"trickling client dropped after {took_s * 1_000:.0f} ms")
        assert deadline_s <= took_s < deadline_s + 0.5
        assert slow.sent >= 4  # it kept sending all along: no read was ever idle for long
        timeout = f"timeout: no complete request within {deadline_s:g} s"
        assert json.loads(slow.received.split(b"\n")[0]) == {"ok": False, "error": timeout}
        assert request({"cmd": "status"})["ok"] is True


def test_deep_nesting_is_refused_before_parsing_and_the_session_goes_on(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def nested(depth: int) -> bytes:  # the object itself is the first level
        inner = b"[" * (depth - 1) + b"]" * (depth - 1)
        return b'{"cmd": "status", "x": ' + inner + b"}\n"

    quoted = b'{"cmd": "status", "x": "' + b'[{\\"' * 500 + b'"}\n'  # brackets in a string
    with live_session(home) as live:
        answers = raw(
            [
                DEEP,
                nested(1_000),
                nested(MAX_NESTING + 1),
                nested(MAX_NESTING),
                quoted,
                b'{"cmd": "status"}\n',
            ]
        )
        refused = {"ok": False, "error": f"request nested deeper than {MAX_NESTING} levels"}
        assert answers[:3] == [refused] * 3
        assert [a["ok"] for a in answers[3:]] == [True, True, True]
        assert live.engine.snapshot().state == "running"
    assert no_tracebacks(caplog) == []


def test_a_recursion_error_is_caught_anyway(
    home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(requests, "nested_deeper_than", lambda line, limit: False)
    with live_session(home) as live:
        answers = raw([DEEP, b'{"cmd": "status"}\n'])
        assert answers[0] == {"ok": False, "error": "request nested too deeply"}
        assert answers[1]["ok"] is True
        assert live.engine.snapshot().state == "running"
    assert no_tracebacks(caplog) == []


def test_an_unexpected_error_is_logged_and_answered_internal_error(
    home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(engine: SessionEngine) -> dict[str, Any]:
        raise RuntimeError("a bug")

    with live_session(home) as live:
        monkeypatch.setattr(handler, "status_of", broken)
        assert request({"cmd": "status"}) == {"ok": False, "error": "internal error: RuntimeError"}
        [logged] = no_tracebacks(caplog)
        assert logged.exc_info is not None
        timeout = live.server._timeout
        failures: list[int] = []

        def fails_once() -> float | None:  # a bug in the loop itself, once
            if not failures:
                failures.append(1)
                raise RuntimeError("a bug in the loop")
            return timeout()

        live.server._timeout = fails_once  # type: ignore[method-assign]
        live.server._wake()
        answer = request({"cmd": "stop"}, timeout_s=15)
        assert (answer["ok"], answer.get("confirmed")) == (True, True), answer
    assert failures == [1]
    assert "a bug in the loop" in caplog.text


def test_beyond_max_clients_a_busy_line_at_once(home: Path) -> None:
    with live_session(home, request_deadline_s=30):
        with (
            idle_connections(socket_path(), MAX_CLIENTS),
            connect(socket_path()) as extra,  # it neither sends nor reads
        ):
            busy = f"busy: {MAX_CLIENTS} clients are connected; try again"
            assert answer_on(extra) == {"ok": False, "error": busy}
            assert extra.recv(16) == b""  # and it is closed
        wait_for(lambda: request({"cmd": "status"})["ok"] is True)  # slots back on hang-up


def test_one_connection_gets_a_bounded_number_of_answers(home: Path) -> None:
    with live_session(home):
        answers = raw([b'{"cmd": "status"}\n'] * (MAX_REQUESTS_PER_CONNECTION + 8))
        assert len(answers) == MAX_REQUESTS_PER_CONNECTION
        assert all(a["ok"] for a in answers)
        only_stop = raw([b'{"cmd": "status"}\n', b'{"cmd": "status"}\n'], stop_socket_path())
        assert only_stop == [{"ok": False, "error": 'stop.sock takes only {"cmd": "stop"}'}]


def test_a_slow_device_stop_does_not_hold_other_answers_up(home: Path) -> None:
    with live_session(home) as live:
        real_stop = live.engine.request_stop
        entered, release = threading.Event(), threading.Event()

        def slow_stop(reason: str = "user", detail: Mapping[str, object] | None = None) -> None:
            entered.set()  # and then as slow as a priority STOP on a slow link
            release.wait(10)
            real_stop(reason, detail)

        live.engine.request_stop = slow_stop  # type: ignore[method-assign]
        try:
            with connect(stop_socket_path()) as stopper:
                stopper.sendall(b'{"cmd": "stop"}\n')
                assert entered.wait(5)
                began = time.monotonic()
                assert request({"cmd": "status"}, timeout_s=3)["ok"] is True
                assert request({"cmd": "adjust", "channel": 1, "step": -1})["accepted"] is True
                assert time.monotonic() - began < 0.5
                release.set()
                assert answer_on(stopper)["confirmed"] is True
        finally:
            release.set()
        assert live.delivered_ua == 0


def test_a_client_looking_at_the_lock_does_not_refuse_a_starting_session(tmp_path: Path) -> None:
    """``tens status`` checks the lock with a momentary shared flock; a ``tens start`` at
    that very instant waits it out instead of saying another session runs."""
    folder = tmp_path / "run"
    ControlSlot.claim(folder).release()  # makes the folder and the lock file
    fd = os.open(folder / "control.lock", os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    releaser = threading.Timer(0.02, os.close, args=(fd,))
    releaser.start()
    try:
        slot = ControlSlot.claim(folder)
    finally:
        releaser.join()
    slot.release()
