"""``tens conformance``: --list, --only, --json, the exit codes, and the load-resistor
question on a device that is not a simulator (served on a pty to a real process)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conformance.defective import NotASimulator, P, PtyBridge, SeqFifteenBits
from helpers.cli import run
from helpers.processes import child_env, tens
from tenscontrol import sim
from tenscontrol.conformance import CHECKS
from tenscontrol.protocol import Frame, MsgType
from tenscontrol.sim.protocol_sim import Serial as SimSerial

SIM = "sim://?overdeliver=2@0:50"
RESULTS = {"pass", "fail", "manual", "skip"}


def real_clock_port(kind: Callable[[SimSerial], P]) -> PtyBridge[P]:
    """A defect in front of a real-clock simulator, served on a pty."""
    return PtyBridge(kind(sim.open_simulator(sim.parse_query(""))))


@pytest.fixture
def not_a_simulator() -> Iterator[PtyBridge[NotASimulator]]:
    with real_clock_port(NotASimulator) as bridge:
        yield bridge


def test_list_names_every_check_without_a_port() -> None:
    result = run("conformance", "--list")
    assert result.exit_code == 0, result.stderr
    for c in CHECKS:
        assert c.id in result.stdout
    listed = json.loads(run("conformance", "--list", "--json").stdout)
    assert [c["id"] for c in listed["checks"]] == [c.id for c in CHECKS]
    assert {c["kind"] for c in listed["checks"]} == {"automatic", "manual"}
    assert all(set(c) == {"id", "section", "title", "kind"} for c in listed["checks"])


def test_list_with_only_lists_those() -> None:
    listed = json.loads(run("conformance", "--list", "--json", "--only", "seq.echo").stdout)
    assert [c["id"] for c in listed["checks"]] == ["seq.echo"]


@pytest.mark.parametrize("args", [["--list"], ["--port", SIM]])
def test_an_unknown_id_is_refused_before_any_port(args: list[str]) -> None:
    result = run("conformance", *args, "--only", "seq.echo", "--only", "nope.nope")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --only nope.nope: no such check\n")
    assert "conformance: running" not in result.stderr


def test_a_port_is_required() -> None:
    result = run("conformance")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --port is required")


def test_json_document() -> None:
    result = run(
        "conformance", "--port", SIM, "--json", "--only", "seq.echo", "--only", "dtr.ignored"
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {"device", "checks", "summary"}
    assert doc["device"]["model"] == "TC-SIM-2"
    assert doc["device"]["simulated"] is True
    assert [c["id"] for c in doc["checks"]] == ["seq.echo", "dtr.ignored"]
    for c in doc["checks"]:
        assert set(c) == {"id", "section", "title", "result", "detail"}
        assert c["result"] in RESULTS
        assert c["detail"]
    summary = doc["summary"]
    assert {k: summary[k] for k in RESULTS} == {"pass": 2, "fail": 0, "manual": 0, "skip": 0}
    assert summary["stop_confirmed"] is True
    assert 0 < summary["seconds"] < 10


def test_the_table_names_id_section_result_and_measure() -> None:
    result = run("conformance", "--port", SIM, "--only", "watchdog.expiry.100ms")
    assert result.exit_code == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("watchdog.expiry.100ms"))
    assert " 7 " in line
    assert " pass " in line
    assert "ms after the last frame" in line
    assert "1 pass, 0 fail, 0 manual, 0 skip" in result.stdout
    assert "final STOP confirmed" in result.stdout


def test_a_failed_check_exits_1() -> None:
    with real_clock_port(SeqFifteenBits) as bridge:
        result = run("conformance", "--port", bridge.path, "--only", "seq.echo", "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["checks"][0]["result"] == "fail"
    assert "seq 0x8000" in doc["checks"][0]["detail"]
    assert "error: 1 check(s) failed: seq.echo" in result.stderr


def test_no_answer_exits_3() -> None:
    with PtyBridge(_Silent(sim.open_simulator(sim.parse_query("")))) as bridge:
        result = run("conformance", "--port", bridge.path, "--only", "seq.echo")
    assert result.exit_code == 3
    assert "no IDENTITY answered HELLO(1, 1)" in result.stderr


class _Silent(NotASimulator):
    """A port where nothing ever answers (the device's bytes are all lost)."""

    def on_device(self, frame: Frame, wire: bytes) -> bytes:
        return b""


def test_without_yes_a_real_device_is_refused(
    not_a_simulator: PtyBridge[NotASimulator], tmp_path: Path
) -> None:
    done = tens(child_env(tmp_path), "conformance", "--port", not_a_simulator.path)
    assert done.returncode == 2, done.stderr
    assert "error: not confirmed: no check was run" in done.stderr
    assert "load resistor" in done.stderr
    assert "--yes" in done.stderr
    sent = {frame.msg_type for frame in not_a_simulator.port.host_frames}
    assert MsgType.START not in sent
    assert MsgType.SET not in sent


def test_with_yes_a_real_device_runs_under_2_ma(
    not_a_simulator: PtyBridge[NotASimulator], tmp_path: Path
) -> None:
    done = tens(
        child_env(tmp_path),
        "conformance",
        "--port",
        not_a_simulator.path,
        "--yes",
        "--json",
        "--only",
        "slew.rise",
        "--only",
        "nak.set.amplitude",
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["device"]["max_commanded_ua"] == 2_000
    assert [c["result"] for c in doc["checks"]] == ["skip", "pass"]
    assert "never does" in doc["checks"][0]["detail"]
    assert max(not_a_simulator.port.set_amplitudes) == 2_000
