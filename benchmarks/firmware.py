"""Figures of the reference firmware (issue 15 part 8), in one run: its size on the
mps2-an385 board, and its timing on both of its boards next to the Python simulator.

Run: ``python benchmarks/firmware.py [--quick] [--no-build] [--json FILE]`` (about 70 s on
2 cores, ``--quick`` about 20 s). It first runs ``make -C firmware`` for
``build/tens-fw-posix`` and, when ``arm-none-eabi-gcc`` is installed, for
``build/tens-fw-mps2.elf`` (``--no-build``: use what is built). Then, one device process at
a time (never two QEMUs: it waits while another ``qemu-system-arm`` runs on the machine):

- **size** of ``build/tens-fw-mps2.elf`` (``arm-none-eabi-size -A``): flash = .text + .data,
  RAM = .data + .bss + .stack (link.ld's 2 KB stack reservation); targets <= 32 KB and
  <= 8 KB (issue 15's budget, which link.ld also enforces);
- per target -- ``fw-host`` (``tens-fw-posix`` on a pty), ``fw-qemu`` (the mps2 build under
  QEMU, ``run-qemu.sh``), and ``sim`` (``python -m tenscontrol.sim --pty``, the baseline) --
  the figures of :mod:`device_timing`, all over the device's pty through the conformance
  suite's reference host:

  - **STOP -> output 0, firmware time**: channel 1 at 1 mA, STOP; from the STOP's write, put
    on the device's clock, to the ``uptime_ms`` of the first TELEMETRY after its ACK, which
    must show IDLE and 0 (the spec's confirmation, section 9.8). This is what both boards
    can show: neither stamps a STOP or an output change on the wire, and TELEMETRY is the
    one device timestamp. The STOP is written as soon as a frame shows the output up, i.e.
    just after a periodic frame, so the figure is the longest a confirmation can take (one
    50 ms period less the host's reaction); a device that handled the STOP late would show
    a period more. Target p99 <= 60 ms, every STOP confirmed. Next to it: STOP -> its ACK
    on the host's clock (the ACK is sent only once output is 0, so this bounds STOP ->
    output 0 from above, pty transits included; spec section 8: ACK within 10 ms), and on
    the boards with the simulator's event log (fw-host, sim; not the mps2 board) the log's
    ``stop`` line -> the ``output`` line that left every channel at 0 (spec: output 0
    within 1 ms; both zero in the step that takes the STOP, so the two lines share a stamp);
  - **watchdog**: channel 1 delivering, one last HEARTBEAT, silence: the last frame's write
    (device clock) -> ``uptime_ms`` of the TELEMETRY showing HOST_LOST, minus the watchdog
    START asked for (100, 500 and 1000 ms in turn); target |error| <= 10 ms (section 7:
    output 0 and the event frame within 10 ms of the expiry), the frame showing 0. The
    device takes the frame a pty transit after its write (a little late), and ``uptime_ms``
    is whole ms, cut down (an event frame off the grid reads up to 1 ms early);
  - **telemetry cadence**: channel 1 delivering for 10 s (3 s with ``--quick``), heartbeats
    every 100 ms: intervals between consecutive TELEMETRY ``uptime_ms``; target every one
    within 1 ms of 50 ms (the grid; ``uptime_ms`` is whole ms). The intervals between their
    arrivals here are shown for comparison;
  - **host round trip**: HEARTBEAT -> its ACK over each target's pty, next to the same
    frame through a raw pty echo (:mod:`pty_echo`, the baseline); target p99 <= 20 ms
    (section 8: an answer within 20 ms).

The machine's load average (``os.getloadavg``) is printed at the start and the end and
kept per target: every figure from the host's clock depends on it, those from the
device's clock much less.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import device_timing
from bench_procs import percentile, read_log
from device_timing import Cadence, RoundTrips, StopTrial, WatchdogTrial

from helpers.targets import FIRMWARE, TARGETS
from tenscontrol.conformance.limits import GRID_TOLERANCE_MS
from tenscontrol.protocol.constants import TELEMETRY_PERIOD_MS
from tenscontrol.sim.spawn import SimulatorProcess
from tenscontrol.transport import open_port

#: The mps2 build and the tools that measure and run it.
MPS2_ELF = FIRMWARE / "build" / "tens-fw-mps2.elf"
ARM_GCC = "arm-none-eabi-gcc"
ARM_SIZE = "arm-none-eabi-size"
QEMU = "qemu-system-arm"
#: Issue 15's budget for the mps2 build, bytes.
FLASH_BUDGET_B = 32 * 1024
RAM_BUDGET_B = 8 * 1024
#: Targets, in the order they run (the baseline first).
BASELINE = "sim"
FIRMWARE_TARGETS = ("fw-host", "fw-qemu")
#: Watchdog periods the trials ask for in turn, ms (the spec's range ends and the host's).
WATCHDOG_PERIODS_MS = (100, 500, 1000)
#: Targets (ms) of the figures; see the module's doc.
STOP_ZERO_P99_MS = 60
STOP_ACK_P99_MS = 10
LOG_STOP_MAX_MS = 1
WATCHDOG_ERROR_MS = 10
ROUND_TRIP_P99_MS = 20
#: How long to wait for another QEMU on the machine to end before giving up on fw-qemu, s.
QEMU_WAIT_S = 300.0
_PTY_ECHO = Path(__file__).resolve().with_name("pty_echo.py")
_MS_PER_S = 1_000

#: One table row: figure, value, baseline, target, met? (``Row(*row)`` in run.py).
RowTuple = tuple[str, str, str, str, bool | None]


@dataclass(frozen=True)
class Settings:
    """How much to measure on each target."""

    round_trips: int
    stops: int
    watchdog_rounds: int  #: each round: one trial per period of WATCHDOG_PERIODS_MS
    cadence_s: float


NORMAL = Settings(round_trips=200, stops=50, watchdog_rounds=4, cadence_s=10.0)
QUICK = Settings(round_trips=50, stops=10, watchdog_rounds=1, cadence_s=3.0)


@dataclass(frozen=True)
class Sizes:
    """Sections of the mps2 ELF, bytes."""

    text: int
    data: int
    bss: int
    stack: int

    @property
    def flash(self) -> int:
        """What the part's flash holds: code and constants, and .data's initial values."""
        return self.text + self.data

    @property
    def ram(self) -> int:
        """What the part's RAM holds: .data, .bss and the stack reservation."""
        return self.data + self.bss + self.stack


