"""Records that tell the truth (issue 13, hazard 13): the highest delivered current as a
safety record that survives a crash, a profile's origin and hash in the header, and a full
disk that stops the session with one line, a reason and no torn line."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_mock import MockerFixture
from session_helpers import virtual_rig

from tenscontrol.device import TelemetrySample
from tenscontrol.device.state import DeviceEvent
from tenscontrol.profiles import load_file, resolve
from tenscontrol.protocol.constants import DeviceState, Fault, Lead
from tenscontrol.protocol.messages import ChannelTelemetry, Telemetry
from tenscontrol.records import read_log
from tenscontrol.records.index import row_of
from tenscontrol.records.logreader import reason_text
from tenscontrol.records.logwriter import SessionLogWriter
from tenscontrol.session.events import (
    Event,
    EventKind,
    SessionLogFailed,
    SessionResult,
    StopReason,
)
from tenscontrol.session.recorder import MAX_RECORD_INTERVAL_MS, MAX_RECORD_STEP_UA, Recorder

FRAME_MS = 50  #: the device's telemetry period


def frame(at_s: float, delivered_ua: int) -> TelemetrySample:
    """A telemetry frame of a two-channel device delivering ``delivered_ua`` on channel 1."""
    one = ChannelTelemetry(delivered_ua, delivered_ua, Lead.OK, 500, Fault(0))
    two = ChannelTelemetry(0, 0, Lead.OK, 500, Fault(0))
    tel = Telemetry(DeviceState.RUNNING, Fault(0), 4_000, 90, 0, 0, (one, two))
    return TelemetrySample(at_s, 0, tel)


def recorded_max(levels: list[int]) -> list[tuple[int, int, list[Event]]]:
    """Feed one frame per 50 ms at ``levels`` to a recorder; per frame (t_ms, true max so
    far, the max records so far)."""
    records: list[Event] = []
    rec = Recorder(None)
    rec.subscribers = [records.append]
    out = []
    best = 0
    for i, level in enumerate(levels):
        t_ms = i * FRAME_MS
        rec.delivered(t_ms, frame(t_ms / 1_000, level), (1,))
        best = max(best, level)
        out.append((t_ms, best, list(records)))
    return out


def test_a_soft_start_is_recorded_in_half_milliamp_steps_and_exactly_within_a_second() -> None:
    # 0 -> 20 mA in 10 s (100 uA per frame), then 20 mA held, then a creep of 0.2 mA
    levels = [100 * i for i in range(201)] + [20_000] * 10 + [20_200] * 30
    seen = recorded_max(levels)
    _, best, records = seen[-1]
    assert all(e.kind is EventKind.MAX_DELIVERED and e.channel == 1 for e in records)
    values = [int(e.data["delivered_ua"]) for e in records]  # type: ignore[call-overload]
    assert values == sorted(set(values))  # only rises, never twice the same value
    assert values[-1] == best == 20_200  # the creep is on record too, within a second
    creep = next(e for e in records if e.data["delivered_ua"] == 20_200)
    assert creep.t_ms - 211 * FRAME_MS <= MAX_RECORD_INTERVAL_MS
    # a 20 mA soft start costs 40-odd fsynced records, not one per frame (200)
    assert len(records) <= 20_000 // MAX_RECORD_STEP_UA + 3
    for _, true_max, so_far in seen:
        logged = max((int(e.data["delivered_ua"]) for e in so_far), default=0)  # type: ignore[call-overload]
        assert 0 <= true_max - logged < MAX_RECORD_STEP_UA


@given(st.lists(st.integers(min_value=0, max_value=80_000), min_size=1, max_size=120))
def test_the_logged_max_is_never_more_than_a_step_below_the_truth(levels: list[int]) -> None:
    last_rise_ms = 0
    best = 0
    for t_ms, true_max, records in recorded_max(levels):
        logged = max((int(e.data["delivered_ua"]) for e in records), default=0)  # type: ignore[call-overload]
        if true_max > best:
            best, last_rise_ms = true_max, t_ms
        assert logged <= true_max  # never more than was delivered
        assert true_max - logged < MAX_RECORD_STEP_UA
        if t_ms - last_rise_ms >= MAX_RECORD_INTERVAL_MS:
            assert logged == true_max  # and exact once the rise is a second old


def test_an_interrupted_log_keeps_the_highest_current_wherever_it_was_cut(
    tmp_path: Path,
) -> None:
    frames: list[tuple[float, int]] = []

    def watch(event: DeviceEvent) -> None:
        if isinstance(event, TelemetrySample):
            frames.append((event.at, event.telemetry.channels[0].delivered_ua))

    with virtual_rig(tmp_path) as rig:
        rig.device.subscribe(watch)
        engine = rig.engine("low-back", {1: 20_000}, duration_ms=20_000)
        result = engine.run()
        t0 = engine.started_monotonic
    assert result.log_path is not None
    lines = result.log_path.read_text().splitlines(keepends=True)
    record = read_log(result.log_path)
    assert {e["event"] for e in record.events} >= {"max_delivered"}
    cut_log = tmp_path / "cut.jsonl"
    for cut in range(2, len(lines)):  # a kill -9 after any line: the summary never came
        cut_log.write_text("".join(lines[:cut]))
        cut_record = read_log(cut_log)
        assert cut_record.status == "interrupted"
        last_ms = cut_record.last.t_ms
        # frames well before the last line written were handled before it (margin: the
        # engine handles frames at its ticks, 100 ms apart)
        truth = max((d for at, d in frames if (at - t0) * 1_000 <= last_ms - 200), default=0)
        shown = cut_record.max_delivered_ua
        assert set(shown) == {1}  # the session's channel only: no channel 2 of the device
        assert truth - shown[1] < MAX_RECORD_STEP_UA, (cut, last_ms, truth, shown)
        assert shown[1] <= max(d for _, d in frames)


def test_a_profile_is_recorded_with_its_origin_and_the_hash_of_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builtin = resolve("low-back")
    assert builtin.path is not None
    text = builtin.path.read_text().replace("ceiling_ma = 50", "ceiling_ma = 80")
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "low-back.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    mine = resolve("mine/low-back.toml")  # by a relative path, named like the built-in
    assert mine.name == builtin.name
    assert not mine.builtin
    with virtual_rig(tmp_path) as rig:
        user_log = rig.engine(mine, {1: 10_000}, duration_ms=8_000).run().log_path
        builtin_log = rig.engine(builtin, {1: 10_000}, duration_ms=8_000).run().log_path
    assert user_log is not None
    assert builtin_log is not None
    user, shipped = read_log(user_log), read_log(builtin_log)
    real_path = str(folder / "low-back.toml")
    assert user.header["profile"]["path"] == real_path  # absolute, whatever the cwd
    digest = hashlib.sha256((folder / "low-back.toml").read_bytes()).hexdigest()
    assert user.profile_sha256 == digest
    assert user.profile_label == f"low-back ({real_path})"
    assert row_of(user).profile == f"low-back ({real_path})"  # history, CSV
    assert shipped.profile_label == row_of(shipped).profile == "low-back"
    assert shipped.profile_sha256 == hashlib.sha256(builtin.path.read_bytes()).hexdigest()
    assert shipped.profile_sha256 != user.profile_sha256
    assert load_file(folder / "low-back.toml").sha256 == user.profile_sha256


class FakeDisk:
    """``os.write`` for the session log on a disk with ``room`` bytes: a write that does not
    fit is cut short (as a real one is), then ENOSPC. Other files write as usual."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.real_write = os.write
        self.full_seen = 0

    def write(self, fd: int, data: bytes) -> int:
        if "/sessions/" not in os.path.realpath(f"/proc/self/fd/{fd}"):  # os.write is global
            return self.real_write(fd, data)
        left = self.room - os.fstat(fd).st_size
        if left <= 0:
            self.full_seen += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.real_write(fd, bytes(data[:left]))


