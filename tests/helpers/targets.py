"""The device the process-level tests run against (issue 15): ``TENS_TEST_TARGET`` is
``sim`` (the Python simulator, the default), ``fw-host`` (the reference firmware on a pty,
``firmware/build/tens-fw-posix``) or ``fw-qemu`` (the firmware's mps2-an385 build under
QEMU, ``firmware/hal/mps2_an385/run-qemu.sh``). The tests themselves are the same; only
the process serving the pty changes. A firmware target that is not built is a skip naming
the command that builds it (under CI=true a skip is a failure: .ci/run builds both)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tenscontrol.sim.spawn import SimulatorProcess

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"
#: The simulator's link impairments (``tens simulate`` options), which the firmware's
#: programs do not take: they model the link, and a board's link is the real one.
LINK_IMPAIRMENTS = frozenset({"--seed", "--corrupt-rate", "--drop-rate", "--latency-ms"})


@dataclass(frozen=True)
class Target:
    """One kind of device process. ``faults``: it takes the simulator's fault options
    (``--lead-off``, ``--overdeliver``, ...); ``event_log``: it writes the simulator's
    JSON-lines event log (``--log``); ``link_impairments``: it takes
    :data:`LINK_IMPAIRMENTS` too."""

    name: str
    program: tuple[str, ...] | None
    needs: Path | None
    build: str
    faults: bool
    event_log: bool
    link_impairments: bool


TARGETS = {
    "sim": Target("sim", None, None, "", faults=True, event_log=True, link_impairments=True),
    "fw-host": Target(
        "fw-host",
        (str(FIRMWARE / "build" / "tens-fw-posix"),),
        FIRMWARE / "build" / "tens-fw-posix",
        "make -C firmware",
        faults=True,
        event_log=True,
        link_impairments=False,
    ),
    "fw-qemu": Target(
        "fw-qemu",
        (str(FIRMWARE / "hal" / "mps2_an385" / "run-qemu.sh"),),
        FIRMWARE / "build" / "tens-fw-mps2.elf",
        "apt-get install gcc-arm-none-eabi qemu-system-arm; make -C firmware mps2",
        faults=False,
        event_log=False,
        link_impairments=False,
    ),
}


def target() -> Target:
    """The target ``TENS_TEST_TARGET`` names (``sim`` when unset)."""
    name = os.environ.get("TENS_TEST_TARGET", "sim")
    if name not in TARGETS:
        raise pytest.UsageError(f"TENS_TEST_TARGET={name!r}: use one of {', '.join(TARGETS)}")
    return TARGETS[name]


def device_process(args: Sequence[str] = ("--pty",)) -> SimulatorProcess:
    """The target's device process with ``args`` (``tens simulate``'s options). A target
    without fault options or an event log runs without those arguments only when the test
    asked for none of them: otherwise the test is skipped, naming what the target lacks."""
    chosen = target()
    if chosen.program is None:
        return SimulatorProcess(args)
    if chosen.needs is not None and not chosen.needs.exists():
        pytest.skip(f"the {chosen.name} target is not built: {chosen.build}")
    rest = [a for a in args if a != "--pty"]
    if rest and not chosen.faults:
        uses_log = "--log" in rest
        what = "event log" if uses_log and not chosen.event_log else "fault injection"
        pytest.skip(f"the {chosen.name} target has no {what} ({' '.join(rest)})")
    if not chosen.link_impairments and any(a.replace("_", "-") in LINK_IMPAIRMENTS for a in rest):
        pytest.skip(f"the {chosen.name} target has no link impairments ({' '.join(rest)})")
    if chosen.name == "fw-qemu":
        return SimulatorProcess((), program=chosen.program)
    return SimulatorProcess(args, program=chosen.program)
