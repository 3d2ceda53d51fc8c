"""The PNG of ``tens progress``: what a person would rather look at than the tables.

Three panels over the same days: pain before and after (each day's mean, with every
session's scores as small dots and the gap between them shaded), the time stimulating per
day by frequency class, and per profile the mean change with its 95 % interval (or "too
few sessions to say"). Colours are told apart without colour too (marker shapes, labels),
and every number comes from :mod:`tenscontrol.records.progress`. matplotlib (the ``plot``
extra) is imported only here, when a PNG is asked for; the file is a new 0600 file
(``-``: standard output), like every output of the product.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tenscontrol import hard_limits as hl
from tenscontrol.cli.plotting import pyplot
from tenscontrol.errors import UserInputError
from tenscontrol.files import output as output_file
from tenscontrol.records.progress import ALL_PROFILES, Progress, Summary, count, signed
from tenscontrol.records.tolerance import FrequencyClass

#: Colour-blind-safe pair (Okabe-Ito): before orange, after blue.
BEFORE = "#E69F00"
AFTER = "#0072B2"
#: Stimulation bars by class (Okabe-Ito again), and sessions whose class is unknown.
CLASS_COLOURS = {
    FrequencyClass.HIGH: "#56B4E9",
    FrequencyClass.LOW: "#D55E00",
    FrequencyClass.MIXED: "#009E73",
    None: "#999999",
}
NOTE = (
    "Your own scores, just before and just after each session. A difference is not proof "
    "of what caused it."
)


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12)


#: From this many days with scores on, the lines are 7-day averages (daily means are noise).
SMOOTH_FROM_DAYS = 14
SMOOTH_DAYS = 7


def _lines(progress: Progress, key: str) -> list[tuple[date, float]]:
    """Per day with a score ``key`` ("pain_before"/"pain_after"): the mean of that day's
    scores, or from :data:`SMOOTH_FROM_DAYS` days on, of the scores of the 7 days ending
    that day."""
    scores: dict[date, list[int]] = {}
    for point in progress.sessions:
        value = getattr(point, key)
        if value is not None:
            scores.setdefault(point.day, []).append(value)
    span = SMOOTH_DAYS if len(scores) >= SMOOTH_FROM_DAYS else 1
    out = []
    for day in sorted(scores):
        window = [v for k in range(span) for v in scores.get(day - timedelta(days=k), [])]
        out.append((day, sum(window) / len(window)))
    return out


def _pain_panel(ax: Any, progress: Progress) -> None:
    for key, colour, marker in (("pain_before", BEFORE, "o"), ("pain_after", AFTER, "s")):
        dots = [(_noon(p.day), getattr(p, key)) for p in progress.sessions]
        dots = [(x, y) for x, y in dots if y is not None]  # every score, faint, behind
        if dots:  # one call per series: a thousand single points would take seconds
            label = "each session's score" if key == "pain_before" else None
            ax.plot(
                *zip(*dots, strict=True), marker, color=colour, alpha=0.3, markersize=3, label=label
            )
    before, after = _lines(progress, "pain_before"), _lines(progress, "pain_after")
    smooth = len({d for d, _ in before} | {d for d, _ in after}) >= SMOOTH_FROM_DAYS
    what = f"{SMOOTH_DAYS}-day average" if smooth else "day's mean"
    both = sorted({d for d, _ in before} & {d for d, _ in after})
    if both:
        b, a = dict(before), dict(after)
        ax.fill_between(
            [_noon(d) for d in both],
            [b[d] for d in both],
            [a[d] for d in both],
            color="#bbbbbb",
            alpha=0.4,
            linewidth=0,
        )
    for values, colour, marker, label in (
        (before, BEFORE, "o", "before"),
        (after, AFTER, "s", "after"),
    ):
        if values:
            ax.plot(
                [_noon(day) for day, _ in values],
                [v for _, v in values],
                marker=None if smooth else marker,
                color=colour,
                linewidth=2.2,
                markersize=6,
                label=f"pain {label} ({what})",
            )
    if not before and not after:
        ax.text(
            0.5,
            0.5,
            "no pain scores in this window",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="#555555",
        )
    ax.set_ylim(-0.3, 10.3)
    ax.set_yticks(range(0, 11, 2))
    ax.set_ylabel("pain (0-10)")
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    if before or after:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, frameon=False, ncol=3)


#: Up to this many days, a bar per day; beyond, a stepped area (the same numbers).
BARS_UP_TO_DAYS = 120


def _use_panel(ax: Any, progress: Progress) -> None:
    minutes: dict[FrequencyClass | None, dict[date, float]] = {k: {} for k in CLASS_COLOURS}
    for point in progress.sessions:
        per_day = minutes[point.frequency_class]
        per_day[point.day] = per_day.get(point.day, 0.0) + point.duration_ms / 60_000
    bottom: dict[date, float] = {}
    every_day = [progress.first_day + timedelta(days=k) for k in range(progress.window_days)]
    for kind, per_day in minutes.items():
        if not per_day:
            continue
        label = "unknown class" if kind is None else kind.words
        if progress.window_days <= BARS_UP_TO_DAYS:
            days = sorted(per_day)
            ax.bar(
                [_noon(d) for d in days],
                [per_day[d] for d in days],
                bottom=[bottom.get(d, 0.0) for d in days],
                width=0.8,
                color=CLASS_COLOURS[kind],
                label=label,
            )
        else:  # one shape per class: hundreds of bars take seconds to draw
            low = [bottom.get(d, 0.0) for d in every_day]
            high = [bottom.get(d, 0.0) + per_day.get(d, 0.0) for d in every_day]
            ax.fill_between(
                [_noon(d) for d in every_day],
                low,
                high,
                step="mid",
                color=CLASS_COLOURS[kind],
                linewidth=0,
                label=label,
            )
        for d, value in per_day.items():
            bottom[d] = bottom.get(d, 0.0) + value
    limit = hl.DAILY_USE_WARN_S / 60
    if bottom and max(bottom.values()) > limit / 2:
        ax.axhline(limit, color="#555555", linestyle="--", linewidth=0.8)
        ax.text(
            0.995,
            limit,
            f"{limit / 60:g} h a day: the daily-use warning ",
            fontsize=7,
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            color="#555555",
        )
    if bottom:  # room above the highest bar (and the warning line when it is near)
        top = max(bottom.values())
        ax.set_ylim(0, max(top, limit if limit < 2 * top else 0) * 1.15)
    ax.set_ylabel("minutes a day")
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    if bottom:
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1.0), fontsize=8, frameon=False, ncol=4)


def _profile_panel(ax: Any, summaries: list[Summary]) -> None:
    ax.axvline(0, color="#555555", linewidth=0.8)
    reach = 3.0
    for row, s in enumerate(summaries):
        interval = s.interval
        if interval is None:
            ax.text(0, row, s.sentence, ha="center", va="center", fontsize=8, color="#555555")
            continue
        reach = max(reach, abs(interval.low), abs(interval.high))
        ax.errorbar(
            interval.mean,
            row,
            xerr=[[interval.mean - interval.low], [interval.high - interval.mean]],
            fmt="o",
            color=AFTER,
            ecolor="#333333",
            capsize=4,
        )
    ax.set_yticks(range(len(summaries)))
    ax.set_yticklabels([_profile_label(s) for s in summaries], fontsize=8)
    ax.set_ylim(len(summaries) - 0.5, -0.5)
    ax.set_xlim(-reach - 0.5, reach + 0.5)
    ax.set_title(
        "Per profile: pain after minus before, mean and 95 % interval", loc="left", fontsize=10
    )
    ax.set_xlabel("points on the 0-10 scale (left of 0: lower after the session)", fontsize=9)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)


def _profile_label(s: Summary) -> str:
    known = s.frequency_class is not None and s.profile != ALL_PROFILES
    kind = f", {s.frequency_class}" if known else ""
    interval = s.interval
    if interval is None:
        numbers = f"{s.scored} scored"
    else:
        numbers = (
            f"{signed(interval.mean)} ({signed(interval.low)} to {signed(interval.high)}), "
            f"{s.scored} scored"
        )
    return f"{s.profile}{kind}\n{numbers}"


#: Fewest days the time axis shows (a day or two would be drawn in hours).
MIN_AXIS_DAYS = 7


def _day_axis(pain: Any, use: Any, progress: Progress) -> None:
    """Days along the bottom of the two time panels: at least :data:`MIN_AXIS_DAYS`, each
    day's ticks and dates when they fit, else months."""
    dates = importlib.import_module("matplotlib.dates")
    first = min(progress.first_day, progress.last_day - timedelta(days=MIN_AXIS_DAYS - 1))
    span = (progress.last_day - first).days + 1
    pain.set_xlim(
        _noon(first) - timedelta(days=0.6), _noon(progress.last_day) + timedelta(days=0.6)
    )
    pain.tick_params(labelbottom=False)
    if span <= 45:
        use.xaxis.set_major_locator(dates.DayLocator(interval=max(1, span // 8)))
        use.xaxis.set_major_formatter(dates.DateFormatter("%d %b"))
    else:
        locator = dates.AutoDateLocator(maxticks=10)
        use.xaxis.set_major_locator(locator)
        use.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))


def render_png(progress: Progress, path: Path) -> None:
    """Save the chart of ``progress`` as a PNG at ``path`` (a new 0600 file; ``-``:
    standard output)."""
    plt = pyplot()
    summaries = list(progress.summaries)
    profile_in = 0.9 + 0.45 * len(summaries) if summaries else 0.0
    height = 6.8 + profile_in
    fig = plt.figure(figsize=(11, height))

    def rect(top_in: float, height_in: float, left: float = 0.07) -> list[float]:
        return [left, 1 - (top_in + height_in) / height, 0.98 - left, height_in / height]

    pain = fig.add_axes(rect(0.75, 3.1))
    use = fig.add_axes(rect(4.35, 1.45), sharex=pain)
    _pain_panel(pain, progress)
    _use_panel(use, progress)
    _day_axis(pain, use, progress)
    if summaries:
        _profile_panel(fig.add_axes(rect(6.6, profile_in - 0.95, left=0.3)), summaries)
    sim = ", SIMULATED sessions included" if progress.include_simulated else ""
    fig.suptitle(
        f"Pain before and after each session, {progress.first_day.isoformat()} to "
        f"{progress.last_day.isoformat()} ({count(len(progress.sessions), 'session')}{sim})",
        x=0.07,
        y=1 - 0.15 / height,
        ha="left",
        va="top",
        fontsize=12,
    )
    use.set_title("Time stimulating per day, by frequency class", loc="left", fontsize=10, pad=18)
    fig.text(0.07, 0.12 / height, NOTE, fontsize=8, color="#555555")
    try:
        with output_file(path, binary=True) as stream:  # a new 0600 file: health data
            fig.savefig(stream, dpi=100, format="png")
    except OSError as error:
        raise UserInputError(f"{path}: cannot write: {error.strerror or error}") from None
    finally:
        plt.close(fig)
