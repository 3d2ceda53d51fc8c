"""The tick loop (absolute due times, late ticks skipped and counted, never made up in a
burst) and the timing events a benchmark subscribes to. Virtual time: no sleeps."""

from __future__ import annotations

from pathlib import Path

from session_helpers import virtual_rig

from tenscontrol.session.events import SetpointTiming, StopReason
from tenscontrol.session.ticks import TickLoop


def test_ticks_fall_on_absolute_due_times_and_a_late_one_skips_ahead(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        loop = TickLoop(rig.device, rig.clock, period_ms=100, duration_ms=1_000)
        t0 = loop.start()
        ticks: list[tuple[int, float]] = []

        def tick(t_ms: int) -> None:
            ticks.append((t_ms, rig.clock.monotonic() - t0))
            if t_ms == 300:
                rig.clock.advance(0.25)  # the host was held up for 250 ms

        reason = loop.run(lambda: None, tick, lambda: False)
    assert reason is StopReason.COMPLETED
    assert [t for t, _ in ticks] == [0, 100, 200, 300, 600, 700, 800, 900]
    assert loop.skipped == 2
    for t_ms, at_s in ticks:
        assert t_ms / 1_000 <= at_s < t_ms / 1_000 + 0.05  # on time, never early


def test_a_stop_asked_for_ends_the_loop_with_its_reason(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        loop = TickLoop(rig.device, rig.clock, period_ms=100, duration_ms=60_000)
        loop.start()
        ticks: list[int] = []

        def process() -> StopReason | None:
            return StopReason.REMOTE if len(ticks) >= 3 else None

        reason = loop.run(process, ticks.append, lambda: len(ticks) >= 3)
    assert reason is StopReason.REMOTE
    assert ticks == [0, 100, 200]


def test_every_accepted_setpoint_comes_with_its_timing(tmp_path: Path) -> None:
    with virtual_rig(tmp_path) as rig:
        engine = rig.engine("low-back-modulated", {1: 18_000}, duration_ms=20_000)
        timings: list[SetpointTiming] = []
        engine.subscribe_timing(timings.append)

        def broken(timing: SetpointTiming) -> None:
            raise RuntimeError("a broken listener changes nothing")

        engine.subscribe_timing(broken)
        result = engine.run()
        sets = [e for e in rig.sim_events() if e["event"] == "set"]
    assert result.reason == "completed"
    assert len(timings) == len(sets) > 100
    t0 = engine.started_monotonic
    for timing in timings:
        assert timing.due_s == t0 + timing.t_ms / 1_000
        assert 0 <= timing.lateness_s < 0.05
