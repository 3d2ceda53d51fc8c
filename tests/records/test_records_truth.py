"""Reading session logs back truthfully (issue 13): the highest current of an interrupted
session from its safety records, only for the session's own channels; the profile named
with its origin; a log the disk filled up read as incomplete. Logs are written by hand
here: records knows nothing of sessions, and older logs must keep reading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tenscontrol.records import index
from tenscontrol.records.contents import samples
from tenscontrol.records.logreader import profile_label, read_log, reason_text

BUILTIN_PATH = "/usr/lib/python3/site-packages/tenscontrol/builtin_profiles/low-back.toml"


def header(**profile: Any) -> dict[str, Any]:
    """A one-channel session's header line (schema 1, as written before issue 13 unless
    ``profile`` adds fields)."""
    return {
        "type": "header",
        "schema": 1,
        "session_id": "20270115T080000Z-low-back",
        "started_wall": 1_800_000_000.0,
        "simulated": False,
        "limits": {"1": {"ceiling_ua": 50_000, "binding": "profile", "links_ua": {}}},
        "intensities_ua": {"1": 20_000},
        "profile": {"name": "low-back", "builtin": True, "path": BUILTIN_PATH, **profile},
    }


def telemetry(t_ms: int, one: int, *, setpoint: int | None = None) -> dict[str, Any]:
    """A telemetry event of a two-channel device (channel 2 unused at 0)."""
    sp = one if setpoint is None else setpoint
    return {
        "type": "event",
        "t_ms": t_ms,
        "event": "telemetry",
        "setpoint_ua": {"1": sp, "2": 0},
        "delivered_ua": {"1": one, "2": 0},
    }


def max_record(t_ms: int, value: int) -> dict[str, Any]:
    """A ``max_delivered`` safety record of channel 1, as session/recorder.py writes it."""
    return {
        "type": "event",
        "t_ms": t_ms,
        "event": "max_delivered",
        "channel": 1,
        "delivered_ua": value,
    }


def write_log(folder: Path, lines: list[dict[str, Any]], tail: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{lines[0]['session_id']}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + tail)
    return path


def summary(reason: str = "completed", max_ua: int = 5_200) -> dict[str, Any]:
    return {
        "type": "summary",
        "reason": reason,
        "duration_ms": 3_000,
        "max_delivered_ua": {"1": max_ua},
        "stop_confirmed": True,
    }


def test_an_interrupted_session_keeps_its_highest_current_from_the_safety_records(
    tmp_path: Path,
) -> None:
    # telemetry at 1 Hz saw 4 mA; the max records, fsynced as it rose, 5.2 mA
    lines = [
        header(),
        telemetry(0, 0),
        telemetry(1_000, 1_900),
        max_record(2_400, 4_700),
        telemetry(2_000, 4_000),
        max_record(2_950, 5_200),
    ]
    record = read_log(write_log(tmp_path, lines, tail='{"type": "ev'))  # killed mid-line
    assert (record.status, record.torn) == ("interrupted", True)
    assert record.max_delivered_ua == {1: 5_200}
    row = index.row_of(record)
    assert (row.max_ua_ch1, row.max_ua, row.reason) == (5_200, 5_200, "interrupted")


def test_a_channel_the_session_did_not_have_is_empty_not_zero(tmp_path: Path) -> None:
    interrupted = read_log(write_log(tmp_path / "a", [header(), telemetry(0, 3_000)]))
    complete = read_log(write_log(tmp_path / "b", [header(), telemetry(0, 3_000), summary()]))
    assert interrupted.max_delivered_ua == {1: 3_000}  # the device's channel 2 is not ours
    rows = [index.row_of(interrupted), index.row_of(complete)]
    assert [r.max_ua_ch2 for r in rows] == [None, None]  # CSV: an empty cell for both
    assert [r.max_ua_ch1 for r in rows] == [3_000, 5_200]


def test_a_session_channel_without_telemetry_reads_0(tmp_path: Path) -> None:
    record = read_log(write_log(tmp_path, [header()]))
    assert record.max_delivered_ua == {1: 0}


@pytest.mark.parametrize(
    ("profile", "label"),
    [
        ({}, "low-back"),  # a built-in, as every log before issue 13 recorded it
        ({"builtin": False, "path": "/home/x/low-back.toml"}, "low-back (/home/x/low-back.toml)"),
        (
            {"builtin": False, "path": "/home/x/low-back.toml", "sha256": "ab" * 32},
            "low-back (/home/x/low-back.toml)",
        ),
        ({"builtin": False, "path": None}, "low-back (not a built-in)"),
    ],
)
def test_the_profile_is_named_with_where_it_came_from(
    tmp_path: Path, profile: dict[str, Any], label: str
) -> None:
    record = read_log(write_log(tmp_path, [header(**profile), summary()]))
    assert record.profile_label == label
    assert record.profile_name == "low-back"
    assert record.profile_sha256 == profile.get("sha256")
    assert index.row_of(record).profile == label  # history, its JSON and the CSV export


def test_profile_label_of_a_built_in_is_its_name_only() -> None:
    assert profile_label("low-back", builtin=True, path=BUILTIN_PATH) == "low-back"
    assert profile_label("x", builtin=False, path="/p/x.toml") == "x (/p/x.toml)"


def test_a_log_the_disk_filled_up_reads_incomplete_with_its_reason(tmp_path: Path) -> None:
    lines = [header(), telemetry(0, 3_000), summary("log_write_failed", 3_100)]
    record = read_log(write_log(tmp_path, lines))
    assert (record.status, record.reason) == ("incomplete", "log_write_failed")
    assert reason_text(record.reason) == "log incomplete: disk full or write error"
    assert reason_text("interrupted") == "interrupted"
    assert record.max_delivered_ua == {1: 3_100}


def test_samples_pair_setpoint_and_delivered_of_one_frame(tmp_path: Path) -> None:
    lines = [
        header(),
        telemetry(0, 2_000),
        telemetry(1_000, 1_500),
        telemetry(2_000, 900, setpoint=600),
    ]
    record = read_log(write_log(tmp_path, lines))
    pairs = [(s.setpoint_ua, s.delivered_ua) for s in samples(record, 1)]
    assert pairs == [(2_000, 2_000), (1_500, 1_500), (600, 900)]  # a real excess stays visible


def test_a_log_that_does_not_say_where_its_profile_came_from_shows_the_name(
    tmp_path: Path,
) -> None:
    oldest = header()
    oldest["profile"] = {"name": "calf"}  # hand-made or early logs: no builtin, no path
    record = read_log(write_log(tmp_path, [oldest, summary()]))
    assert (record.profile_label, record.profile_sha256) == ("calf", None)
