"""Every stop path ends with output 0 and a recorded reason: a request from another thread,
SIGTERM and SIGINT (real clock, threaded driver, short), an exception, a limit violation,
device loss."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytest_mock import MockerFixture
from session_helpers import virtual_rig

from tenscontrol.device import TensDevice
from tenscontrol.errors import LimitViolation, OverDelivery, PortLost
from tenscontrol.profiles import resolve
from tenscontrol.records.logreader import read_log
from tenscontrol.records.logwriter import SessionLogWriter
from tenscontrol.session import SessionEngine, stop_on_signals
from tenscontrol.session.config import UserCaps
from tenscontrol.session.events import SessionLogFailed
from tenscontrol.sim.model import DeviceModel


@contextmanager
def real_device(options: str = "") -> Iterator[TensDevice]:
    """A threaded TensDevice on the real clock against sim://."""
    device = TensDevice.open(f"sim://?{options}")
    try:
        yield device
    finally:
        device.close()


def model_of(device: TensDevice) -> DeviceModel:
    return device._core.port.model  # type: ignore[attr-defined,no-any-return]


def engine_on(device: TensDevice, tmp_path: Path) -> SessionEngine:
    return SessionEngine(
        resolve("low-back"), device, intensities_ua={1: 20_000}, caps=UserCaps(), data_root=tmp_path
    )


def test_stop_requested_from_another_thread(tmp_path: Path) -> None:
    with real_device() as device:
        engine = engine_on(device, tmp_path)
        timer = threading.Timer(0.6, engine.request_stop)
        timer.start()
        began = time.monotonic()
        result = engine.run()
        took = time.monotonic() - began
        assert model_of(device).channel(1).delivered_ua == 0
    timer.join()
    assert result.reason == "user"
    assert result.stop_confirmed
    assert 0.55 <= took < 1.0
    assert result.max_delivered_ua[1] > 0  # it was stimulating


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_session_and_handlers_are_restored(
    tmp_path: Path, signum: signal.Signals
) -> None:
    before = signal.getsignal(signum)
    with real_device() as device:
        engine = engine_on(device, tmp_path)
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signum))
        with stop_on_signals(engine):
            timer.start()
            began = time.monotonic()
            result = engine.run()
            took = time.monotonic() - began
        assert model_of(device).channel(1).delivered_ua == 0
    timer.join()
    assert signal.getsignal(signum) == before
    assert result.reason == "signal"
    assert took < 1.0
    summary = read_log(result.log_path).summary  # type: ignore[arg-type]
    assert summary is not None
    assert summary["reason"] == "signal"


def test_an_unplugged_device_on_the_real_clock_ends_as_device_lost(tmp_path: Path) -> None:
    with real_device("unplug_at=0.6") as device:
        result = engine_on(device, tmp_path).run()
    assert result.reason == "device_lost"
    assert isinstance(result.error, PortLost)
    assert not result.stop_confirmed  # nothing to confirm with; the device zeroed itself


def test_an_exception_anywhere_stops_output(tmp_path: Path, mocker: MockerFixture) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 20_000}, duration_ms=60_000)
        real_at = engine.timeline.at

        def broken(t_ms: int) -> object:
            if t_ms >= 12_000:
                raise RuntimeError("a bug")
            return real_at(t_ms)

        mocker.patch.object(engine.timeline, "at", side_effect=broken)
        result = engine.run()
        assert rig.model.channel(1).delivered_ua == 0
    assert result.reason == "error"
    assert isinstance(result.error, RuntimeError)
    assert result.stop_confirmed
    record = read_log(result.log_path)  # type: ignore[arg-type]
    assert record.summary is not None
    assert "a bug" in record.summary["error"]


def test_a_setpoint_outside_the_chain_becomes_an_emergency_stop(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 20_000}, duration_ms=60_000)
        engine._ramps[1].ceiling_ua = 80_000  # a bug: the ramp forgot its ceiling
        engine._ramps[1].target_ua = 60_000
        result = engine.run()
        assert rig.model.channel(1).delivered_ua == 0
    assert result.reason == "fault"
    assert isinstance(result.error, LimitViolation)
    sets = [e["amplitude_ua"] for e in rig.sim_events() if e["event"] == "set"]
    assert max(sets, default=0) <= 50_000  # the bad setpoint never left the host


def test_a_failing_log_stops_output_first(tmp_path: Path, mocker: MockerFixture) -> None:
    real_write = SessionLogWriter.write
    calls = []

    def write(self: SessionLogWriter, record: dict[str, object], *, sync: bool) -> None:
        calls.append(record)
        if len(calls) > 20:  # the disk fills up mid-session
            raise OSError(28, "No space left on device")
        real_write(self, record, sync=sync)

    mocker.patch.object(SessionLogWriter, "write", write)
    with virtual_rig(tmp_path) as rig:
        result = rig.engine("low-back", {1: 20_000}, duration_ms=60_000).run()
        assert rig.model.channel(1).delivered_ua == 0
    # issue 13: a full disk is its own end (log_write_failed, exit 5), not an "error"
    assert result.reason == "log_write_failed"
    assert isinstance(result.error, SessionLogFailed)
    assert isinstance(result.error.cause, OSError)
    assert result.stop_confirmed
    # every write fails from the 21st on, the summary too: nothing more could be recorded
    assert read_log(result.log_path).status == "interrupted"  # type: ignore[arg-type]


def test_ctrl_c_without_handlers_still_ends_with_output_zero(
    tmp_path: Path, mocker: MockerFixture
) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back", {1: 20_000}, duration_ms=60_000)
        real_at = engine.timeline.at

        def interrupted(t_ms: int) -> object:
            if t_ms >= 12_000:
                raise KeyboardInterrupt
            return real_at(t_ms)

        mocker.patch.object(engine.timeline, "at", side_effect=interrupted)
        result = engine.run()
        assert rig.model.channel(1).delivered_ua == 0
    assert result.reason == "signal"
    assert result.error is None


def test_over_delivery_trips_the_host_first_on_the_real_clock(tmp_path: Path) -> None:
    with real_device("overdeliver=1@0.8:50") as device:
        result = engine_on(device, tmp_path).run()
        model = model_of(device)
        assert model.channel(1).delivered_ua == 0
        assert not model.channel(1).faults  # the device's own 200 ms check never fired
    assert result.reason == "fault"
    assert isinstance(result.error, OverDelivery)
    assert result.stop_confirmed
