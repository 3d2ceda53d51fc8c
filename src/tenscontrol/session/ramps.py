"""What one channel's output should be, from the user's wishes and the session's ramps.

Pure and deterministic: integer milliseconds and microamperes, no clock, no I/O. The
engine calls the methods with the session time; the stateful tests drive them directly.

Per channel there is a **target** (what the user asked for, uA, or None: wait at 0) and a
**level** (the user's level in force, which follows the target). The setpoint sent is::

    level x amplitude_permille / 1000 x soft-start fraction x ramp-down fraction

(:func:`output_ua`, floored, so it never exceeds the exact product and never the level).

Rules (hard_limits names the numbers):

* Output is *active* when the target is above 0, the channel is not paused, and its lead is
  on. Whenever it becomes active after output was 0 (session start, resume, a first raise
  after a lead-off or after stepping down to 0), a **soft start** begins: the fraction goes
  from 0 to 1 linearly over the profile's soft start (>= MIN_SOFT_START_S), and the level is
  set to the target.
* Later raises (up-steps and "set to") go **through the ramp**: the level follows the target
  upward at no more than MAX_USER_STEP_UA x MAX_USER_UP_STEPS_PER_S per second (the pace of
  the fastest allowed key presses). Downs (down-steps, lower "set to") apply at once.
* Up-steps add MAX_USER_STEP_UA; more than MAX_USER_UP_STEPS_PER_S of them within any
  1000 ms are refused, as is any raise above the channel's effective ceiling. Downs are
  never rate-limited.
* Pause: output 0 at once; resume: through a new soft start to the kept target.
* Lead-off: output 0 at once, the target is forgotten (None), a START is needed before
  output; nothing comes back until the lead is on *and* the user raises again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tenscontrol import hard_limits as hl
from tenscontrol.profiles.units import fmt_number
from tenscontrol.session.events import EventKind
from tenscontrol.session.inbox import CommandKind

MS_PER_S = 1_000
#: Upward pace of the level outside a soft start, uA per second: the fastest key presses.
FOLLOW_UA_PER_S = hl.MAX_USER_STEP_UA * hl.MAX_USER_UP_STEPS_PER_S
#: Ramp-down at the natural end, ms.
RAMP_DOWN_MS = hl.RAMP_DOWN_S * MS_PER_S


def output_ua(
    level_ua: int,
    amplitude_permille: int,
    soft_elapsed_ms: int,
    soft_start_ms: int,
    remaining_ms: int,
) -> int:
    """Setpoint amplitude in uA: level x modulation x soft start x ramp-down, floored.

    ``soft_elapsed_ms``: time since the soft start began; ``remaining_ms``: time left in the
    session (the ramp-down covers the last :data:`RAMP_DOWN_MS`). Never above ``level_ua``.
    """
    if level_ua <= 0 or soft_elapsed_ms <= 0 or remaining_ms <= 0:
        return 0
    permille = max(0, min(amplitude_permille, 1_000))
    soft = min(soft_elapsed_ms, soft_start_ms)
    down = min(remaining_ms, RAMP_DOWN_MS)
    return level_ua * permille * soft * down // (1_000 * soft_start_ms * RAMP_DOWN_MS)


@dataclass
class ChannelRamp:
    """One channel's target, level, pause, lead and soft start (times: session ms)."""

    channel: int
    ceiling_ua: int
    soft_start_ms: int
    target_ua: int | None = None
    paused: bool = False
    lead_off: bool = False
    needs_start: bool = False
    level_ua: int = 0
    soft_start_at: int | None = None
    _anchor: tuple[int, int] = (0, 0)
    _ups: deque[int] = field(default_factory=deque)

    def __post_init__(self) -> None:
        if self.soft_start_ms < hl.MIN_SOFT_START_S * MS_PER_S:
            raise ValueError(f"soft start {self.soft_start_ms} ms is below the minimum")
        if self.target_ua is not None and not 0 <= self.target_ua <= self.ceiling_ua:
            raise ValueError(f"target {self.target_ua} uA outside 0-{self.ceiling_ua}")

    # --- state -----------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """True when output may be above 0 (a positive target, not paused, lead on)."""
        return bool(self.target_ua) and not self.paused and not self.lead_off

    def _refresh(self, now_ms: int) -> None:
        """Start a soft start when output becomes active; zero everything when it stops."""
        if self.active and self.soft_start_at is None:
            self.soft_start_at = now_ms
            self.level_ua = self.target_ua or 0
            self._anchor = (now_ms, self.level_ua)
        elif not self.active:
            self.soft_start_at = None
            self.level_ua = 0
            self._anchor = (now_ms, 0)

    def start(self, now_ms: int) -> None:
        """The session begins: a soft start to the initial target, if there is one."""
        self._refresh(now_ms)

    # --- user commands (each returns a refusal reason, or None when accepted) ----------
    def up(self, now_ms: int) -> str | None:
        """One key press up: +MAX_USER_STEP_UA, at most MAX_USER_UP_STEPS_PER_S per second."""
        if self.lead_off:
            return "the lead is off; reattach the pad first"
        while self._ups and self._ups[0] <= now_ms - MS_PER_S:
            self._ups.popleft()
        if len(self._ups) >= hl.MAX_USER_UP_STEPS_PER_S:
            return f"at most {hl.MAX_USER_UP_STEPS_PER_S} steps up per second"
        new = (self.target_ua or 0) + hl.MAX_USER_STEP_UA
        if new > self.ceiling_ua:
            return f"at the ceiling of {fmt_number(self.ceiling_ua, 1_000)} mA"
        self._ups.append(now_ms)
        self._raise_to(now_ms, new)
        return None

    def down(self, now_ms: int) -> str | None:
        """One key press down: -MAX_USER_STEP_UA (not below 0), applied at once."""
        self.set_level_now(now_ms)
        self._lower_to(now_ms, max(0, (self.target_ua or 0) - hl.MAX_USER_STEP_UA))
        return None

    def set_to(self, now_ms: int, target_ua: int) -> str | None:
        """Set the target to ``target_ua``: lower at once, higher through the ramp."""
        if not 0 <= target_ua <= self.ceiling_ua:
            return (
                f"{fmt_number(target_ua, 1_000)} mA is outside 0 to the ceiling of "
                f"{fmt_number(self.ceiling_ua, 1_000)} mA of channel {self.channel}"
            )
        if target_ua > 0 and self.lead_off:
            return "the lead is off; reattach the pad first"
        self.set_level_now(now_ms)
        if target_ua < (self.target_ua or 0):
            self._lower_to(now_ms, target_ua)
        else:
            self._raise_to(now_ms, target_ua)
        return None

    def pause(self, now_ms: int) -> None:
        """Output 0 at once; the target is kept for :meth:`resume`."""
        self.paused = True
        self._refresh(now_ms)

    def resume(self, now_ms: int) -> None:
        """Back to the kept target through a new soft start."""
        self.paused = False
        self._refresh(now_ms)

    # --- telemetry ---------------------------------------------------------------------
    def lead_lost(self, now_ms: int) -> None:
        """The lead came off: output 0, the target forgotten, a START needed before output."""
        self.lead_off = True
        self.target_ua = None
        self.needs_start = True
        self._refresh(now_ms)

    def lead_back(self, now_ms: int) -> None:
        """The lead is on again; output stays 0 until the user raises it."""
        self.lead_off = False
        self._refresh(now_ms)

    # --- output ------------------------------------------------------------------------
    def set_level_now(self, now_ms: int) -> int:
        """Advance the follow ramp to ``now_ms``; the level in force, uA."""
        if not self.active:
            return 0
        target = self.target_ua or 0
        if self.level_ua < target:
            at, base = self._anchor
            self.level_ua = min(target, base + FOLLOW_UA_PER_S * max(0, now_ms - at) // MS_PER_S)
        return self.level_ua

    def amplitude(self, now_ms: int, amplitude_permille: int, remaining_ms: int) -> int:
        """The setpoint amplitude at ``now_ms``, uA (see :func:`output_ua`)."""
        level = self.set_level_now(now_ms)
        if self.soft_start_at is None:
            return 0
        return output_ua(
            level,
            amplitude_permille,
            now_ms - self.soft_start_at,
            self.soft_start_ms,
            remaining_ms,
        )

    # --- internals ---------------------------------------------------------------------
    def _raise_to(self, now_ms: int, target_ua: int) -> None:
        self.set_level_now(now_ms)
        self.target_ua = target_ua
        self._anchor = (now_ms, self.level_ua)
        self._refresh(now_ms)

    def _lower_to(self, now_ms: int, target_ua: int) -> None:
        self.target_ua = target_ua
        self.level_ua = min(self.level_ua, target_ua)
        self._anchor = (now_ms, self.level_ua)
        self._refresh(now_ms)


#: What applying one command to one channel did: (channel, COMMAND or REFUSED, data).
CommandOutcome = tuple[int, EventKind, dict[str, object]]


def apply_command(
    ramps: dict[int, ChannelRamp],
    kind: str,
    channel: int | None,
    value: int | None,
    now_ms: int,
) -> list[CommandOutcome]:
    """Apply a person's command (a :class:`CommandKind`) to ``channel`` (None: all).

    ``value`` is the uA of a "set". One outcome per channel touched, with the data of its
    ``command`` (accepted) or ``refused`` event; a channel not in ``ramps``, or a ``kind``
    that is no :class:`CommandKind`, is refused.
    """
    name = str(kind)  # the plain text for the event, whether given a CommandKind or not
    if channel is not None and channel not in ramps:
        return [(channel, EventKind.REFUSED, {"command": name, "why": "no such channel"})]
    outcomes: list[CommandOutcome] = []
    for n in sorted(ramps) if channel is None else (channel,):
        ramp = ramps[n]
        why: str | None = None
        if kind == CommandKind.UP:
            why = ramp.up(now_ms)
        elif kind == CommandKind.DOWN:
            why = ramp.down(now_ms)
        elif kind == CommandKind.SET:
            why = ramp.set_to(now_ms, value if value is not None else -1)
        elif kind == CommandKind.PAUSE:
            ramp.pause(now_ms)
        elif kind == CommandKind.RESUME:
            ramp.resume(now_ms)
        else:
            why = f"unknown command {name!r}"
        data: dict[str, object] = {"command": name, "target_ua": ramp.target_ua}
        if value is not None:
            data["value_ua"] = value
        if why is not None:
            data["why"] = why
        outcomes.append((n, EventKind.REFUSED if why else EventKind.COMMAND, data))
    return outcomes
