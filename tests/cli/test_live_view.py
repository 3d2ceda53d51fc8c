"""The live view's picture, drawn from hand-made snapshots (no device, no terminal)."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from tenscontrol.cli.start.view import KEY_HELP, KEY_HELP_ONE, NO_KEYS_HELP, ViewInfo, render
from tenscontrol.session import ChannelSnapshot, Snapshot
from tenscontrol.session.events import SessionState

INFO = ViewInfo(
    profile="sciatic-leg",
    title="Sciatic path",
    phase_count=2,
    body_areas={1: "low back", 2: "back of the thigh"},
)
CH1 = ChannelSnapshot(
    channel=1,
    setpoint_ua=18_250,
    delivered_ua=18_000,
    lead="ok",
    target_ua=20_000,
    paused=False,
    faults=(),
    max_delivered_ua=18_000,
    ceiling_ua=50_000,
    rate_mhz=80_000,
    phase_width_us=180,
)
CH2 = replace(CH1, channel=2, setpoint_ua=0, delivered_ua=0, target_ua=None, ceiling_ua=60_000)
SNAP = Snapshot(
    session_id="20261124T120000Z-sciatic-leg",
    state=SessionState.RUNNING,
    phase_index=0,
    phase_label="burst 2 Hz",
    elapsed_ms=125_400,
    remaining_ms=1_074_600,
    channels=(CH1, CH2),
    link_quality=0.998,
    battery_pct=87,
    simulated=False,
)


def text_of(snap: Snapshot, info: ViewInfo = INFO, recent: tuple[str, ...] = ()) -> str:
    console = Console(record=True, width=110, color_system=None, file=io.StringIO())
    console.print(render(snap, info, recent))
    return console.export_text()


def test_a_running_session_shows_every_number_a_person_needs() -> None:
    text = text_of(SNAP)
    assert "STIMULATING" in text
    assert "SIMULATED" not in text
    assert "sciatic-leg: Sciatic path" in text
    assert "phase 1/2 burst 2 Hz" in text
    assert "02:05 elapsed" in text
    assert "17:55 left" in text  # rounded up: 02:05 elapsed + 17:55 left = 20:00
    assert "channel 1: low back" in text
    assert "set 18.2 mA" in text or "set 18.3 mA" in text
    assert "delivered 18.0 mA" in text
    assert "ceiling 50.0 mA" in text
    assert "target 20.0 mA" in text
    assert "80 Hz, 180 us" in text
    assert "lead ok" in text
    assert "link 100 %" in text
    assert "battery 87 %" in text
    assert KEY_HELP in text


def test_no_current_reads_output_off_in_words() -> None:
    idle = replace(SNAP, channels=(replace(CH1, setpoint_ua=0, delivered_ua=0), CH2))
    text = text_of(idle)
    assert "OUTPUT OFF" in text
    assert "STIMULATING" not in text


def test_a_simulated_device_is_labelled() -> None:
    assert "SIMULATED" in text_of(replace(SNAP, simulated=True))


def test_paused_lead_off_and_faults_are_spelled_out() -> None:
    paused = replace(CH1, paused=True, setpoint_ua=0, delivered_ua=0)
    off = replace(CH2, lead="off", faults=("LEAD_OFF",))
    text = text_of(replace(SNAP, channels=(paused, off)))
    assert "OUTPUT OFF" in text
    assert "PAUSED" in text
    assert "lead OFF: check the electrode" in text
    assert "fault: LEAD_OFF" in text


def test_an_ended_session_says_so() -> None:
    ended = replace(
        SNAP, state=SessionState.ENDED, channels=(replace(CH1, setpoint_ua=0, delivered_ua=0),)
    )
    assert "session ended" in text_of(ended)


def test_unknown_values_show_a_dash_and_recent_events_are_listed() -> None:
    unknown = replace(CH1, delivered_ua=None, lead=None, rate_mhz=None, phase_width_us=None)
    text = text_of(
        replace(SNAP, channels=(unknown,), battery_pct=None, phase_index=None),
        replace(INFO, keys=False),
        ("00:03 channel 1 target 21.0 mA",),
    )
    assert "delivered    - mA" in text
    assert "lead ?" in text
    assert "-, -" in text
    assert "battery -" in text
    assert "phase -" in text
    assert "00:03 channel 1 target 21.0 mA" in text
    assert NO_KEYS_HELP in text


def lines_at(width: int, snap: Snapshot, info: ViewInfo = INFO) -> list[str]:
    console = Console(record=True, width=width, color_system=None, file=io.StringIO())
    console.print(render(snap, info, ("00:03 channel 1 target 21.0 mA",)))
    return console.export_text().splitlines()


ONE = ViewInfo(
    profile="low-back",
    title="Low back, conventional",
    phase_count=1,
    body_areas={1: "low back, both sides of the spine"},
)
LEAD_OFF = replace(CH2, lead="off", faults=("LEAD_OFF",), paused=True)
STATES = {
    "running": SNAP,
    "lead off and paused": replace(SNAP, simulated=True, channels=(CH1, LEAD_OFF)),
    "long phase label": replace(SNAP, phase_label="strength-duration sweep of a long name"),
}


@pytest.mark.parametrize("state", STATES)
def test_every_line_fits_80_columns_so_nothing_wraps(state: str) -> None:
    snap = STATES[state]
    at_80 = lines_at(80, snap)
    assert max(len(line.rstrip()) for line in at_80) <= 80
    assert len(at_80) == len(lines_at(200, snap)), "\n".join(at_80)  # no line wrapped
    assert any(line.startswith("keys: ") for line in at_80)


def test_the_keys_line_names_channel_2_only_when_there_is_one() -> None:
    one = "\n".join(lines_at(80, replace(SNAP, channels=(CH1,)), ONE))
    assert KEY_HELP_ONE in one
    assert "ch2" not in one
    assert "[ / ]" not in one
    two = "\n".join(lines_at(80, SNAP))
    assert KEY_HELP in two
    assert len(KEY_HELP) <= 80
    assert len(KEY_HELP_ONE) <= 80


def test_no_target_after_a_lead_off_reads_as_0_and_what_to_do() -> None:
    back = replace(CH2, lead="ok", target_ua=None)
    text = text_of(replace(SNAP, channels=(CH1, back)))
    assert "target -" not in text
    assert "target 0.0 mA" in text
    assert "raise to start" in text
    still_off = text_of(replace(SNAP, channels=(CH1, replace(back, lead="off"))))
    assert "lead OFF: check the electrode" in still_off


@given(elapsed_ms=st.integers(0, 1_800_000), total_s=st.integers(1, 3_600))
def test_elapsed_and_left_add_up_to_the_session(elapsed_ms: int, total_s: int) -> None:
    total_ms = total_s * 1_000
    elapsed_ms = min(elapsed_ms, total_ms)
    text = text_of(replace(SNAP, elapsed_ms=elapsed_ms, remaining_ms=total_ms - elapsed_ms))
    found = re.search(r"(\d+):(\d\d) elapsed .* (\d+):(\d\d) left", text)
    assert found is not None
    em, es, lm, ls = (int(g) for g in found.groups())
    assert (em + lm) * 60 + es + ls == total_s
