"""Every signal that would end or suspend the process is a stop path (in-process, through
the very handler ``tens start`` installs): before a session it raises Interrupted, during
one it asks the engine to stop with the signal's name, after it it is only noted."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping

import pytest

from tenscontrol.errors import Interrupted
from tenscontrol.session.signals import STOP_SIGNALS, GuardMode, SignalGuard, signal_name


class FakeEngine:
    """Records stop requests (reason, detail)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, object]]] = []

    def request_stop(
        self, reason: str = "user", detail: Mapping[str, object] | None = None
    ) -> None:
        self.requests.append((reason, dict(detail or {})))


@pytest.fixture
def guard() -> Iterator[SignalGuard]:
    installed = SignalGuard().install()
    try:
        yield installed
    finally:
        installed.uninstall()


def test_the_set_has_every_terminating_and_suspending_signal() -> None:
    expected = {
        signal.SIGHUP,
        signal.SIGINT,
        signal.SIGQUIT,
        signal.SIGTERM,
        signal.SIGALRM,
        signal.SIGUSR1,
        signal.SIGUSR2,
        signal.SIGABRT,
        signal.SIGTRAP,
        signal.SIGXCPU,
        signal.SIGXFSZ,
        signal.SIGVTALRM,
        signal.SIGPROF,
        signal.SIGSYS,
        signal.SIGTSTP,
        signal.SIGTTIN,
        signal.SIGTTOU,
        signal.SIGRTMIN,
        signal.SIGRTMAX,
    }
    assert expected <= set(STOP_SIGNALS)
    # Never caught: uncatchable, faulting instructions, and SIGPIPE (a client hanging up).
    never = {
        signal.SIGKILL,
        signal.SIGSTOP,
        signal.SIGSEGV,
        signal.SIGBUS,
        signal.SIGFPE,
        signal.SIGILL,
        signal.SIGPIPE,
        signal.SIGCHLD,
        signal.SIGWINCH,
        signal.SIGCONT,
    }
    assert not never & set(STOP_SIGNALS)


@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=[signal_name(s) for s in STOP_SIGNALS])
def test_a_signal_during_a_session_stops_it_with_its_name(guard: SignalGuard, signum: int) -> None:
    engine = FakeEngine()
    guard.attach(engine)
    os.kill(os.getpid(), signum)  # the handler runs before kill() returns to Python code
    assert engine.requests == [("signal", {"signal": signal_name(signum)})]
    assert guard.received == (signum, signal_name(signum))


def test_before_a_session_a_signal_raises_interrupted_once(guard: SignalGuard) -> None:
    with pytest.raises(Interrupted) as caught:
        os.kill(os.getpid(), signal.SIGHUP)
    assert (caught.value.signum, caught.value.name) == (signal.SIGHUP, "SIGHUP")
    # A second signal while the first one's clean-up runs must not cut that clean-up short.
    os.kill(os.getpid(), signal.SIGTERM)
    assert guard.mode is GuardMode.NOTE


def test_after_the_session_signals_are_only_noted(guard: SignalGuard) -> None:
    engine = FakeEngine()
    guard.attach(engine)
    guard.detach()
    os.kill(os.getpid(), signal.SIGTERM)
    assert engine.requests == []
    assert guard.received == (signal.SIGTERM, "SIGTERM")


def test_background_terminal_signals_are_ignored_after_the_first(guard: SignalGuard) -> None:
    """A background write is retried after the handler and would raise SIGTTOU again at
    once, forever: the first one stops the session, the next ones are ignored."""
    engine = FakeEngine()
    guard.attach(engine)
    os.kill(os.getpid(), signal.SIGTTOU)
    assert signal.getsignal(signal.SIGTTOU) == signal.SIG_IGN
    os.kill(os.getpid(), signal.SIGTTOU)
    assert len(engine.requests) == 1


def test_real_time_signals_have_readable_names() -> None:
    assert signal_name(signal.SIGRTMIN + 3) == "SIGRTMIN+3"
    assert signal_name(signal.SIGHUP) == "SIGHUP"
