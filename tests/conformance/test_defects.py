"""Deliberately non-conforming devices: each fails exactly the check named for its defect,
and the reference simulator fails none (all in virtual time, the same every run)."""

from __future__ import annotations

import pytest

from conformance.conformance_helpers import failed, results, run_virtual, virtual_sim
from conformance.defective import WIRE_DEFECTS, Defect, LateHost
from tenscontrol.conformance import Report, Result
from tenscontrol.sim import channel as sim_channel
from tenscontrol.sim.firmware import Firmware
from tenscontrol.sim.protocol_sim import Serial as SimSerial

#: What a device without a watchdog fails: every check that waits for HOST_LOST.
NO_WATCHDOG_FAILS = {
    "watchdog.expiry.100ms",
    "watchdog.expiry.500ms",
    "watchdog.expiry.1000ms",
    "watchdog.refresh",
    "watchdog.foreign-hello",
    "watchdog.no-refresh",
    "fault.host-lost",
}


def details(report: Report) -> str:
    """The failures of a run, one per line (what an assertion shows)."""
    return "\n".join(
        f"{r.result.value} {r.check.id}: {r.outcome.detail}"
        for r in report.results
        if r.result is Result.FAIL
    )


def test_the_reference_simulator_passes_every_automatic_check(device: SimSerial) -> None:
    report = run_virtual(device)
    assert failed(report) == set(), details(report)
    assert {r.check.id for r in report.results if r.result is Result.SKIP} == set()
    assert report.stop_confirmed
    assert report.ended_early is None
    manual = {i for i, r in results(report).items() if r is Result.MANUAL}
    assert manual
    assert all(i.startswith("manual.") for i in manual)


@pytest.mark.parametrize("defect", WIRE_DEFECTS, ids=lambda d: d.name)
def test_a_defective_device_fails_exactly_the_check_of_its_defect(defect: Defect) -> None:
    report = run_virtual(defect.port(virtual_sim()))
    assert failed(report) == defect.fails, details(report)
    assert report.stop_confirmed is defect.stops


def test_a_device_that_keeps_its_output_ends_the_suite_at_once() -> None:
    stop_kept = next(d for d in WIRE_DEFECTS if d.name == "stop-keeps-output")
    report = run_virtual(stop_kept.port(virtual_sim()))
    assert report.ended_early is not None
    assert "stop.confirmed" in report.ended_early
    after = [r for r in report.results if r.check.id == "stop.semantics"]
    assert after[0].result is Result.SKIP
    assert "after stop.confirmed" in (report.unconfirmed_stop or "")
    assert not report.stop_confirmed  # the CLI exits 3: remove the pads, unplug it


def test_a_device_selecting_outside_the_range_is_refused_and_nothing_else_runs() -> None:
    outside = next(d for d in WIRE_DEFECTS if d.name == "selects-outside-range")
    port = outside.port(virtual_sim())
    report = run_virtual(port)
    sent = {frame.msg_type for frame in port.host_frames}
    assert sent <= {0x01, 0x03}  # HELLO, then nothing but STOP (section 9.1)
    counted = results(report)
    assert counted["handshake.version-select"] is Result.FAIL
    assert counted["seq.echo"] is Result.SKIP
    assert "outside the range 1-1" in (report.ended_early or "")


def test_a_slew_too_fast_fails_the_slew_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # the output stage ramps at 40 mA/s while IDENTITY still says 20 mA/s
    monkeypatch.setattr(sim_channel, "SLEW_UA_PER_S", 40_000)
    report = run_virtual(virtual_sim())
    assert failed(report) == {"slew.rise"}, details(report)


def test_a_device_without_a_watchdog_fails_every_watchdog_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Firmware, "watchdog_expiry_us", lambda self: None)
    report = run_virtual(virtual_sim())
    assert failed(report) == NO_WATCHDOG_FAILS, details(report)
    assert results(report)["watchdog.stop-disarms"] is Result.PASS


def test_a_host_that_reads_late_still_finds_a_conforming_device_conforming() -> None:
    # the watchdog checks judge on the device's uptime once the host's own clock says late
    report = run_virtual(LateHost(virtual_sim()))
    assert failed(report) == set(), details(report)
    expiry = next(r for r in report.results if r.check.id == "watchdog.expiry.100ms")
    assert "on time by the device's uptime" in expiry.outcome.detail
