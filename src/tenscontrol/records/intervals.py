"""A mean with an honest 95 % interval, for a person's own before/after pain scores.

The interval is the textbook one for a mean of paired differences: mean +- t x s / sqrt(n),
with s the sample standard deviation (:func:`statistics.stdev`) and t the 97.5 % point of
Student's t distribution with n - 1 degrees of freedom. The standard library has no t
distribution, so :func:`t_two_sided` computes P(|T| <= t) exactly for whole degrees of
freedom (the finite sums of Abramowitz and Stegun, Handbook of Mathematical Functions,
26.7.3 and 26.7.4) and :func:`t_quantile` inverts it by bisection.

Below :data:`MIN_SESSIONS` scored sessions no interval is given ("too few sessions to say",
docs/care.md says why). What the interval assumes is in docs/care.md too: sessions that are
alike and independent; it says how precisely the average of *these* sessions is known,
nothing about what caused a change.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: Fewest scored sessions for an interval. Design choice (docs/care.md): from 5 sessions
#: on, t is below 3 (2.78 at 4 degrees of freedom; 12.7 at 1, 4.30 at 2, 3.18 at 3): below
#: that the interval says mostly how few sessions there are, and one odd day decides it.
MIN_SESSIONS = 5
#: The interval's coverage.
LEVEL = 0.95
#: Bisection steps of :func:`t_quantile`: the bracket shrinks below 1e-12 of its start.
_STEPS = 80


def t_two_sided(t: float, df: int) -> float:
    """P(|T| <= t) for Student's T with ``df`` (>= 1) degrees of freedom, ``t`` >= 0."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, not {df}")
    theta = math.atan(t / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    c2 = c * c
    if df % 2 == 1:
        if df == 1:
            return 2 * theta / math.pi
        term = total = c
        for k in range(3, df - 1, 2):  # c + 2/3 c^3 + (2*4)/(3*5) c^5 ... up to c^(df-2)
            term *= c2 * (k - 1) / k
            total += term
        return 2 / math.pi * (theta + s * total)
    term = total = 1.0
    for k in range(2, df - 1, 2):  # 1 + 1/2 c^2 + (1*3)/(2*4) c^4 ... up to c^(df-2)
        term *= c2 * (k - 1) / k
        total += term
    return s * total


def t_quantile(df: int, level: float = LEVEL) -> float:
    """The t with P(|T| <= t) = ``level`` (0.95: the 97.5 % point), ``df`` degrees of
    freedom."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    low, high = 0.0, 1.0
    while t_two_sided(high, df) < level:
        low, high = high, high * 2
    for _ in range(_STEPS):
        middle = (low + high) / 2
        if t_two_sided(middle, df) < level:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass(frozen=True, slots=True)
class MeanInterval:
    """The mean of ``n`` values and its 95 % interval ``low`` to ``high`` (same unit)."""

    n: int
    mean: float
    low: float
    high: float


def mean_interval(values: Sequence[float], minimum: int = MIN_SESSIONS) -> MeanInterval | None:
    """The mean of ``values`` with its 95 % t interval; None below ``minimum`` values
    (never fewer than 2: one value has no spread to judge by)."""
    n = len(values)
    if n < max(2, minimum):
        return None
    mean = statistics.fmean(values)
    half = t_quantile(n - 1) * statistics.stdev(values) / math.sqrt(n)
    return MeanInterval(n, mean, mean - half, mean + half)
