"""Run the suite on a port: handshake, a confirmed STOP, the person's confirmation, every
check chosen with a confirmed STOP after each, and always a confirmed STOP at the end.

The handshake is the host duty of section 9.1: a lone 0x00, HELLO(1, 1), the selected
version checked against the range offered (outside it: the device is refused, the
remaining checks are not run, and nothing but STOP is sent), then a STOP confirmed by
TELEMETRY. On a device whose IDENTITY lacks the SIMULATOR flag every SET is held to
:data:`~tenscontrol.conformance.limits.CONFORMANCE_MAX_UA` (checked before it is written,
:class:`~tenscontrol.errors.LimitViolation` otherwise), and the person must confirm that a
load resistor, not a person, is connected. The suite ends early at the first STOP it
cannot confirm (the rest is ``skip``); the final STOP runs on every way out (``finally``):
an error, Ctrl-C, a signal raised as an exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tenscontrol.conformance.bench import Bench, StopOutcome
from tenscontrol.conformance.catalogue import CHECKS, select
from tenscontrol.conformance.host import HostPort, SpecHost, SpecViolation
from tenscontrol.conformance.limits import CONFORMANCE_MAX_UA, check_amplitude
from tenscontrol.conformance.results import (
    Check,
    CheckFailed,
    CheckResult,
    Kind,
    Outcome,
    Result,
    Skipped,
)
from tenscontrol.errors import DeviceError, PortLost, StopNotConfirmed, UserInputError
from tenscontrol.protocol import PROTOCOL_MAJOR, Hello, Identity, IdentityFlag, MsgType
from tenscontrol.transport.ports import PORT_ERRORS

#: How many HELLOs the handshake sends before it gives up (section 9.3: 3 attempts).
HELLO_ATTEMPTS = 3
_VERSION_CHECK = "handshake.version-select"
#: What may end the final STOP: the device, or its port, gone.
_FINAL_STOP_ERRORS: tuple[type[BaseException], ...] = (DeviceError, *PORT_ERRORS)
#: Bytes 1-4 of a SET payload: its amplitude, uA (u32 little-endian).
_AMPLITUDE = slice(1, 5)


class AmplitudeGuard:
    """Sees every frame before it is written: a SET above ``ceiling_ua`` (None: a
    simulator, no ceiling) raises :class:`~tenscontrol.errors.LimitViolation`. Any SET
    payload long enough to hold an amplitude is read, malformed lengths included."""

    def __init__(self, ceiling_ua: int | None = CONFORMANCE_MAX_UA) -> None:
        self.ceiling_ua = ceiling_ua

    def __call__(self, msg_type: int, payload: bytes) -> None:
        if msg_type != MsgType.SET or self.ceiling_ua is None or len(payload) < _AMPLITUDE.stop:
            return
        check_amplitude(int.from_bytes(payload[_AMPLITUDE], "little"), self.ceiling_ua)


@dataclass
class Report:
    """What the suite found on one device."""

    device: dict[str, Any]
    results: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    stop: StopOutcome | None = None
    #: Why the suite stopped before its last check (None: it ran them all).
    ended_early: str | None = None
    #: A STOP during the run that was not confirmed (then the suite ended there).
    unconfirmed_stop: str | None = None

    def count(self, result: Result) -> int:
        """How many checks gave ``result``."""
        return sum(1 for r in self.results if r.result is result)

    @property
    def failed(self) -> bool:
        """True when any check failed."""
        return self.count(Result.FAIL) > 0

    @property
    def stop_confirmed(self) -> bool:
        """True when every STOP was confirmed by TELEMETRY, the final one included."""
        final = self.stop is not None and self.stop.confirmed
        return final and self.unconfirmed_stop is None

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` document."""
        summary: dict[str, Any] = {r.value: self.count(r) for r in Result}
        summary["seconds"] = round(self.seconds, 2)
        summary["stop_confirmed"] = self.stop_confirmed
        return {
            "device": self.device,
            "checks": [r.as_dict() for r in self.results],
            "summary": summary,
        }


