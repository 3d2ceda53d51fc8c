"""Session logs: private modes, fsync of safety events, torn lines, interrupted sessions, and
the SQLite index rebuilt from the logs."""

from __future__ import annotations

import itertools
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_mock import MockerFixture
from session_helpers import virtual_rig

from tenscontrol import hard_limits as hl
from tenscontrol.errors import UserInputError
from tenscontrol.records import index, read_log
from tenscontrol.records.logwriter import SessionLogWriter
from tenscontrol.records.paths import data_dir, index_path
from tenscontrol.session import logbook

#: Lines that must reach the disk before the engine goes on (hazard 13).
MUST_SYNC = {
    "header",
    "summary",
    "start",
    "stop",
    "fault",
    "lead",
    "emergency_stop",
    "end",
    "device_lost",
    "channel_start",
    "max_delivered",
}


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)  # the most permissive umask: modes must still be private
    try:
        yield
    finally:
        os.umask(old)


def run_session(tmp_path: Path, options: str = "", duration_ms: int = 20_000) -> Path:
    with virtual_rig(tmp_path, options) as rig:
        result = rig.engine("low-back", {1: 15_000}, duration_ms=duration_ms).run()
    assert result.log_path is not None
    return result.log_path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_are_0600_and_folders_0700_whatever_the_umask(
    tmp_path: Path, open_umask: None
) -> None:
    log = run_session(tmp_path)
    root = tmp_path / "data"
    assert mode(root) == 0o700
    assert mode(log.parent) == 0o700
    assert mode(log) == 0o600
    assert mode(index_path(root)) == 0o600


def test_the_data_dir_follows_tens_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TENS_HOME", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("TENS_HOME")
    assert data_dir().name == "tenscontrol"


def test_a_complete_log_has_header_events_and_summary(tmp_path: Path) -> None:
    record = read_log(run_session(tmp_path, "lead_off=1@15"))
    assert record.status == "complete"
    assert not record.torn
    head = record.header
    assert head["schema"] == 1
    assert head["software"]
    assert head["device"]["model"] == "TC-SIM-2"
    assert head["simulated"] is True
    assert head["profile"]["name"] == "low-back"
    assert head["limits"]["1"]["ceiling_ua"] == 50_000
    assert head["intensities_ua"] == {"1": 15_000}
    kinds = {e["event"] for e in record.events}
    assert {"start", "lead", "stop", "end", "telemetry", "setpoint"} <= kinds
    telemetry = [e["t_ms"] for e in record.events if e["event"] == "telemetry"]
    assert all(b - a >= 900 for a, b in itertools.pairwise(telemetry))  # 1 Hz
    assert record.summary is not None
    assert record.summary["reason"] == "completed"
    assert record.max_delivered_ua == {1: 15_000}


def test_safety_events_are_fsynced_at_once(tmp_path: Path, mocker: MockerFixture) -> None:
    order: list[str] = []
    real_write, real_fsync = os.write, os.fsync

    def write(fd: int, data: bytes) -> int:
        record = json.loads(data) if data.startswith(b"{") else {}
        if "type" in record:  # a session log line (the simulator's log has no "type")
            order.append(record.get("event") or record["type"])
        return real_write(fd, data)

    def fsync(fd: int) -> None:
        order.append("FSYNC")
        real_fsync(fd)

    mocker.patch("tenscontrol.records.logwriter.os.write", side_effect=write)
    mocker.patch("tenscontrol.records.logwriter.os.fsync", side_effect=fsync)
    run_session(tmp_path, "lead_off=1@12")
    for i, kind in enumerate(order):
        if kind in MUST_SYNC:
            assert order[i + 1] == "FSYNC", f"{kind} not fsynced"
        elif kind in ("telemetry", "setpoint"):
            assert i + 1 == len(order) or order[i + 1] != "FSYNC"
    assert "lead" in order