@dataclass
class TargetFigures:
    """Everything measured on one target (``error`` set: it could not be measured)."""

    name: str
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    seconds: float = 0.0
    round_trips: RoundTrips | None = None
    stops: list[StopTrial] = field(default_factory=list)
    log_stop_ms: list[float] | None = None  #: None: the target has no event log
    watchdog: list[WatchdogTrial] = field(default_factory=list)
    cadence: Cadence | None = None
    #: Device frames the host dropped (broken on the link or malformed) after the handshake.
    frame_errors: int = 0
    error: str | None = None


@dataclass
class Report:
    """One run: sizes (None: not measured, with the reason), echo, targets, loads."""

    settings: Settings
    sizes: Sizes | None
    sizes_missing: str
    echo: RoundTrips | None
    targets: dict[str, TargetFigures]
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]
    seconds: float


# --- building and sizing -------------------------------------------------------------------
def build() -> None:
    """``make -C firmware`` for the posix build, and the mps2 build when its compiler is
    installed (make does nothing for what is up to date). Raises on a failed build."""
    goals = ["build/tens-fw-posix"]
    if shutil.which(ARM_GCC):
        goals.append("build/tens-fw-mps2.elf")
    done = subprocess.run(
        ["make", "-s", "-C", str(FIRMWARE), *goals], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"make -C firmware {' '.join(goals)} failed: {done.stderr.strip()}")


def parse_sizes(text: str) -> Sizes:
    """The sections of ``arm-none-eabi-size -A`` output (name, size, address per line);
    a section that is absent counts 0."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            found[parts[0]] = int(parts[1])
    return Sizes(
        found.get(".text", 0), found.get(".data", 0), found.get(".bss", 0), found.get(".stack", 0)
    )


def elf_sizes() -> tuple[Sizes | None, str]:
    """The mps2 build's sizes, or None and why they were not measured."""
    if not shutil.which(ARM_SIZE):
        return None, f"{ARM_SIZE} not installed: apt-get install gcc-arm-none-eabi"
    if not MPS2_ELF.exists():
        return None, f"{MPS2_ELF} not built: make -C firmware mps2"
    done = subprocess.run(
        [ARM_SIZE, "-A", str(MPS2_ELF)], capture_output=True, text=True, check=True
    )
    return parse_sizes(done.stdout), ""


