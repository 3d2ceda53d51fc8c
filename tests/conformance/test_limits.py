"""The suite's safety rules on a device that is not a simulator: never a SET above 2 mA,
a load resistor confirmed first, and a confirmed STOP on every way out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.conformance_helpers import failed, results, run_virtual, virtual_sim
from conformance.defective import NotASimulator
from tenscontrol.conformance import CONFORMANCE_MAX_UA, Result, Suite, run_suite
from tenscontrol.conformance.runner import AmplitudeGuard
from tenscontrol.errors import LimitViolation, UserInputError
from tenscontrol.protocol import MsgType
from tenscontrol.protocol.layouts import SETPOINT

#: Checks that cannot run on a device that is not a simulator, by design.
NOT_ON_HARDWARE = {
    "nak.set.amplitude",
    "overdelivery.device-trip",
    "nak.set.fault-latched",
    "set.zero-on-faulted",
    "fault.cleared-by-start",
}


def test_the_ceiling_is_2_ma() -> None:
    assert CONFORMANCE_MAX_UA == 2_000


@given(st.integers(min_value=0, max_value=0xFFFFFFFF))
def test_the_guard_refuses_every_set_above_the_ceiling(amplitude: int) -> None:
    guard = AmplitudeGuard(CONFORMANCE_MAX_UA)
    body = SETPOINT.pack(1, amplitude, 80_000, 180, 0, 0, 0, 0)
    for cut in (body, body[:5], body + b"\x00"):  # malformed lengths are read too
        if amplitude > CONFORMANCE_MAX_UA:
            with pytest.raises(LimitViolation):
                guard(MsgType.SET, cut)
        else:
            guard(MsgType.SET, cut)
    AmplitudeGuard(None)(MsgType.SET, body)  # a simulator: no ceiling
    guard(MsgType.HEARTBEAT, body)  # only SET carries an amplitude


def test_on_a_device_that_is_no_simulator_no_set_exceeds_2_ma() -> None:
    port = NotASimulator(virtual_sim())
    report = run_virtual(port)
    assert port.set_amplitudes, "the suite sent no SET at all"
    assert max(port.set_amplitudes) <= CONFORMANCE_MAX_UA
    assert report.device["max_commanded_ua"] == CONFORMANCE_MAX_UA
    assert report.device["simulated"] is False
    assert failed(report) == set()
    skipped = {i for i, r in results(report).items() if r is Result.SKIP}
    assert skipped == NOT_ON_HARDWARE
    assert report.stop_confirmed


def test_a_set_above_the_ceiling_is_refused_before_it_is_written() -> None:
    port = NotASimulator(virtual_sim())
    suite = Suite(port, "sim://", port.inner.clock.monotonic)
    suite.run((), lambda identity: True)
    bench = suite.bench
    assert bench is not None
    with pytest.raises(LimitViolation, match="2001 uA"):
        bench.set(1, CONFORMANCE_MAX_UA + 1)
    suite.finish()
    assert CONFORMANCE_MAX_UA + 1 not in port.set_amplitudes
    assert suite.report.stop_confirmed


def test_without_confirmation_nothing_is_started_and_the_stop_is_confirmed() -> None:
    port = NotASimulator(virtual_sim())
    asked = []

    def refuse(identity: object) -> bool:
        asked.append(identity)
        return False

    with pytest.raises(UserInputError, match="not confirmed"):
        run_suite(port, port_name="x", confirm=refuse, now=port.inner.clock.monotonic)
    assert len(asked) == 1
    sent = [frame.msg_type for frame in port.host_frames]
    assert MsgType.START not in sent
    assert MsgType.SET not in sent
    assert sent[-1] == MsgType.STOP  # the final STOP, on the way out too


def test_a_simulator_is_never_asked() -> None:
    def never(identity: object) -> bool:
        raise AssertionError("a simulator needs no load resistor")

    report = run_virtual(virtual_sim(), only=["seq.echo"], confirm=never)
    assert results(report) == {"seq.echo": Result.PASS}


def _interrupted(suite: Suite) -> None:
    """Run the suite's handshake, drive 1 mA, then Ctrl-C; the final STOP on the way out."""
    try:
        suite.run((), lambda identity: True)
        assert suite.bench is not None
        suite.bench.run_at(1, 1_000)
        raise KeyboardInterrupt
    finally:
        suite.finish()


def test_an_exception_inside_the_run_still_ends_with_a_confirmed_stop() -> None:
    port = NotASimulator(virtual_sim())
    suite = Suite(port, "sim://", port.inner.clock.monotonic)
    with pytest.raises(KeyboardInterrupt):
        _interrupted(suite)
    assert suite.report.stop_confirmed
    assert port.inner.model.channel(1).delivered_ua == 0
    assert 1_000 in port.set_amplitudes  # the output was on when the interrupt came
