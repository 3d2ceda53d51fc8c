"""Signals as stop paths (and, re-exported from :mod:`tenscontrol.waker`, the
:class:`Waker` that lets a handler wake a waiting thread).

:data:`STOP_SIGNALS` is every signal that would end or suspend the process and that a
handler can usefully catch: each one is a stop path (reason ``signal``, with its name).
Left out, on purpose:

* SIGKILL and SIGSTOP cannot be caught: the device watchdog is the backstop.
* SIGSEGV, SIGBUS, SIGFPE and SIGILL are raised by a faulting instruction; a Python handler
  cannot run safely after one (it would re-run the instruction). Watchdog again.
* SIGPIPE stays ignored, as Python sets it: otherwise a ``tens status`` client hanging up
  before its answer would stop the session. A closed stdout or stderr pipe is caught as the
  EPIPE of the write instead (reason ``stream_lost``).

:class:`SignalGuard` installs one handler for all of them for the life of a command: before
a session runs, a signal raises :class:`~tenscontrol.errors.Interrupted` in the main thread
(so every ``finally`` closes the port with a confirmed STOP); while a session runs it asks
the engine to stop (from the main thread, which the supervisor keeps free for exactly this,
so the engine's priority STOP goes out even if the engine thread is held up); after it, a
signal is only noted.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from enum import Enum
from types import FrameType
from typing import Protocol

from tenscontrol.errors import Interrupted
from tenscontrol.waker import Waker

__all__ = ["STOP_SIGNALS", "SignalGuard", "Waker", "signal_name", "stop_on_signals"]


class Stoppable(Protocol):
    """Anything with a thread- and signal-safe ``request_stop``."""

    def request_stop(
        self, reason: str = "user", detail: Mapping[str, object] | None = None
    ) -> None:
        """Ask for an immediate stop."""
        ...


Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None

#: Signals whose default action ends the process (by name; those this system lacks are
#: skipped), plus the real-time signals, whose default action ends it too.
_TERMINATING = (
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGTERM",
    "SIGALRM",
    "SIGUSR1",
    "SIGUSR2",
    "SIGTRAP",
    "SIGABRT",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGIO",
    "SIGPOLL",
    "SIGPWR",
    "SIGSYS",
    "SIGSTKFLT",
    "SIGEMT",
    "SIGLOST",
)
#: Signals whose default action suspends the process: a suspended controller is a lost host
#: (its watchdog would trip), so they stop the session first.
SUSPENDING = ("SIGTSTP", "SIGTTIN", "SIGTTOU")
#: A background write or read on the terminal is retried after the handler, and would raise
#: the signal again at once: after the first one these are ignored (the stop is under way).
_ONCE = ("SIGTTIN", "SIGTTOU")


def _stop_signals() -> tuple[int, ...]:
    numbers = {
        getattr(signal, name) for name in (*_TERMINATING, *SUSPENDING) if hasattr(signal, name)
    }
    low, high = getattr(signal, "SIGRTMIN", None), getattr(signal, "SIGRTMAX", None)
    if low is not None and high is not None:
        numbers.update(range(int(low), int(high) + 1))
    return tuple(sorted(int(n) for n in numbers))


#: Every catchable signal that would end or suspend the process (see the module doc).
STOP_SIGNALS: tuple[int, ...] = _stop_signals()


def signal_name(signum: int) -> str:
    """``SIGHUP``; real-time signals as ``SIGRTMIN+3``."""
    low = getattr(signal, "SIGRTMIN", None)
    high = getattr(signal, "SIGRTMAX", None)
    if low is not None and high is not None and int(low) < signum < int(high):
        return f"SIGRTMIN+{signum - int(low)}"
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


@contextlib.contextmanager
def stop_on_signals(engine: Stoppable, signals: tuple[int, ...] = STOP_SIGNALS) -> Iterator[None]:
    """While inside the block, ``signals`` (default: :data:`STOP_SIGNALS`) call
    ``engine.request_stop("signal", {"signal": NAME})`` instead of their usual action; the
    previous handlers come back on leaving. For library callers; ``tens start`` uses
    :class:`SignalGuard`.

    Must be entered from the main thread (Python delivers signals there only).
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("stop_on_signals must be used from the main thread")

    def handler(signum: int, frame: FrameType | None) -> None:
        engine.request_stop("signal", {"signal": signal_name(signum)})

    previous = _install(signals, handler)
    try:
        yield
    finally:
        _restore(previous)


def _install(
    signals: tuple[int, ...], handler: Callable[[int, FrameType | None], None]
) -> dict[int, Handler]:
    previous: dict[int, Handler] = {}
    for signum in signals:
        try:
            previous[signum] = signal.signal(signum, handler)
        except (OSError, ValueError):  # not settable here (e.g. reserved by the runtime)
            continue
    return previous


def _restore(previous: dict[int, Handler]) -> None:
    for signum, old in previous.items():
        with contextlib.suppress(OSError, ValueError, TypeError):
            signal.signal(signum, old if old is not None else signal.SIG_DFL)


class GuardMode(Enum):
    """What a signal does, by the stage of the command."""

    RAISE = "raise"  #: no session yet: raise Interrupted in the main thread
    STOP = "stop"  #: a session runs: ask its engine to stop
    NOTE = "note"  #: the session is over: remember it, nothing else


class SignalGuard:
    """Every signal of :data:`STOP_SIGNALS` as a stop path, for the life of one command.

    :meth:`install` from the main thread as early as possible; :meth:`attach` the engine
    when its session starts and :meth:`detach` when it has ended. The handlers stay until
    the process ends (:meth:`uninstall` is for tests and library callers): a signal during
    the last lines is only noted, never a default action that would hide the exit code.
    """

    def __init__(self) -> None:
        self.mode = GuardMode.RAISE
        self._engine: Stoppable | None = None
        self._previous: dict[int, Handler] = {}
        #: The first signal received (number, name), or None.
        self.received: tuple[int, str] | None = None

    def install(self) -> SignalGuard:
        """Take every stop signal (main thread only). Returns self."""
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("SignalGuard.install must be called from the main thread")
        self._previous = _install(STOP_SIGNALS, self._handle)
        return self

    def uninstall(self) -> None:
        """Put the previous handlers back."""
        previous, self._previous = self._previous, {}
        _restore(previous)

    def attach(self, engine: Stoppable) -> None:
        """From now on a signal stops ``engine``'s session; one that came before does now."""
        self._engine = engine
        self.mode = GuardMode.STOP

    def detach(self) -> None:
        """The session is over: signals are only noted from now on."""
        self.mode = GuardMode.NOTE
        self._engine = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal_name(signum)
        if name in _ONCE:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(signum, signal.SIG_IGN)
        if self.received is None:
            self.received = (signum, name)
        engine = self._engine
        if self.mode is GuardMode.STOP and engine is not None:
            engine.request_stop("signal", {"signal": name})
        elif self.mode is GuardMode.RAISE:
            # Once: a second signal must not cut short the clean-up the first one started
            # (closing the port with a confirmed STOP).
            self.mode = GuardMode.NOTE
            raise Interrupted(signum, name)
