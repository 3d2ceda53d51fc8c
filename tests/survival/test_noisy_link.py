"""A noisy link: 0.1 % of bytes corrupted and 1 % of frames dropped, both ways.

A whole session fast-forwarded on the built-in simulator (``--simulate --speed``, the
options in ``TENS_SIM_OPTIONS``), and a few seconds in real time against ``tens simulate
--pty``. Either the session completes (exit 0) or it stops safely (exit 3, the device lost,
output 0); in the simulator's log the delivered current is never above the setpoint the
device accepted, and no accepted setpoint is above what the host asked for.
"""

from __future__ import annotations

import signal
from pathlib import Path

from survival.survival_helpers import (
    DEADLINE_S,
    Controller,
    PtyRig,
    Record,
    assert_all_zero_at_end,
    assert_delivered_within_setpoint,
    child_env,
    controller,
    session_log,
    sim_events,
)
from tenscontrol.records.logreader import read_log

CORRUPT_RATE = "0.001"
DROP_RATE = "0.01"
INTENSITY_UA = 20_000
#: Fast-forward: 5 minutes of session at 100x, about 3 s of wall time.
SPEED = "100"
DURATION = "5m"
#: Real time: stimulate this long (session seconds) before SIGTERM.
REAL_TIME_S = 3.0


def _check_outcome(ctl: Controller, code: int, events: list[Record], home: Path) -> Record:
    """Completed or stopped by us (0), or stopped safely because the link gave up (3)."""
    end = ctl.end()
    assert code in (0, 3), ctl.stderr
    assert end["exit_code"] == code
    if code == 3:
        assert end["reason"] == "device_lost", end
    else:
        assert end["stop_confirmed"] is True, end
    assert_all_zero_at_end(events)
    assert_delivered_within_setpoint(events, ceiling_ua=INTENSITY_UA)
    assert [e for e in events if e["event"] == "frame_error"], "the link was not noisy"
    record = read_log(session_log(home))
    assert (record.status, record.reason) == ("complete", end["reason"])
    assert record.bad_lines == 0
    return end


def test_noisy_link_over_a_full_fast_forwarded_session(home: Path, sim_log: Path) -> None:
    options = f"seed=7&corrupt_rate={CORRUPT_RATE}&drop_rate={DROP_RATE}&log={sim_log}"
    env = child_env(home, sim_options=options)
    with controller(
        env,
        "--simulate",
        "--speed",
        SPEED,
        "--duration",
        DURATION,
        "--intensity",
        str(INTENSITY_UA // 1_000),
    ) as ctl:
        code = ctl.finish(timeout_s=4 * DEADLINE_S)  # paced: a slow machine runs it slower
    events = sim_events(sim_log)
    end = _check_outcome(ctl, code, events, home)
    if code == 0:
        assert end["reason"] == "completed"
        assert end["duration_ms"] >= 5 * 60_000
        assert max(e["amplitude_ua"] for e in events if e["event"] == "output") == INTENSITY_UA


def test_noisy_link_in_real_time_on_a_pty(home: Path, sim_log: Path, pty_rig: PtyRig) -> None:
    args = ("--seed", "3", "--corrupt-rate", CORRUPT_RATE, "--drop-rate", DROP_RATE)
    with pty_rig(args, "--intensity", str(INTENSITY_UA // 1_000), "--duration", "1m") as ctl:
        # Stimulate at least REAL_TIME_S, and until the simulator has seen a corrupt frame
        # from the host: where the seeded corruption first lands in the host's bytes is
        # fixed, but how many bytes go out in 3 s of real time is not (about 0.7 corrupt
        # frames are expected in 3 s). The 1-minute session is the upper bound.
        seen = ctl.wait_for(
            lambda r: (
                r["event"] == "end"
                or (
                    r["event"] == "status"
                    and r["elapsed_s"] >= REAL_TIME_S
                    and any(e["event"] == "frame_error" for e in sim_events(sim_log))
                )
            ),
            timeout_s=75.0,
        )
        if seen["event"] == "status":
            assert seen["channels"][0]["delivered_ua"] > 0
            ctl.send_signal(signal.SIGTERM)
        code = ctl.finish()
    events = sim_events(sim_log)
    end = _check_outcome(ctl, code, events, home)
    if code == 0:
        assert end["reason"] == "signal"
