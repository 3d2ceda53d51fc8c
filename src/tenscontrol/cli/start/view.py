"""The live view's picture: one session snapshot drawn with rich (pure: no I/O, no state).

Calm and impossible to misread: the first line says SIMULATED on a simulated device and
whether current flows (STIMULATING) or not (OUTPUT OFF), in words, not only in colour
(``NO_COLOR`` and monochrome terminals lose nothing). Then the profile and phase, time with
a progress bar, one block per channel (setpoint and delivered mA, a bar of delivered
current against the channel's ceiling, target, rate, width, lead), the link and battery,
the last few events, and the key help. Display only: every number shown comes from the
integer snapshot; nothing here is compared against a limit.

Everything fits :data:`WIDTH` (80) columns, the smallest terminal it is drawn for: the key
help names only the channels the profile has, a long phase label or title is cut with an
ellipsis rather than wrapped, and the time left is rounded up so that elapsed plus left is
the session's length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from tenscontrol.cli.text import mmss, mmss_left
from tenscontrol.session import ChannelSnapshot, Snapshot
from tenscontrol.session.events import SessionState

#: The narrowest terminal the view is laid out for, columns.
WIDTH = 80
BAR_WIDTH = 30
#: The session's progress bar (the time row also holds the phase, elapsed and left).
TIME_BAR_WIDTH = 24
#: Room for the phase label in the time row: what the other cells leave of :data:`WIDTH`.
PHASE_WIDTH = WIDTH - (2 + len("00:00 elapsed") + 2 + TIME_BAR_WIDTH + 2 + len("00:00 left"))
KEY_HELP = "keys: up/down or +/- ch1   [ / ] ch2   space pause/resume   q or Esc stop"
KEY_HELP_ONE = "keys: up/down or +/- intensity   space pause/resume   q or Esc stop"
NO_KEYS_HELP = "keys unavailable (input is not a terminal): Ctrl-C or `tens stop` stops"
#: Row 2 of a channel whose target is "none" (never raised, or cleared by a lead-off).
RAISE_NOTE = "raise to start"


@dataclass(frozen=True, slots=True)
class ViewInfo:
    """What does not change during a session: names and places for the header."""

    profile: str
    title: str
    phase_count: int
    body_areas: dict[int, str]
    keys: bool = True

    @property
    def key_help(self) -> str:
        """The key line: channel 2's keys only on a two-channel profile."""
        if not self.keys:
            return NO_KEYS_HELP
        return KEY_HELP if len(self.body_areas) > 1 else KEY_HELP_ONE


def ma_text(ua: int | None) -> str:
    """uA as ``12.3 mA`` (one decimal, fixed width so numbers do not jump), or ``-``."""
    return "   - mA" if ua is None else f"{ua / 1_000:4.1f} mA"


def _indicator(snap: Snapshot) -> Text:
    if snap.state == SessionState.ENDED:
        words, style = " OUTPUT OFF  session ended ", "bold white on blue"
    elif snap.stimulating:
        words, style = " STIMULATING ", "bold black on yellow"
    elif snap.channels and all(c.paused for c in snap.channels):
        words, style = " OUTPUT OFF  paused ", "bold white on blue"
    else:
        words, style = " OUTPUT OFF ", "bold white on blue"
    text = Text()
    if snap.simulated:
        text.append(" SIMULATED ", "bold black on cyan")
        text.append("  ")
    text.append(words, style)
    return text


def _time_row(snap: Snapshot, info: ViewInfo) -> Table:
    total = snap.elapsed_ms + snap.remaining_ms
    phase = "-" if snap.phase_index is None else f"{snap.phase_index + 1}/{info.phase_count}"
    label = snap.phase_label or ""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(max_width=PHASE_WIDTH, no_wrap=True, overflow="ellipsis")
    grid.add_row(
        Text(f"phase {phase} {label}".rstrip()),
        Text(f"{mmss(snap.elapsed_ms)} elapsed"),
        ProgressBar(total=max(total, 1), completed=snap.elapsed_ms, width=TIME_BAR_WIDTH),
        Text(f"{mmss_left(snap.remaining_ms)} left"),
    )
    return grid