def device_info(identity: Identity, port_name: str) -> dict[str, Any]:
    """The device as the report names it (integer units)."""
    simulated = IdentityFlag.SIMULATOR in identity.flags
    return {
        "port": port_name,
        "model": identity.model,
        "serial_number": identity.serial_number,
        "firmware": ".".join(str(p) for p in identity.firmware),
        "protocol": f"{identity.selected_version}.{identity.minor_version}",
        "device_versions": [identity.device_min_version, identity.device_max_version],
        "simulated": simulated,
        "max_commanded_ua": None if simulated else CONFORMANCE_MAX_UA,
        "watchdog_ms": [identity.watchdog_min_ms, identity.watchdog_max_ms],
        "watchdog_default_ms": identity.watchdog_default_ms,
        "telemetry_period_ms": identity.telemetry_period_ms,
        "slew_ua_per_s": identity.slew_ua_per_s,
        "channels": [
            {"channel": n, "max_amplitude_ua": c.max_amplitude_ua}
            for n, c in enumerate(identity.channels, 1)
        ],
    }


def run_suite(
    port: HostPort,
    *,
    port_name: str,
    confirm: Callable[[Identity], bool],
    only: Sequence[str] = (),
    now: Callable[[], float] = time.monotonic,
    before_final_stop: Callable[[], None] | None = None,
) -> Report:
    """Run the checks named by ``only`` (all by default) on the device at ``port``.

    ``confirm`` is asked, for a device that is not a simulator, whether a load resistor
    and not a person is connected; ``before_final_stop`` runs first thing on the way out
    (e.g. so that a second signal cannot cut the final STOP short). Raises
    :class:`UserInputError` for an unknown id or a refused confirmation,
    :class:`~tenscontrol.errors.DeviceError` when the device does not answer or goes away.
    """
    checks = select(only)
    suite = Suite(port, port_name, now)
    try:
        suite.run(checks, confirm)
    finally:
        if before_final_stop is not None:
            before_final_stop()
        suite.finish()
    return suite.report


