"""``tens start`` in-process: a fast simulated session, the output formats, every error path
(each before any port is opened), the exit-code mapping, the fault stop and the pain diary."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from start_helpers import FAST, error_lines, isolate, json_lines, run, store_passed_screening

from tenscontrol.cli.exits import exit_code_for, session_exit_code
from tenscontrol.cli.start import command as start_cmd
from tenscontrol.cli.start import device as start_device
from tenscontrol.errors import (
    DeviceRebooted,
    HostStarved,
    NakError,
    OverDelivery,
    WatchdogTripped,
)
from tenscontrol.profiles.loader import builtin_dir
from tenscontrol.records import index as session_index
from tenscontrol.records.logreader import read_log
from tenscontrol.session import SessionResult
from tenscontrol.session.events import StopReason
from tenscontrol.transport.discovery import PortCandidate


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


@pytest.fixture
def no_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a port is opened (bad input must never reach a device)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a port was opened for bad input")

    monkeypatch.setattr(start_cmd, "open_device", refuse)


def test_fast_simulated_session_json(home: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace.txt"
    began = time.monotonic()
    result = run(
        "start",
        "--profile",
        "low-back",
        "--intensity",
        "20",
        "--json",
        "--trace",
        str(trace),
        *FAST,
    )
    assert time.monotonic() - began < 5
    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    assert all(line["simulated"] is True for line in lines)
    kinds = [line["event"] for line in lines]
    assert kinds[0] == "plan"
    assert "start" in kinds
    assert "status" in kinds
    status = next(line for line in lines if line["event"] == "status")
    assert {"elapsed_s", "remaining_s", "phase", "channels"} <= set(status)
    assert set(status["channels"][0]) >= {"channel", "setpoint_ua", "delivered_ua", "lead"}
    end = lines[-1]
    assert end["event"] == "end"
    assert end["reason"] == "completed"
    assert end["stop_confirmed"]
    assert end["session_id"]
    assert end["max_delivered_ua"] == {"1": 20_000}
    log_path = Path(end["log"])
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    record = read_log(log_path)
    assert record.status == "complete"
    assert record.duration_ms == 60_000
    assert trace.stat().st_size > 0
    rows = session_index.rows(home)
    assert [r.id for r in rows] == [end["session_id"]]
    assert rows[0].simulated


def test_plain_output_labels_every_line_simulated(home: Path) -> None:
    result = run("start", "--profile", "sciatic-leg", "--intensity", "1=18", *FAST)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > 5
    assert all(line.startswith("SIMULATED") for line in lines)
    assert any("STIMULATING" in line for line in lines)
    assert "session ended: completed" in lines[-1]
    assert "output 0 confirmed" in lines[-1]


def test_a_profile_file_that_borrows_a_built_in_name_shows_where_it_is_from(
    home: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "mine.toml"
    copy.write_text((builtin_dir() / "low-back.toml").read_text())
    result = run("start", "--profile", str(copy), "--intensity", "10", *FAST)
    assert result.exit_code == 0, result.stderr
    assert f"profile low-back (from {copy}): " in result.stdout
    built_in = run("start", "--profile", "low-back", "--intensity", "10", *FAST)
    assert "profile low-back: " in built_in.stdout


def test_unknown_profile_is_one_error_line(home: Path, no_port: None) -> None:
    result = run("start", "--profile", "no-such-profile", *FAST)
    assert result.exit_code == 2
    assert len(error_lines(result)) == 1
    assert "no-such-profile" in error_lines(result)[0]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--intensity", "51"), "above the ceiling"),
        (("--intensity", "2=10"), "no channel 2"),
        (("--intensity", "20.0001"), "smallest step of 0.001 mA"),
        (("--intensity", "-3"), "not an intensity"),
        (("--duration", "31m"), "at most 30 min"),
        (("--duration", "0s"), "more than 0"),
        (("--duration", "soon"), "expected a length"),
    ],
)
def test_bad_intensity_or_duration_exit_2(
    home: Path, no_port: None, args: tuple[str, ...], words: str
) -> None:
    result = run("start", "--profile", "low-back", "--simulate", "--yes", *args)
    assert result.exit_code == 2
    assert len(error_lines(result)) == 1
    assert words in error_lines(result)[0]


def test_speed_needs_simulate(home: Path, no_port: None) -> None:
    result = run("start", "--profile", "low-back", "--port", "sim://", "--speed", "60")
    assert result.exit_code == 2
    assert "--simulate" in error_lines(result)[0]
    result = run("start", "--profile", "low-back", "--simulate", "--speed", "0.5")
    assert result.exit_code == 2


def test_port_and_simulate_conflict(home: Path, no_port: None) -> None:
    result = run("start", "--profile", "low-back", "--simulate", "--port", "sim://")
    assert result.exit_code == 2
    assert "choose one" in result.stderr


def test_no_device_found_exit_3(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(start_device, "list_serial_ports", lambda **kw: [])
    result = run("start", "--profile", "low-back", "--yes")
    assert result.exit_code == 3
    assert "no TENS device found" in error_lines(result)[0]
    assert "--simulate" in result.stderr


def test_several_devices_ask_to_name_one(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = [PortCandidate(f"/dev/ttyACM{n}", "TENS", 0x1209, 0x7E4E, None, True) for n in range(2)]
    monkeypatch.setattr(start_device, "list_serial_ports", lambda **kw: found)
    result = run("start", "--profile", "low-back", "--yes")
    assert result.exit_code == 2
    assert "name one with --port" in error_lines(result)[0]


def test_bad_port_name_exit_2(home: Path) -> None:
    result = run("start", "--profile", "low-back", "--port", "ftp://x", "--yes")
    assert result.exit_code == 2
    assert "scheme" in error_lines(result)[0]


def test_overdelivery_is_a_safety_stop_exit_4(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENS_SIM_OPTIONS", "overdeliver=1@20:50")
    result = run("start", "--profile", "low-back", "--intensity", "20", "--json", *FAST)
    assert result.exit_code == 4, result.stderr
    lines = json_lines(result.stdout)
    assert any(line["event"] == "fault" for line in lines)
    end = lines[-1]
    assert end["reason"] == "fault"
    assert end["stop_confirmed"]
    assert end["exit_code"] == 4


def test_sim_options_cannot_set_the_clock(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENS_SIM_OPTIONS", "clock=x")
    result = run("start", "--profile", "low-back", *FAST)
    assert result.exit_code == 2


def test_confirmation_no_and_missing(home: Path) -> None:
    args = ("start", "--profile", "low-back", "--simulate", "--speed", "600", "--no-diary")
    declined = run(*args, stdin="n\n")
    assert declined.exit_code == 0
    assert "Not started" in declined.stderr
    assert "start now?" in declined.stdout
    missing = run(*args, stdin="")
    assert missing.exit_code == 2
    assert "--yes" in missing.stderr
    assert not (home / "sessions").exists()


def _as_real_device(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """sim:// stands in for a real device (IDENTITY not trusted), with a valid screening."""
    monkeypatch.setattr(start_device.OpenedDevice, "simulated", property(lambda self: False))
    store_passed_screening(home, time.time())


