"""When the link counts as failed apart from telemetry, without a port: too many corrupt
frames, a silent device, heartbeats unanswered in a row; and a silent device on a link."""

from __future__ import annotations

import threading

from device.test_link_timing import link
from tenscontrol.device.link_health import (
    HEARTBEAT_MISSES,
    NOISE_MAX_DROPPED,
    SILENCE_LIMIT_S,
    HeartbeatMisses,
    noise_error,
    silence_error,
)
from tenscontrol.errors import DeviceTimeout, LinkTooNoisy


def test_noise_fails_the_link_at_exactly_the_limit() -> None:
    assert noise_error(NOISE_MAX_DROPPED - 1) is None
    assert isinstance(noise_error(NOISE_MAX_DROPPED), LinkTooNoisy)


def test_silence_fails_the_link_only_beyond_the_limit() -> None:
    assert silence_error(SILENCE_LIMIT_S) is None
    error = silence_error(SILENCE_LIMIT_S + 0.001)
    assert isinstance(error, DeviceTimeout)
    assert "no frame from the device for 1.0 s" in str(error)


def test_a_run_of_missed_heartbeats_fails_the_link_and_an_answer_ends_the_run() -> None:
    misses = HeartbeatMisses()
    assert misses.missed(HEARTBEAT_MISSES - 1) is None
    misses.answered()
    assert misses.missed(HEARTBEAT_MISSES - 1) is None
    assert not misses.failing
    error = misses.missed(1)
    assert isinstance(error, DeviceTimeout)
    assert misses.failing


def test_misses_counted_from_two_threads_are_all_counted() -> None:
    misses = HeartbeatMisses()

    def miss() -> None:
        for _ in range(10_000):
            misses.missed(1)

    threads = [threading.Thread(target=miss) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert misses.count == 40_000


def test_a_device_that_goes_silent_fails_the_link_after_the_limit() -> None:
    core, _port, clock = link()
    core.heartbeats = False  # nothing sent, so nothing answered: only silence
    core.established = True
    began = clock.monotonic()
    while core.failure is None and clock.monotonic() - began < 5 * SILENCE_LIMIT_S:
        core.service_in()
    assert isinstance(core.failure, DeviceTimeout)
    assert SILENCE_LIMIT_S < clock.monotonic() - began <= SILENCE_LIMIT_S + 0.1