# --- the device processes ------------------------------------------------------------------
def spawn(name: str, log: Path | None) -> SimulatorProcess:
    """The device process of target ``name`` (``echo``: the raw pty echo), with the
    simulator's event log in ``log`` where the target writes one."""
    if name == "echo":
        return SimulatorProcess((), program=(sys.executable, str(_PTY_ECHO)))
    chosen = TARGETS[name]
    if chosen.needs is not None and not chosen.needs.exists():
        raise RuntimeError(f"the {name} target is not built: {chosen.build}")
    args = ("--pty", "--log", str(log)) if log is not None else ("--pty",)
    if chosen.program is None:
        return SimulatorProcess(args)
    if name == "fw-qemu":
        return SimulatorProcess((), program=chosen.program)
    return SimulatorProcess(args, program=chosen.program)


def other_qemus() -> list[int]:
    """Process ids of the ``qemu-system-arm`` processes running on this machine."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text(encoding="utf-8").strip()
        except OSError:  # it ended while we looked
            continue
        if comm == QEMU:
            found.append(int(entry.name))
    return found


def wait_for_no_qemu(limit_s: float) -> None:
    """Return once no QEMU runs on the machine; raise after ``limit_s`` seconds."""
    deadline = time.monotonic() + limit_s
    told = False
    while pids := other_qemus():
        if time.monotonic() > deadline:
            raise RuntimeError(f"another {QEMU} kept running (pids {pids}): not starting one")
        if not told:
            print(f"  waiting: another {QEMU} runs (pids {pids})", file=sys.stderr, flush=True)
            told = True
        time.sleep(1.0)


def measure_echo(settings: Settings) -> RoundTrips:
    """Round trips through the raw pty echo."""
    with spawn("echo", None) as echo:
        port = open_port(echo.port)
        try:
            return device_timing.round_trips(port, settings.round_trips)
        finally:
            port.close()


def measure_target(name: str, settings: Settings, folder: Path) -> TargetFigures:
    """Every timing figure of one target, on one fresh device process."""
    if name == "fw-qemu":
        if not shutil.which(QEMU):
            raise RuntimeError(f"{QEMU} not installed: apt-get install {QEMU}")
        wait_for_no_qemu(QEMU_WAIT_S)
    figures = TargetFigures(name, os.getloadavg())
    began = time.monotonic()
    log = folder / f"{name}.jsonl" if TARGETS[name].event_log else None
    with spawn(name, log) as device:
        port = open_port(device.port)
        try:
            figures.round_trips = device_timing.round_trips(port, settings.round_trips)
            bench = device_timing.open_bench(port, name)
            # from here: the first chunk may end a frame the round trips' decoder began
            errors_before = bench.host.frame_errors
            figures.stops = device_timing.stop_trials(bench, settings.stops)
            periods = WATCHDOG_PERIODS_MS * settings.watchdog_rounds
            figures.watchdog = device_timing.watchdog_trials(bench, periods)
            figures.cadence = device_timing.cadence_run(bench, settings.cadence_s)
            figures.frame_errors = bench.host.frame_errors - errors_before
        finally:
            port.close()
    if log is not None:
        written = [t.written_s for t in figures.stops]
        figures.log_stop_ms = device_timing.log_stop_to_zero_ms(read_log(log), written)
    figures.seconds = time.monotonic() - began
    figures.load_after = os.getloadavg()
    return figures


def measure(settings: Settings, *, do_build: bool = True) -> Report:
    """The whole run (progress on stderr): build, sizes, echo, then each target in turn.
    A target that fails is kept with its error; the others still run."""
    began = time.monotonic()
    load_start = os.getloadavg()
    if do_build:
        build()
    sizes, missing = elf_sizes()
    print("  raw pty echo ...", file=sys.stderr, flush=True)
    echo = measure_echo(settings)
    targets: dict[str, TargetFigures] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in (BASELINE, *FIRMWARE_TARGETS):
            print(f"  {name} ...", file=sys.stderr, flush=True)
            try:
                targets[name] = measure_target(name, settings, Path(tmp))
            except Exception as error:  # one target's failure is a row; the rest still run
                traceback.print_exc()
                targets[name] = TargetFigures(name, os.getloadavg(), error=str(error))
            print(f"  {name}: {targets[name].seconds:.1f} s", file=sys.stderr, flush=True)
    return Report(
        settings,
        sizes,
        missing,
        echo,
        targets,
        load_start,
        os.getloadavg(),
        time.monotonic() - began,
    )


# --- the table -----------------------------------------------------------------------------
def _stats(values: Sequence[float]) -> str:
    return (
        f"median {statistics.median(values):.2f} ms, p99 {percentile(list(values), 0.99):.2f}, "
        f"max {max(values):.2f}"
    )


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


def _size_rows(report: Report) -> list[RowTuple]:
    s = report.sizes
    where = "build/tens-fw-mps2.elf"
    if s is None:
        why = report.sizes_missing
        return [
            (
                f"firmware: mps2-an385 flash ({where})",
                f"not measured: {why}",
                "-",
                "<= 32 KB",
                None,
            ),
            (f"firmware: mps2-an385 RAM ({where})", f"not measured: {why}", "-", "<= 8 KB", None),
        ]
    return [
        (
            f"firmware: mps2-an385 flash, .text + .data ({where})",
            f"{s.flash:,} B = {s.flash / 1024:.1f} KB (text {s.text:,} + data {s.data:,})",
            "-",
            f"<= 32 KB ({FLASH_BUDGET_B:,} B)",
            s.flash <= FLASH_BUDGET_B,
        ),
        (
            f"firmware: mps2-an385 RAM, .data + .bss + stack ({where})",
            f"{s.ram:,} B = {s.ram / 1024:.1f} KB (data {s.data:,} + bss {s.bss:,} + "
            f"stack {s.stack:,})",
            "-",
            f"<= 8 KB ({RAM_BUDGET_B:,} B)",
            s.ram <= RAM_BUDGET_B,
        ),
    ]


#: One figure of a target: (label, its value and whether it met its target, or None).
Figure = Callable[[TargetFigures], tuple[str, bool | None] | None]


def _stop_zero(t: TargetFigures) -> tuple[str, bool | None] | None:
    if not t.stops:
        return None
    zero = [s.zero_ms for s in t.stops]
    confirmed = sum(s.confirmed for s in t.stops)
    text = f"{_stats(zero)}; {confirmed}/{len(t.stops)} confirmed"
    return text, percentile(zero, 0.99) <= STOP_ZERO_P99_MS and confirmed == len(t.stops)


def _stop_ack(t: TargetFigures) -> tuple[str, bool | None] | None:
    if not t.stops:
        return None
    acks = [s.ack_ms for s in t.stops]
    return _stats(acks), percentile(acks, 0.99) <= STOP_ACK_P99_MS


def _stop_log(t: TargetFigures) -> tuple[str, bool | None] | None:
    if t.log_stop_ms is None:
        return "n/a: this board has no event log", None
    if not t.log_stop_ms:
        return "no stop/output pair found in the log", False
    found = t.log_stop_ms
    text = f"{_stats(found)} (n={len(found)} of {len(t.stops)})"
    return text, max(found) <= LOG_STOP_MAX_MS and len(found) == len(t.stops)


def _watchdog(t: TargetFigures) -> tuple[str, bool | None] | None:
    if not t.watchdog:
        return None
    errors = [w.error_ms for w in t.watchdog]
    worst = max(errors, key=abs)
    zeroed = sum(w.zeroed for w in t.watchdog)
    text = (
        f"error median {statistics.median(errors):+.2f} ms, worst {worst:+.2f} "
        f"(n={len(errors)}); {zeroed}/{len(errors)} frames at 0"
    )
    return text, abs(worst) <= WATCHDOG_ERROR_MS and zeroed == len(errors)


def _cadence(t: TargetFigures) -> tuple[str, bool | None] | None:
    c = t.cadence
    if c is None or not c.device_ms:
        return None
    device = [float(x) for x in c.device_ms]
    dev = max(abs(x - TELEMETRY_PERIOD_MS) for x in device)
    host_dev = max(abs(x - TELEMETRY_PERIOD_MS) for x in c.host_ms)
    text = (
        f"median {statistics.median(device):.0f} ms, p99 {percentile(device, 0.99):.0f}, max "
        f"|dev| {dev:.0f} ms (n={len(device)}, {c.lost} lost, {t.frame_errors} broken in "
        f"the run; arrivals here: p99 "
        f"{percentile(c.host_ms, 0.99):.2f} ms, max |dev| {host_dev:.2f})"
    )
    return text, dev <= GRID_TOLERANCE_MS and c.lost == 0


def _round_trip(t: TargetFigures) -> tuple[str, bool | None] | None:
    r = t.round_trips
    if r is None or not r.samples_s:
        return None
    samples = [x * _MS_PER_S for x in r.samples_s]
    text = f"{_stats(samples)} (n={len(samples)}, {r.lost} lost)"
    return text, percentile(samples, 0.99) <= ROUND_TRIP_P99_MS and r.lost == 0


def _figure_rows(
    report: Report, label: str, target: str, figure: Figure, names: Sequence[str]
) -> list[RowTuple]:
    """One row per target in ``names`` of ``figure``, with the simulator's as baseline."""
    base = report.targets.get(BASELINE)
    got = figure(base) if base is not None and base.error is None else None
    baseline = f"sim: {got[0]}" if got is not None else "sim: not measured"
    rows: list[RowTuple] = []
    for name in names:
        t = report.targets.get(name)
        if t is None or t.error is not None:
            why = "not run" if t is None else t.error
            rows.append((f"{name}: {label}", f"not measured: {why}", baseline, target, False))
            continue
        value = figure(t)
        if value is None:
            rows.append((f"{name}: {label}", "no samples", baseline, target, False))
        else:
            rows.append((f"{name}: {label}", value[0], baseline, target, value[1]))
    return rows