def test_a_torn_last_line_is_tolerated_and_the_session_is_interrupted(tmp_path: Path) -> None:
    writer = SessionLogWriter.create("s1", tmp_path)
    writer.write(
        {
            "type": "header",
            "session_id": "s1",
            "started_wall": 1.0,
            "profile": {"name": "low-back"},
        },
        sync=True,
    )
    writer.write(
        {"type": "event", "t_ms": 100, "event": "setpoint", "channel": 1, "amplitude_ua": 2_000},
        sync=False,
    )
    writer.write(
        {"type": "event", "t_ms": 1_000, "event": "telemetry", "delivered_ua": {"1": 1_900}},
        sync=False,
    )
    writer.close()
    with writer.path.open("a") as handle:
        handle.write('{"type": "event", "t_ms": 1100, "eve')
    record = read_log(writer.path)
    assert record.torn
    assert record.status == "interrupted"
    assert record.reason == "interrupted"
    assert record.last.t_ms == 1_000
    assert record.last.setpoint_ua == {1: 2_000}
    assert record.last.delivered_ua == {1: 1_900}
    assert record.max_delivered_ua == {1: 1_900}


def test_a_file_without_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"type": "event"}\n')
    with pytest.raises(UserInputError, match="header"):
        read_log(path)


def test_the_index_is_rebuilt_from_the_logs(tmp_path: Path) -> None:
    run_session(tmp_path / "a")
    root = tmp_path / "a" / "data"
    # a second session and an interrupted one in the same data dir
    with virtual_rig(tmp_path / "a", "unplug_at=8") as rig:
        rig.engine("low-back", {1: 10_000}, duration_ms=20_000).run()
    writer = SessionLogWriter.create("zz-crashed", root)
    writer.write(
        {
            "type": "header",
            "session_id": "zz-crashed",
            "started_wall": 2e9,
            "profile": {"name": "calf"},
        },
        sync=True,
    )
    writer.close()
    index.rebuild(root)
    before = index.rows(root)
    assert [r.reason for r in before] == ["completed", "device_lost", "interrupted"]
    assert before[0].max_ua == before[0].max_ua_ch1 == 15_000
    assert before[2].end is None
    assert before[2].pain_before is None
    index_path(root).unlink()
    assert index.rebuild(root) == 3
    assert index.rows(root) == before


def test_daily_total_warns_past_the_limit(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        rig.engine("low-back", {1: 10_000}, duration_ms=20_000).run()
    root = tmp_path / "data"
    assert index.daily_total_ms(1_800_000_000.0, root, simulated=True) >= 20_000
    assert index.daily_total_ms(1_800_000_000.0, root) == 0  # no real current today
    index_path(root).unlink()  # a lost index is rebuilt, not read as "nothing today"
    assert index.daily_total_ms(1_800_000_000.0, root, simulated=True) >= 20_000
    # pretend the earlier (simulated) sessions of the day were long: a simulator puts no
    # current through skin, so a simulated session is never warned (issue 13)
    db = index.connect(root)
    db.execute("UPDATE sessions SET duration_ms = ?", (hl.DAILY_USE_WARN_S * 1_000,))
    db.commit()
    db.close()
    with virtual_rig(tmp_path) as rig:
        result = rig.engine("low-back", {1: 10_000}, duration_ms=10_000).run()
    assert not result.warnings
    wall = 1_800_000_000.0
    assert logbook.daily_warning(wall, root, 10_000, simulated=False) == (0, None)
    # the same long sessions on a real device: the next real session is warned, a
    # simulated one is told today's real total and still not warned
    db = index.connect(root)
    db.execute("UPDATE sessions SET simulated = 0")
    db.commit()
    db.close()
    today, text = logbook.daily_warning(wall, root, 10_000, simulated=False)
    assert today is not None
    assert today >= hl.DAILY_USE_WARN_S * 1_000
    assert text is not None
    assert "today" in text
    assert logbook.daily_warning(wall, root, 10_000, simulated=True) == (today, None)
