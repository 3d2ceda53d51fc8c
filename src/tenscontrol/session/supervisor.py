"""Running a session so that nothing in the process can keep output on: the supervisor.

:func:`run_supervised` runs :meth:`SessionEngine.run` in its own thread (``tens-engine``)
and keeps the main thread free: it only waits for the engine, so the signal handlers of a
:class:`~tenscontrol.session.signals.SignalGuard` always run at once, and their
``request_stop`` comes from a thread other than the engine's, which sends the driver's
priority STOP itself. A stop therefore goes out even while the engine thread is held up
(a slow disk under the log, a bug), the device's confirmation is awaited, and the engine
then ends the session with the reason.

While the session runs, an exception that escapes any other thread of the process (the
printer, the live view's refresh, a key reader) is a stop path too (reason ``error``, the
thread's name and the error in the log): no thread dies silently while output is on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tenscontrol.session.engine import SessionEngine
from tenscontrol.session.events import SessionResult, StopReason
from tenscontrol.session.signals import SignalGuard

log = logging.getLogger(__name__)

#: How often the main thread looks at the engine thread while waiting, seconds (signals
#: interrupt the wait at once; this only bounds how long a missed wake-up could last).
JOIN_POLL_S = 0.5


@contextmanager
def stop_on_thread_errors(engine: SessionEngine) -> Iterator[None]:
    """While inside, an uncaught exception in any thread stops ``engine``'s session."""
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "?"
        if args.exc_type is SystemExit:
            return
        log.error(
            "thread %s failed: %s: %s; stopping the session",
            name,
            args.exc_type.__name__,
            args.exc_value,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
        )
        engine.request_stop(
            StopReason.ERROR,
            {"thread": name, "cause": f"{args.exc_type.__name__}: {args.exc_value}"},
        )

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = previous


def run_supervised(engine: SessionEngine, guard: SignalGuard) -> SessionResult:
    """Run ``engine``'s session in a thread; the calling (main) thread handles signals.

    Returns the engine's result. If the engine thread ends without one (a bug), the device
    is stopped from here and the result says whether that STOP was confirmed.
    """
    results: list[SessionResult] = []

    def body() -> None:
        results.append(engine.run())

    thread = threading.Thread(target=body, name="tens-engine", daemon=True)
    guard.attach(engine)
    try:
        with stop_on_thread_errors(engine):
            thread.start()
            while thread.is_alive():
                thread.join(JOIN_POLL_S)
    finally:
        guard.detach()
    if results:
        return results[0]
    return _stop_without_engine(engine)


def _stop_without_engine(engine: SessionEngine) -> SessionResult:
    """The engine thread died without a result: STOP from here, and say what is known."""
    confirmed = False
    try:
        engine.device.stop()
        confirmed = True
    except Exception as error:  # reported as unconfirmed; the device watchdog is the backstop
        log.error("STOP after the engine thread failed was not confirmed: %s", error)
    return SessionResult(
        engine.session_id,
        StopReason.ERROR,
        0,
        {},
        RuntimeError("the session engine thread ended without a result"),
        None,
        (),
        confirmed,
        {"thread": "tens-engine"},
    )
