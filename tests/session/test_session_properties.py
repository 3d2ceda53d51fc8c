"""Property test of the whole engine on the simulated device in virtual time: random user
actions at random times, lead changes and over-delivery injected into the device.

Checked on what the *device* saw (the simulator's own log) and the session log: no SET above
the channel's effective ceiling, delivered never above the last SET, setpoints never rising
faster than the soft start or the follow ramp allow, no output after a lead-off until the
user raised the channel again after the lead came back, and every session ends with output
0 on every channel and a reason.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings
from session_helpers import device_s, outputs_within_setpoints, virtual_rig

from tenscontrol.device import TelemetrySample
from tenscontrol.device.state import DeviceEvent
from tenscontrol.records.logreader import read_log
from tenscontrol.session import SessionEngine
from tenscontrol.session.events import REASONS
from tenscontrol.session.ramps import FOLLOW_UA_PER_S

CEILING = {1: 50_000, 2: 60_000}  # sciatic-leg
SOFT_MS = 10_000
DURATION_MS = 40_000

action = st.one_of(
    st.tuples(st.just("up"), st.integers(1, 2), st.none()),
    st.tuples(st.just("down"), st.integers(1, 2), st.none()),
    st.tuples(st.just("set"), st.integers(1, 2), st.integers(0, 65_000)),
    st.tuples(st.just("pause"), st.sampled_from([1, 2, None]), st.none()),
    st.tuples(st.just("resume"), st.sampled_from([1, 2, None]), st.none()),
    st.tuples(st.just("stop"), st.none(), st.none()),
)
timed = st.lists(st.tuples(st.integers(1, 39 * 10), action), max_size=25)
faults = st.lists(
    st.sampled_from(
        [
            "lead_off=1@{t}",
            "lead_on=1@{t}",
            "lead_off=2@{t}",
            "lead_on=2@{t}",
            "overdeliver=2@{t}:30",
        ]
    ),
    max_size=3,
).flatmap(
    lambda names: st.tuples(*(st.integers(2, 38) for _ in names)).map(
        lambda times: "&".join(n.format(t=t) for n, t in zip(names, times, strict=True))
    )
)


def schedule(rig: Any, engine: SessionEngine, actions: list[tuple[int, Any]]) -> None:
    pending = sorted(actions, key=lambda a: a[0])

    def fire(event: DeviceEvent) -> None:
        while pending and isinstance(event, TelemetrySample) and event.at >= pending[0][0] / 10:
            _, (kind, channel, value) = pending.pop(0)
            if kind == "up":
                engine.up(channel)
            elif kind == "down":
                engine.down(channel)
            elif kind == "set":
                engine.set_intensity(channel, value)
            elif kind == "pause":
                engine.pause(channel)
            elif kind == "resume":
                engine.resume(channel)
            else:
                engine.request_stop()

    rig.device.subscribe(fire)


@settings(
    max_examples=int(os.environ.get("SESSION_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    start=st.tuples(
        st.one_of(st.none(), st.integers(0, 50_000)), st.one_of(st.none(), st.integers(0, 60_000))
    ),
    actions=timed,
    options=faults,
)
def test_random_sessions_stay_within_every_rule(
    start: tuple[int | None, int | None], actions: list[tuple[int, Any]], options: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp, virtual_rig(Path(tmp), options) as rig:
        engine = rig.engine("sciatic-leg", {1: start[0], 2: start[1]}, duration_ms=DURATION_MS)
        schedule(rig, engine, actions)
        result = engine.run()
        sim = rig.sim_events()
        final = [rig.model.channel(n).delivered_ua for n in (1, 2)]
        assert result.log_path is not None
        record = read_log(result.log_path)
    assert result.reason in REASONS
    assert final == [0, 0]
    assert record.summary is not None
    assert record.summary["reason"] == result.reason
    if "overdeliver" not in options:
        assert not outputs_within_setpoints(sim)
    sets: dict[int, tuple[float, int]] = {}
    lead_off: dict[int, float] = {}
    lead_back: dict[int, float] = {}
    t0 = next(device_s(e) for e in sim if e["event"] == "start")  # the session's t = 0
    raises = [
        (t0 + e["t_ms"] / 1_000, e["channel"])
        for e in record.events
        if e["event"] == "command" and e["command"] in ("up", "set") and e["target_ua"]
    ]
    for event in sim:
        t = device_s(event)
        if event["event"] == "lead":
            (lead_off if event["lead"] == "off" else lead_back)[event["channel"]] = t
        if event["event"] != "set":
            continue
        n, amp = event["channel"], event["amplitude_ua"]
        assert amp <= CEILING[n]
        if n in sets:
            t_prev, prev = sets[n]
            dt_ms = round((t - t_prev) * 1_000)
            allowed = CEILING[n] * dt_ms // SOFT_MS + FOLLOW_UA_PER_S * dt_ms // 1_000 + 1
            assert amp - prev <= max(allowed, CEILING[n] * 100 // SOFT_MS + 1)
        sets[n] = (t, amp)
        if amp > 0 and n in lead_off and lead_off[n] <= t:
            back = lead_back.get(n)
            assert back is not None
            assert back >= lead_off[n]
            assert any(ch == n and back <= when <= t for when, ch in raises)
