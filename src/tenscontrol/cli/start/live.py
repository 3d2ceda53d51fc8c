"""``tens start`` on a terminal: the live view (:mod:`view`) and its keys (:mod:`keys`).

The view redraws from :meth:`SessionEngine.snapshot` four times a second (rich's own refresh
thread; the engine is never blocked). Keys go to the engine's command queue exactly like
``tens adjust`` does, so every limit, rate limit and soft start applies to them; what the
engine did with a key comes back as an event and is shown under the channels. ``q`` and Esc
stop the session like Ctrl-C does (reason "user", exit 0).

Use like :class:`~tenscontrol.cli.start.printer.SessionPrinter`: :meth:`attach` before
``engine.run()``, :meth:`close` after (idempotent; restores the terminal). The last picture
stays on the screen; the end lines follow it.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from contextlib import ExitStack
from dataclasses import replace

from rich.console import Console, RenderableType
from rich.live import Live

from tenscontrol.cli.start.keys import KeyReader, cbreak
from tenscontrol.cli.start.printer import plain_event
from tenscontrol.cli.start.streams import GuardedFile, LostCallback
from tenscontrol.cli.start.view import ViewInfo, render
from tenscontrol.cli.text import mmss
from tenscontrol.session import Event, SessionEngine

REFRESH_PER_S = 4
RECENT_EVENTS = 3
_SHOWN = frozenset(
    {
        "start",
        "command",
        "refused",
        "lead",
        "fault",
        "emergency_stop",
        "device_lost",
        "warning",
        "stop",
    }
)


def event_text(event: Event) -> str:
    """One event as a short line for the view (key results in words, others as printed)."""
    data = event.data
    if event.kind in ("command", "refused"):
        command = str(data.get("command"))
        target = data.get("target_ua")
        where = f"channel {event.channel}"
        if event.kind == "refused":
            return f"{mmss(event.t_ms)} {command} on {where} refused: {data.get('why')}"
        level = f"{target / 1_000:.1f} mA" if isinstance(target, int) else "0 mA"
        words = {"pause": "paused", "resume": "resuming (soft start)"}.get(command)
        return f"{mmss(event.t_ms)} {where} {words or 'target ' + level}"
    return f"{mmss(event.t_ms)} {plain_event(event)}"


class LiveSession:
    """The live view and keys of one session on a terminal."""

    def __init__(
        self,
        engine: SessionEngine,
        *,
        console: Console | None = None,
        on_lost: LostCallback | None = None,
    ) -> None:
        self.engine = engine
        #: Told when the terminal goes away (output or keys): ``tens start`` stops then.
        self.on_lost = on_lost
        if console is None:
            # rich writes from its own refresh thread: a terminal that is gone must not
            # kill that thread silently, nor leave the session running unseen.
            self.file = GuardedFile(sys.stdout, "stdout", on_lost)
            console = Console(file=self.file)  # type: ignore[arg-type]
        self.console = console
        self._recent: deque[str] = deque(maxlen=RECENT_EVENTS)
        self._lock = threading.Lock()
        self._stack = ExitStack()
        self._live: Live | None = None
        profile = engine.profile
        self._info = ViewInfo(
            profile=profile.name,
            title=profile.title,
            phase_count=len(profile.phases),
            body_areas={c.number: c.body_area for c in profile.channels},
        )

    def attach(self) -> None:
        """Subscribe to events, take the keyboard (cbreak) and start drawing."""
        self.engine.subscribe(self.on_event)
        fd = self._stack.enter_context(cbreak())
        if fd is None:
            self._info = replace(self._info, keys=False)
        self._live = Live(
            get_renderable=self.picture,
            console=self.console,
            refresh_per_second=REFRESH_PER_S,
            transient=False,
        )
        self._stack.enter_context(self._live)
        if fd is not None:
            self._stack.enter_context(KeyReader(fd, self.on_key, self._keys_gone))

    def _keys_gone(self, what: str) -> None:
        if self.on_lost is not None:
            self.on_lost("terminal", what)

    def close(self) -> None:
        """Stop keys and drawing (the last picture stays) and restore the terminal."""
        live = self._live
        if live is not None:
            live.refresh()
        self._stack.close()

    def picture(self) -> RenderableType:
        """The view of the engine's latest snapshot."""
        with self._lock:
            recent = tuple(self._recent)
        return render(self.engine.snapshot(), self._info, recent)

    def on_event(self, event: Event) -> None:
        """An engine event (engine thread): kept for the view if a person needs it."""
        if event.kind in _SHOWN:
            text = event_text(event)
            with self._lock:
                self._recent.append(text)

    def on_key(self, key: str) -> None:
        """A key name from :class:`KeyReader` -> an engine command."""
        engine = self.engine
        if key == "stop":
            engine.request_stop("user")
        elif key in ("up1", "up2"):
            engine.up(1 if key == "up1" else 2)
        elif key in ("down1", "down2"):
            engine.down(1 if key == "down1" else 2)
        elif key == "pause":
            snap = engine.snapshot()
            if any(c.paused for c in snap.channels):
                engine.resume()
            else:
                engine.pause()