class Suite:
    """One run of the suite on ``port``: :meth:`run`, then always :meth:`finish` (the final
    STOP); :attr:`report` holds what was found so far, also after an exception."""

    def __init__(
        self, port: HostPort, port_name: str, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.guard = AmplitudeGuard()
        self.host = SpecHost(port, now=now, outgoing=self.guard, prompt=True)
        self.port_name = port_name
        self.began = now()
        self.bench: Bench | None = None
        self.report = Report(device={"port": port_name})

    def run(self, checks: Sequence[Check], confirm: Callable[[Identity], bool]) -> None:
        """Handshake, confirm, run ``checks`` (see the module's doc for the raises)."""
        identity, version = self._handshake()
        self.report.device = device_info(identity, self.port_name)
        if IdentityFlag.SIMULATOR in identity.flags:
            self.guard.ceiling_ua = None  # a simulated device: nothing reaches a body
        bench = self.bench = Bench(
            self.host, identity, first_version=version, port_name=self.port_name
        )
        refusal = _version_refusal(identity)
        if refusal is not None:
            self.report.ended_early = refusal
            self.report.results = _not_run(checks, refusal, failed={_VERSION_CHECK: refusal})
            return
        first = bench.stop()  # section 9.1: a device may still deliver for a previous host
        if not first.confirmed:
            raise StopNotConfirmed(
                f"the STOP after the handshake was not confirmed: {first.detail}"
            )
        if not bench.simulator and not confirm(identity):
            raise UserInputError(
                "not confirmed: no check was run",
                hint="connect a load resistor (about 500 ohm) to every channel, never a "
                "person, then answer y (or pass --yes)",
            )
        for index, chosen in enumerate(checks):
            if self.report.ended_early is not None:
                self.report.results.extend(_not_run(checks[index:], self.report.ended_early))
                break
            self.report.results.append(self._run_one(bench, chosen))

    def _handshake(self) -> tuple[Identity, int]:
        host = self.host
        host.resync()
        for _ in range(HELLO_ATTEMPTS):
            since = len(host.exchange.arrivals)
            answer = self._port_call(lambda: host.request(Hello(PROTOCOL_MAJOR, PROTOCOL_MAJOR)))
            if isinstance(answer, Identity):
                byte = next(
                    a.version for a in host.exchange.arrivals[since:] if a.message is answer
                )
                return answer, byte
        raise DeviceError(
            f"{self.port_name}: no IDENTITY answered HELLO(1, 1) ({HELLO_ATTEMPTS} attempts)",
            hint="is this a tenscontrol device, and is it plugged in? `tens devices --probe`",
        )

    def _run_one(self, bench: Bench, chosen: Check) -> CheckResult:
        if chosen.kind is Kind.MANUAL:
            return CheckResult(chosen, chosen.by_hand())
        began = bench.now_ms()
        try:
            outcome = self._port_call(lambda: chosen.run(bench))
        except CheckFailed as failure:
            outcome = Outcome(Result.FAIL, failure.detail)
        except Skipped as skipped:
            outcome = Outcome(Result.SKIP, skipped.reason)
        except SpecViolation as violation:
            outcome = Outcome(Result.FAIL, f"against the spec: {violation}")
        settled = self._port_call(bench.stop)
        if not settled.confirmed:
            self.report.unconfirmed_stop = f"after {chosen.id}: {settled.detail}"
            self.report.ended_early = (
                f"the STOP after {chosen.id} was not confirmed ({settled.detail}): the "
                "suite stopped there"
            )
        return CheckResult(chosen, outcome, (bench.now_ms() - began) / 1_000)

    def _port_call(self, call: Callable[[], Any]) -> Any:
        """``call()``, a port that fails under it as :class:`PortLost` (exit 3)."""
        try:
            return call()
        except PORT_ERRORS as error:
            raise PortLost(f"{self.port_name}: the device went away: {error}") from error

    def finish(self) -> None:
        """The final STOP, confirmed (on every way out); records how long it all took."""
        try:
            if self.bench is not None:
                self.report.stop = self._port_call(self.bench.stop)
            else:
                self.host.request_raw(MsgType.STOP, b"")  # it may still get through
        except _FINAL_STOP_ERRORS:
            self.report.stop = StopOutcome(False, "the port failed during the final STOP", 0)
        self.report.seconds = self.host.now() - self.began


def _version_refusal(identity: Identity) -> str | None:
    """Why the device is refused after HELLO(1, 1) (section 9.1), or None."""
    selected = identity.selected_version
    if selected == PROTOCOL_MAJOR:
        return None
    device = f"{identity.device_min_version}-{identity.device_max_version}"
    if selected == 0:
        return f"no common version: the suite speaks 1-1, the device {device}"
    return (
        f"HELLO(1, 1) was answered with selected_version {selected}, outside the range 1-1 "
        f"offered (the device speaks {device}); refused as a host must, nothing but STOP sent"
    )


def _not_run(
    checks: Sequence[Check], why: str, *, failed: dict[str, str] | None = None
) -> list[CheckResult]:
    """``checks`` as not run (``skip``; manual ones stay ``manual``), ``failed`` as failed."""
    out = []
    for c in checks:
        if failed and c.id in failed:
            outcome = Outcome(Result.FAIL, failed[c.id])
        elif c.kind is Kind.MANUAL:
            outcome = c.by_hand()
        else:
            outcome = Outcome(Result.SKIP, f"not run: {why}")
        out.append(CheckResult(c, outcome))
    if failed and not any(c.id in failed for c in checks):
        check = next(c for c in CHECKS if c.id in failed)
        out.insert(0, CheckResult(check, Outcome(Result.FAIL, failed[check.id])))
    return out
