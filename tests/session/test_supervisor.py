"""The supervisor: the session runs in its own thread so that the main thread, where every
signal handler runs, can always send the STOP, even while the session's thread is held up
(a log on a stalled disk, a stuck print); and an exception in any other thread stops the
session instead of dying silently. Real-clock sessions on a threaded sim:// device."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from tenscontrol.device import TensDevice
from tenscontrol.profiles import resolve
from tenscontrol.session import Event, SessionEngine
from tenscontrol.session.config import UserCaps
from tenscontrol.session.signals import SignalGuard
from tenscontrol.session.supervisor import run_supervised


def _engine(tmp_path: Path, device: TensDevice) -> SessionEngine:
    return SessionEngine(
        resolve("low-back"),
        device,
        intensities_ua={1: 5_000},
        duration_ms=60_000,
        caps=UserCaps(),
        data_root=tmp_path,
    )


def _delivered_ua(device: TensDevice) -> int:
    model = device._core.port.model  # type: ignore[attr-defined]
    return int(model.channel(1).delivered_ua)


def _wait(condition: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    pause = threading.Event()
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("not in time")
        pause.wait(0.005)


def test_a_signal_stops_output_while_the_session_thread_is_held_up(tmp_path: Path) -> None:
    """SIGTERM to this process while the engine's thread is stuck in a subscriber: the
    handler runs in the main thread (run_supervised keeps it free) and its STOP reaches the
    device before the engine thread moves again. With the engine in the main thread the
    handler would run in the stuck thread itself, and nothing would go out."""
    device = TensDevice.open("sim://")
    engine = _engine(tmp_path, device)
    held, release = threading.Event(), threading.Event()
    zero_while_held: list[bool] = []

    def stall(event: Event) -> None:  # the engine thread blocks here, as on a stuck write
        if event.kind == "setpoint" and _delivered_ua(device) > 500 and not release.is_set():
            held.set()
            release.wait(10)

    def signal_then_release() -> None:
        try:
            if held.wait(10):
                os.kill(os.getpid(), signal.SIGTERM)
                deadline = time.monotonic() + 1.0
                while _delivered_ua(device) > 0 and time.monotonic() < deadline:
                    time.sleep(0.002)
                zero_while_held.append(_delivered_ua(device) == 0)
        finally:
            release.set()

    engine.subscribe(stall)
    guard = SignalGuard().install()
    helper = threading.Thread(target=signal_then_release)
    try:
        helper.start()
        result = run_supervised(engine, guard)
    finally:
        guard.uninstall()
        release.set()
        helper.join(10)
        device.close()
    assert zero_while_held == [True], "no output 0 while the engine thread was held up"
    assert (result.reason, result.stop_confirmed) == ("signal", True)
    assert result.detail == {"signal": "SIGTERM"}


def test_an_exception_in_another_thread_stops_the_session(tmp_path: Path) -> None:
    device = TensDevice.open("sim://")
    engine = _engine(tmp_path, device)
    results = []
    runner = threading.Thread(target=lambda: results.append(run_supervised(engine, SignalGuard())))
    try:
        runner.start()
        _wait(lambda: _delivered_ua(device) > 0, timeout_s=10)

        def broken() -> None:
            raise RuntimeError("a printer bug")

        threading.Thread(target=broken, name="tens-print").start()
        runner.join(5)
        delivered = _delivered_ua(device)
    finally:
        engine.request_stop()
        runner.join(5)
        device.close()
    (result,) = results
    assert (result.reason, result.stop_confirmed) == ("error", True)
    assert result.detail == {"thread": "tens-print", "cause": "RuntimeError: a printer bug"}
    assert delivered == 0
