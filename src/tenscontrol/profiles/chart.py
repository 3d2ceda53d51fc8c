"""Drawings of a profile's planned timeline: a plain-text chart, and a PNG with matplotlib.

Each column of the text chart covers a slice of the session and shows the range (lowest to
highest) that the rate, width and amplitude take inside that slice, so a fast sweep shows as
a band rather than as misleading samples. Values come from :mod:`.timeline`; nothing here
is used for safety decisions.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenscontrol.errors import UserInputError
from tenscontrol.files import output as output_file
from tenscontrol.profiles.model import Profile
from tenscontrol.profiles.timeline import Stimulation, Timeline
from tenscontrol.profiles.units import fmt_number

#: Finest sampling step of the chart, ms (modulation periods are at least 500 ms).
MAX_STEP_MS = 50
ROWS = 5


@dataclass(frozen=True, slots=True)
class Track:
    """One quantity of the chart: per column the (lowest, highest) value, in integer units."""

    label: str
    unit: str
    scale: int
    columns: tuple[tuple[int, int], ...]


def _value(stim: Stimulation, key: str) -> int:
    return {"rate": stim.rate_mhz, "width": stim.width_us, "amp": stim.amplitude_permille}[key]


def sample_tracks(profile: Profile, columns: int, start_ms: int, end_ms: int) -> list[Track]:
    """Ranges of rate (Hz), width (us) and amplitude (%) over ``columns`` equal time slices."""
    timeline = Timeline(profile)
    span = end_ms - start_ms
    step = max(1, min(MAX_STEP_MS, span // (columns * 8)))
    keys = ("rate", "width", "amp")
    ranges: dict[str, list[tuple[int, int]]] = {k: [] for k in keys}
    for col in range(columns):
        lo_t = start_ms + span * col // columns
        hi_t = start_ms + span * (col + 1) // columns
        stims = [timeline.at(t) for t in range(lo_t, max(hi_t, lo_t + 1), step)]
        for key in keys:
            values = [_value(s, key) for s in stims]
            ranges[key].append((min(values), max(values)))
    return [
        Track("rate", "Hz", 1_000, tuple(ranges["rate"])),
        Track("width", "us", 1, tuple(ranges["width"])),
        Track("amplitude", "%", 10, tuple(ranges["amp"])),
    ]


def _clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def render_text(
    profile: Profile, columns: int = 60, start_ms: int = 0, end_ms: int | None = None
) -> str:
    """The timeline as a plain-text chart, ``columns`` wide (plus labels)."""
    end = profile.duration_ms if end_ms is None else end_ms
    tracks = sample_tracks(profile, columns, start_ms, end)
    lines: list[str] = []
    for track in tracks:
        low = min(lo for lo, _ in track.columns)
        high = max(hi for _, hi in track.columns)
        lines.append(f"{track.label} ({track.unit})")
        for row in range(ROWS - 1, -1, -1):
            cells = "".join(_cell(lo, hi, low, high, row) for lo, hi in track.columns)
            label = fmt_number(high, track.scale) if row == ROWS - 1 else ""
            label = fmt_number(low, track.scale) if row == 0 else label
            lines.append(f"{label:>8} |{cells}")
        lines.append("")
    axis_right = _clock(end)
    lines.append(f"{'time':>8}  {_clock(start_ms)}{axis_right:>{columns - len(_clock(start_ms))}}")
    return "\n".join(lines)


def _cell(lo: int, hi: int, low: int, high: int, row: int) -> str:
    """'#' when the band [lo, hi] reaches into ``row`` of a ROWS-high scale from low to high."""
    if high == low:
        return "#" if row == ROWS // 2 else " "
    # Row r covers [low + r*(high-low)/ROWS, low + (r+1)*(high-low)/ROWS]; integer cross-multiply.
    bottom = low * ROWS + row * (high - low)
    top = low * ROWS + (row + 1) * (high - low)
    hit = lo * ROWS <= top and hi * ROWS >= bottom
    return "#" if hit else " "


def render_png(profile: Profile, path: Path, start_ms: int = 0, end_ms: int | None = None) -> None:
    """Save the timeline as a PNG chart. Needs the optional ``plot`` extra (matplotlib)."""
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
        matplotlib.use("Agg")
        plt: Any = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        raise UserInputError(
            "--png needs matplotlib, which is not installed",
            hint="pip install 'tenscontrol[plot]'",
        ) from None
    end = profile.duration_ms if end_ms is None else end_ms
    timeline = Timeline(profile)
    step = max(1, (end - start_ms) // 4000)
    times = list(range(start_ms, end, step))
    stims = [timeline.at(t) for t in times]
    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(10, 6))
    minutes = [t / 60_000 for t in times]
    series = (
        ([s.rate_mhz / 1000 for s in stims], "rate (Hz)"),
        ([float(s.width_us) for s in stims], "width (us)"),
        ([s.amplitude_permille / 10 for s in stims], "amplitude (% of level)"),
    )
    for ax, (values, label) in zip(axes, series, strict=True):
        ax.step(minutes, values, where="post")
        ax.set_ylabel(label)
    axes[-1].set_xlabel("minutes")
    fig.suptitle(f"{profile.name}: {profile.title}")
    try:
        with output_file(path, binary=True) as stream:  # a new 0600 file, never via a link
            fig.savefig(stream, format="png")
    except OSError as error:
        raise UserInputError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        plt.close(fig)