def rows(report: Report) -> list[RowTuple]:
    """The table: sizes, then each figure per firmware target (simulator as baseline),
    round trips on every target (the raw echo as baseline), the load."""
    s = report.settings
    fw = FIRMWARE_TARGETS
    n = f"n={s.stops}"
    periods = "/".join(str(p) for p in WATCHDOG_PERIODS_MS)
    out = _size_rows(report)
    out += _figure_rows(
        report,
        f"STOP (just after a TELEMETRY) -> next TELEMETRY, showing 0; firmware time ({n})",
        f"p99 <= {STOP_ZERO_P99_MS} ms, all confirmed",
        _stop_zero,
        fw,
    )
    out += _figure_rows(
        report,
        f"STOP -> its ACK (sent once output is 0), host clock ({n})",
        f"p99 <= {STOP_ACK_P99_MS} ms",
        _stop_ack,
        fw,
    )
    out += _figure_rows(
        report,
        "STOP -> output 0 in the event log, device clock",
        f"max <= {LOG_STOP_MAX_MS} ms",
        _stop_log,
        fw,
    )
    out += _figure_rows(
        report,
        f"watchdog: last frame -> HOST_LOST frame, minus the {periods} ms asked, firmware time",
        f"|error| <= {WATCHDOG_ERROR_MS} ms, frame at 0",
        _watchdog,
        fw,
    )
    out += _figure_rows(
        report,
        f"telemetry cadence: uptime_ms intervals over {s.cadence_s:g} s while running",
        f"every one {TELEMETRY_PERIOD_MS} +- {GRID_TOLERANCE_MS} ms, none lost",
        _cadence,
        fw,
    )
    echo = report.echo
    echo_text = "raw pty echo: not measured"
    if echo is not None and echo.samples_s:
        samples = [x * _MS_PER_S for x in echo.samples_s]
        echo_text = f"raw pty echo: median {statistics.median(samples):.2f} ms, p99 " + (
            f"{percentile(samples, 0.99):.2f} (n={len(samples)}, {echo.lost} lost)"
        )
    for name in (*reversed(fw), BASELINE):
        got = _figure_rows(
            report,
            "host round trip HEARTBEAT -> ACK over its pty",
            f"p99 <= {ROUND_TRIP_P99_MS} ms",
            _round_trip,
            (name,),
        )
        out += [(f, v, echo_text, tg, m) for f, v, _, tg, m in got]
    per_target = ", ".join(
        f"{t.name} {_load(t.load_before)} -> {_load(t.load_after)}" for t in report.targets.values()
    )
    out.append(
        (
            "(info) load average 1/5/15 min: start -> end of the run; per target",
            f"{_load(report.load_start)} -> {_load(report.load_end)}; {per_target}",
            "-",
            "-",
            None,
        )
    )
    return out


def raw(report: Report) -> dict[str, Any]:
    """Every figure, for ``--json``."""
    document = asdict(report)
    if report.sizes is not None:
        document["sizes"] |= {"flash": report.sizes.flash, "ram": report.sizes.ram}
    return document


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer trials (about 20 s)")
    parser.add_argument("--no-build", action="store_true", help="do not run make first")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures to FILE")
    args = parser.parse_args()
    # run.py's table and machine line; imported here, so that run.py can import this module
    import run

    settings = QUICK if args.quick else NORMAL
    info = run.machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['python']}, {info['os']}")
    print(f"mode: {'quick' if args.quick else 'normal'}; {settings}", flush=True)
    report = measure(settings, do_build=not args.no_build)
    print(run.table([run.Row(*r) for r in rows(report)]))
    print(f"total {report.seconds:.0f} s")
    if args.json:
        document = {"machine": info, "raw": raw(report)}
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