def test_pain_diary_is_logged_and_survives_a_rebuild(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_real_device(monkeypatch, home)
    result = run(
        "start",
        "--profile",
        "low-back",
        "--intensity",
        "10",
        "--json",
        "--port",
        "sim://",
        "--yes",
        "--duration",
        "1s",
        stdin="6\n3\n",
    )
    assert result.exit_code == 0, result.stderr
    end = json_lines(result.stdout)[-1]
    row = session_index.rows(home)[0]
    assert (row.pain_before, row.pain_after) == (6, 3)
    assert any(e.get("event") == "pain" for e in read_log(Path(end["log"])).events)
    session_index.rebuild(home)
    row = session_index.rows(home)[0]
    assert (row.pain_before, row.pain_after) == (6, 3)


def test_pain_diary_skipped_without_piped_values(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_real_device(monkeypatch, home)
    result = run(
        "start", "--profile", "low-back", "--port", "sim://", "--yes", "--duration", "1s", stdin=""
    )
    assert result.exit_code == 0
    row = session_index.rows(home)[0]
    assert (row.pain_before, row.pain_after) == (None, None)


def test_real_device_without_screening_non_interactive_exit_2(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(start_device.OpenedDevice, "simulated", property(lambda self: False))
    result = run("start", "--profile", "low-back", "--port", "sim://", "--yes", "--no-diary")
    assert result.exit_code == 2
    assert "tens screen" in result.stderr
    assert not (home / "sessions").exists()


def test_real_device_screening_inline_blocks(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(start_device.OpenedDevice, "simulated", property(lambda self: False))
    monkeypatch.setattr(start_cmd, "stdin_is_terminal", lambda: True)
    result = run(
        "start",
        "--profile",
        "low-back",
        "--port",
        "sim://",
        "--yes",
        "--no-diary",
        stdin="y\n" + "n\n" * 15,
    )
    assert result.exit_code == 2
    assert "clinician" in result.stderr
    assert not (home / "sessions").exists()


def test_no_diary_on_a_simulated_device(home: Path) -> None:
    fast = tuple(a for a in FAST if a != "--no-diary")
    result = run("start", "--profile", "low-back", *fast, stdin="6\n3\n")
    assert result.exit_code == 0
    assert "Pain" not in result.stderr
    assert session_index.rows(home)[0].pain_before is None


def test_real_device_with_valid_screening_runs(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(start_device.OpenedDevice, "simulated", property(lambda self: False))
    store_passed_screening(home, time.time() - 89 * 86_400)
    result = run(
        "start",
        "--profile",
        "low-back",
        "--port",
        "sim://?seed=1",
        "--yes",
        "--no-diary",
        "--duration",
        "1s",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    assert all(line["simulated"] is False for line in json_lines(result.stdout))


def test_expired_screening_is_asked_again(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(start_device.OpenedDevice, "simulated", property(lambda self: False))
    store_passed_screening(home, time.time() - 91 * 86_400)
    result = run("start", "--profile", "low-back", "--port", "sim://", "--yes", "--no-diary")
    assert result.exit_code == 2
    assert "tens screen" in result.stderr


def _result(
    reason: str, error: BaseException | None = None, confirmed: bool = True
) -> SessionResult:
    return SessionResult("id", StopReason(reason), 0, {}, error, None, (), confirmed)


@pytest.mark.parametrize(
    ("result", "code"),
    [
        (_result("completed"), 0),
        (_result("user"), 0),
        (_result("signal"), 0),
        (_result("signal", confirmed=False), 3),
        (_result("stream_lost"), 0),
        (_result("stream_lost", confirmed=False), 3),
        (_result("host_starved", HostStarved("x", gap_ms=900)), 3),
        (_result("fault", OverDelivery("x")), 4),
        (_result("device_lost", DeviceRebooted("x")), 3),
        (_result("error", NakError("x", code=1)), 3),
        (_result("error", RuntimeError("x")), 1),
        (_result("error", RuntimeError("x"), confirmed=False), 3),
        (_result("fault", OverDelivery("x"), confirmed=False), 4),
    ],
)
def test_session_exit_code(result: SessionResult, code: int) -> None:
    assert session_exit_code(result) == code


def test_a_watchdog_trip_is_exit_3_inside_a_session_and_outside() -> None:
    """One table: a watchdog trip was 4 as an error (a SafetyStop) and 3 as a session end."""
    trip = WatchdogTripped("x")
    assert exit_code_for(trip) == 3
    assert session_exit_code(_result("device_lost", trip)) == 3


def test_lead_off_is_reported_and_output_drops(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENS_SIM_OPTIONS", "lead_off=1@15")
    result = run(
        "start",
        "--profile",
        "low-back",
        "--intensity",
        "20",
        "--json",
        "--simulate",
        "--speed",
        "60",
        "--yes",
        "--no-diary",
        "--duration",
        "30s",
    )
    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    lead = next(line for line in lines if line["event"] == "lead")
    assert lead["channel"] == 1
    assert lead["lead"] == "off"
    later = [line for line in lines if line["event"] == "status" and line["elapsed_s"] > 16]
    assert later
    assert all(line["channels"][0]["setpoint_ua"] == 0 for line in later)