def run_until_full(
    tmp_path: Path, mocker: MockerFixture, disk: FakeDisk
) -> tuple[SessionResult, list[logging.LogRecord]]:
    mocker.patch("tenscontrol.records.logwriter.os.write", side_effect=disk.write)
    errors: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record)

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("tenscontrol")
    logger.addHandler(handler)
    try:
        with virtual_rig(tmp_path) as rig:
            result = rig.engine("low-back", {1: 20_000}, duration_ms=60_000).run()
            assert rig.model.channel(1).delivered_ua == 0
    finally:
        logger.removeHandler(handler)
    return result, errors


def test_a_full_disk_stops_output_with_one_error_line_and_leaves_no_torn_line(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    disk = FakeDisk(room=6_000)
    result, errors = run_until_full(tmp_path, mocker, disk)
    assert result.log_path is not None
    assert result.reason is StopReason.LOG_WRITE_FAILED
    assert result.stop_confirmed
    assert isinstance(result.error, SessionLogFailed)
    assert result.detail["log"] == str(result.log_path)
    assert "signal" not in result.detail
    (line,) = [r.getMessage() for r in errors]  # one line, no traceback, no second warning
    assert line.startswith(f"cannot write the session log {result.log_path}: disk full (ENOSPC")
    assert line.endswith("output stopped and confirmed")
    assert all(r.exc_info is None for r in errors)
    data = result.log_path.read_bytes()
    assert data.endswith(b"\n")  # the line the disk took part of was cut off again
    record = read_log(result.log_path)
    assert not record.torn
    assert record.bad_lines == 0
    # whether the summary still fitted depends on the line cut off; either way it is honest
    if record.summary is None:
        assert record.status == "interrupted"
    else:
        assert (record.status, record.reason) == ("incomplete", "log_write_failed")


def test_a_last_small_write_records_the_reason(tmp_path: Path, mocker: MockerFixture) -> None:
    class FreesRoom(FakeDisk):
        def write(self, fd: int, data: bytes) -> int:
            try:
                return super().write(fd, data)
            except OSError:
                self.room += 400  # after the failure, room for a small line only
                raise

    result, _ = run_until_full(tmp_path, mocker, FreesRoom(room=6_000))
    assert result.log_path is not None
    record = read_log(result.log_path)
    assert not record.torn
    assert record.summary is not None
    assert (record.status, record.reason) == ("incomplete", "log_write_failed")
    assert reason_text(record.reason) == "log incomplete: disk full or write error"
    assert record.summary["stop_confirmed"] is True
    assert record.max_delivered_ua == result.max_delivered_ua
    assert row_of(record).reason == "log_write_failed"


def test_a_write_the_disk_takes_part_of_is_cut_off_and_raised(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    writer = SessionLogWriter.create("s1", tmp_path)
    writer.write({"type": "header", "session_id": "s1"}, sync=True)
    size = writer.path.stat().st_size
    real_write = os.write
    calls: list[int] = []

    def short_then_full(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:7]))  # the disk takes 7 bytes of the line
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))

    mocker.patch("tenscontrol.records.logwriter.os.write", side_effect=short_then_full)
    with pytest.raises(OSError, match="too large") as raised:
        writer.write({"type": "event", "t_ms": 1, "event": "telemetry"}, sync=False)
    assert raised.value.errno == errno.EFBIG
    assert len(calls) == 2  # the rest was tried, not dropped silently
    assert writer.path.stat().st_size == size  # the 7 bytes are gone again
    writer.close()
    assert not read_log(writer.path).torn