def _lead_text(channel: ChannelSnapshot) -> Text:
    if channel.lead == "off":
        return Text("lead OFF: check the electrode", "bold red")
    if channel.lead == "ok":
        return Text("lead ok", "green")
    return Text("lead ?")


#: Widths of a channel block's columns (name, set/target, delivered/pulses, bar, ceiling);
#: row 2 puts the lead, pause and note where the bar and the ceiling are.
_CHANNEL_COLUMNS = (4, 14, 19, BAR_WIDTH // 2, 16)


def _grid(widths: tuple[int, ...]) -> Table:
    grid = Table.grid(padding=(0, 2))
    for width in widths:
        grid.add_column(width=width, no_wrap=True, overflow="ellipsis")
    return grid


def _channel_block(c: ChannelSnapshot, area: str) -> RenderableType:
    rate = "-" if c.rate_mhz is None else f"{c.rate_mhz / 1_000:g} Hz"
    width = "-" if c.phase_width_us is None else f"{c.phase_width_us} us"
    # No target: the channel waits at 0 until raised (never set, or cleared by a lead-off);
    # once the lead is back, say how to go on. While the lead is off, the lead says it.
    target = ma_text(c.target_ua if c.target_ua is not None else 0).strip()
    waiting = c.target_ua is None and c.lead != "off"
    note = Text(f"  {RAISE_NOTE}") if waiting else Text("")
    state = Text("  PAUSED", "bold") if c.paused else Text("")
    top = _grid(_CHANNEL_COLUMNS)
    top.add_row(
        Text(f"ch{c.channel}", "bold"),
        Text(f"set {ma_text(c.setpoint_ua)}"),
        Text(f"delivered {ma_text(c.delivered_ua)}"),
        ProgressBar(
            total=max(c.ceiling_ua, 1),
            completed=min(c.delivered_ua or 0, c.ceiling_ua),
            width=BAR_WIDTH // 2,
        ),
        Text(f"ceiling {ma_text(c.ceiling_ua).strip()}"),
    )
    rest = WIDTH - sum(_CHANNEL_COLUMNS[:3]) - 2 * 3
    second = _grid((*_CHANNEL_COLUMNS[:3], rest))
    second.add_row(
        Text(""),
        Text(f"target {target}"),
        Text(f"{rate}, {width}"),
        Text.assemble(_lead_text(c), state, note),
    )
    title = Text(f"channel {c.channel}: {area}", "bold", no_wrap=True, overflow="ellipsis")
    if not c.faults:
        return Group(title, top, second)
    faults = Text(f"      fault: {', '.join(c.faults)}", "bold red")  # own line: never cut
    return Group(title, top, second, faults)


def _channel_rows(snap: Snapshot, info: ViewInfo) -> RenderableType:
    return Group(*(_channel_block(c, info.body_areas.get(c.channel, "")) for c in snap.channels))


def _status_row(snap: Snapshot) -> Text:
    battery = "-" if snap.battery_pct is None else f"{snap.battery_pct} %"
    quality = round(snap.link_quality * 100)
    link_style = "" if quality >= 95 else "bold yellow"
    text = Text("link ")
    text.append(f"{quality} %", link_style)
    text.append(f"   battery {battery}   session {snap.session_id or '-'}")
    return text


def render(snap: Snapshot, info: ViewInfo, recent: Sequence[str] = ()) -> RenderableType:
    """The whole live view for ``snap``; ``recent``: the last few event lines, oldest first."""
    header = Text(f"{info.profile}: {info.title}", "bold", no_wrap=True, overflow="ellipsis")
    parts: list[RenderableType] = [
        _indicator(snap),
        header,
        _time_row(snap, info),
        Text(""),
        _channel_rows(snap, info),
        Text(""),
        _status_row(snap),
    ]
    parts.extend(Text(line, "dim") for line in recent)
    parts.append(Text(info.key_help, "dim"))
    return Group(*parts)
