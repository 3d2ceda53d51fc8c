"""How promptly a simulator's serving thread ran, and the gaps between host bytes it saw.

:class:`ServeTiming` is what :class:`~tenscontrol.sim.server.SimServer` measures itself
with (see there for why): two fixed-size histograms of durations in 1 ms buckets, so hours
of serving cost no memory. Durations are seconds of the server's clock.
"""

from __future__ import annotations

#: Histogram buckets of :class:`ServeTiming`: 1 ms each, the last one for anything longer.
_BUCKETS_MS = 2_000


class _Histogram:
    """Durations in 1 ms buckets (fixed size, so hours of serving cost no memory)."""

    def __init__(self) -> None:
        self.counts = [0] * (_BUCKETS_MS + 1)
        self.n = 0
        self.max_s = 0.0

    def add(self, seconds: float) -> None:
        """Count one duration (seconds; negative counts as 0)."""
        seconds = max(seconds, 0.0)
        self.counts[min(int(seconds * 1_000), _BUCKETS_MS)] += 1
        self.n += 1
        self.max_s = max(self.max_s, seconds)

    def percentile_ms(self, fraction: float) -> float | None:
        """Upper edge (ms) of the bucket holding the ``fraction`` quantile; None if empty."""
        if not self.n:
            return None
        rank = fraction * self.n
        seen = 0
        for ms, count in enumerate(self.counts):
            seen += count
            if seen >= rank and count:
                return float(min(ms + 1, round(self.max_s * 1_000, 1)))
        return round(self.max_s * 1_000, 1)

    def summary(self, name: str) -> dict[str, object]:
        """``{name}_n``, ``_max_ms``, ``_p99_ms``, ``_over_100ms`` (durations > 100 ms)."""
        return {
            f"{name}_n": self.n,
            f"{name}_max_ms": round(self.max_s * 1_000, 1),
            f"{name}_p99_ms": self.percentile_ms(0.99),
            f"{name}_over_100ms": sum(self.counts[101:]),
        }


class ServeTiming:
    """How promptly the serving thread ran, and the gaps between host bytes it saw.

    ``late``: per wake-up, how long after the time it asked ``select`` to return by it got
    to run (0 when woken early by input: then its delay is unknown). ``host_gap``: seconds
    between two reads that got host bytes, while the device's watchdog was armed (the
    host's frame gaps as the device saw them, simulator delays included). Times are the
    server clock's seconds.
    """

    def __init__(self) -> None:
        self.late = _Histogram()
        self.host_gap = _Histogram()
        self._last_host: float | None = None

    def woke(self, late_s: float) -> None:
        """One wake-up, ``late_s`` seconds after it was due (<= 0: on time)."""
        self.late.add(late_s)

    def host_bytes(self, at: float, *, armed: bool) -> float | None:
        """Host bytes read at ``at``; ``armed``: the watchdog runs once they are handled.
        Returns the gap since the previous ones (s), if the watchdog ran meanwhile."""
        gap = None if self._last_host is None else at - self._last_host
        if gap is not None:
            self.host_gap.add(gap)
        self._last_host = at if armed else None
        return gap

    def summary(self) -> dict[str, object]:
        """Both histograms' figures as one flat dict (for the ``serve_stats`` event)."""
        return {**self.late.summary("late"), **self.host_gap.summary("host_gap")}
