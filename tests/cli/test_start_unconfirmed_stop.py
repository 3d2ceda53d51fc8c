"""A stop the device does not confirm is reported as such on every way a session ends,
with what the person must do (hazard 15; issue 14: a device that ACKed STOP and kept
RUNNING at 10 mA used to end with ``"stop_confirmed": true`` and exit 0)."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import MagicMock

import pytest
from pytest_mock import MockerFixture
from start_helpers import FAST, isolate, json_lines, run

from tenscontrol.errors import REMOVE_PADS
from tenscontrol.records.logreader import read_log
from tenscontrol.sim.firmware import Firmware


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return isolate(monkeypatch, tmp_path)


@pytest.fixture
def stop_ignored(mocker: MockerFixture) -> MagicMock:
    """The simulated firmware acknowledges STOP but keeps its output (the defect)."""
    return mocker.patch.object(Firmware, "stop_all", autospec=True)


def test_the_natural_end_without_a_confirmed_stop_exits_3_and_says_unplug(
    home: Path, stop_ignored: MagicMock
) -> None:
    result = run("start", "--profile", "low-back", "--intensity", "10", *FAST)
    assert result.exit_code == 3, result.stderr
    out = result.stdout
    assert "STOP NOT CONFIRMED (completed)" in out
    assert "acknowledged STOP but state RUNNING" in out
    assert f"the output may still be on: {REMOVE_PADS}" in out
    assert "output 0 NOT confirmed" in out
    assert "0 mA confirmed" not in out


def test_json_and_the_record_say_unconfirmed_and_why(home: Path, stop_ignored: MagicMock) -> None:
    result = run("start", "--profile", "low-back", "--intensity", "10", "--json", *FAST)
    assert result.exit_code == 3, result.stderr
    lines = json_lines(result.stdout)
    end = lines[-1]
    assert end["stop_confirmed"] is False
    assert end["exit_code"] == 3
    log_path = Path(end["log"])
    stops = [e for e in read_log(log_path).events if e.get("event") == "stop"]
    assert stops
    assert stops[-1]["confirmed"] is False
    assert "acknowledged STOP but" in stops[-1]["unconfirmed"]
