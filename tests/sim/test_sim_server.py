"""The simulator served on a pty and on TCP, through real pyserial; ``tens simulate`` and
``python -m tenscontrol.sim``."""

from __future__ import annotations

import select
import signal
import socket
import subprocess
import sys
import time

import pytest
import serial
from click.testing import CliRunner

from tenscontrol.cli.main import cli
from tenscontrol.conformance.host import SpecHost
from tenscontrol.errors import UserInputError
from tenscontrol.protocol import (
    Ack,
    Fault,
    Heartbeat,
    Hello,
    Identity,
    IdentityFlag,
    Pattern,
    Setpoint,
    Start,
    Stop,
    Waveform,
)
from tenscontrol.sim.faults import parse_options
from tenscontrol.sim.server import PtyServer, SimServer, TcpServer, parse_address
from tenscontrol.sim.spawn import SimulatorProcess

DEADLINE_S = 5.0
SET_2MA = Setpoint(1, 2_000, 80_000, 180, Waveform.SYMMETRIC_BIPHASIC, Pattern.CONTINUOUS, 0, 0)


def real_client(port: serial.SerialBase) -> SpecHost:
    """The reference host over a real-clock pyserial port, waiting with deadlines."""
    return SpecHost(port, reply_timeout_s=DEADLINE_S)


def handshake_and_round_trip(port: serial.SerialBase) -> None:
    client = real_client(port)
    client.resync()
    identity = client.request(Hello(1, 1))
    assert isinstance(identity, Identity)
    assert IdentityFlag.SIMULATOR in identity.flags
    assert identity.model == "TC-SIM-2"
    assert isinstance(client.request(Start(0b01, 500)), Ack)
    ack = client.request(SET_2MA)
    assert isinstance(ack, Ack)
    assert ack.applied == SET_2MA
    client.heartbeat_until(
        lambda t: t.channels[0].delivered_ua > 0, within_s=DEADLINE_S, what="output rising"
    )
    assert isinstance(client.request(Stop()), Ack)
    client.telemetry.clear()
    client.heartbeat_until(
        lambda t: t.channels[0].delivered_ua == 0, within_s=DEADLINE_S, what="output 0"
    )


def check_model_idle(server: SimServer) -> None:
    with server.lock:
        assert server.model.channel(1).delivered_ua == 0
        assert server.model.all_faults == Fault.NONE


@pytest.mark.skipif(sys.platform == "win32", reason="pty is POSIX only")
def test_pty_through_real_pyserial() -> None:
    with PtyServer(parse_options([])) as server:
        assert server.port.startswith("/dev/")
        port = serial.serial_for_url(server.port, exclusive=True, baudrate=115_200, timeout=0.02)
        try:
            handshake_and_round_trip(port)
        finally:
            port.close()
        check_model_idle(server)
        # a second client can open the port after the first closed it
        port = serial.serial_for_url(server.port, exclusive=True, timeout=0.02)
        try:
            assert isinstance(real_client(port).request(Heartbeat()), Ack)
        finally:
            port.close()


def test_tcp_through_socket_url() -> None:
    with TcpServer(parse_options([])) as server:
        assert server.port.startswith("socket://127.0.0.1:")
        port = serial.serial_for_url(server.port, timeout=0.02)
        try:
            handshake_and_round_trip(port)
            # one host at a time: a second connection is closed at once
            _, _, address = server.port.partition("socket://")
            host, _, number = address.rpartition(":")
            with socket.create_connection((host, int(number)), timeout=DEADLINE_S) as other:
                assert other.recv(16) == b""
            assert isinstance(real_client(port).request(Heartbeat()), Ack)
        finally:
            port.close()
        check_model_idle(server)


def use_until_failure(port: serial.SerialBase) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        port.read(256)
        port.write(b"\x00")


def test_pty_unplug_makes_the_port_fail() -> None:
    with PtyServer(parse_options([("unplug_at", "0.3")])) as server:
        port = serial.serial_for_url(server.port, timeout=0.02)
        try:
            assert server.unplugged.wait(DEADLINE_S)
            assert server.stopped.wait(DEADLINE_S)
            with pytest.raises(serial.SerialException):
                use_until_failure(port)
        finally:
            port.close()


def test_tcp_address_rules() -> None:
    assert parse_address("127.0.0.1:0") == ("127.0.0.1", 0)
    assert parse_address("localhost:5555") == ("localhost", 5555)
    assert parse_address("[::1]:7") == ("::1", 7)
    assert parse_address("0.0.0.0:5", allow_remote=True) == ("0.0.0.0", 5)
    for bad in ("0.0.0.0:5555", "192.168.1.2:1", "nohost", "127.0.0.1:x", "127.0.0.1:70000"):
        with pytest.raises(UserInputError):
            parse_address(bad)


# --- tens simulate -----------------------------------------------------------------------
def test_self_test_in_process() -> None:
    result = CliRunner().invoke(cli, ["simulate", "--self-test"])
    assert result.exit_code == 0, result.output
    assert "TC-SIM-2" in result.output
    assert "[SIMULATED]" in result.output
    assert "output back to 0" in result.output
    assert result.output.startswith("port: /dev/")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--pty", "--corrupt-rate", "7"], "corrupt_rate=7"),
        (["--pty", "--lead_off", "x"], "lead_off='x'"),
        (["--tcp", "10.0.0.1:5555"], "not a loopback address"),
        ([], "exactly one of --pty and --tcp"),
        (["--pty", "--tcp", "127.0.0.1:0"], "exactly one of --pty and --tcp"),
    ],
)
def test_simulate_refuses_bad_arguments(args: list[str], needle: str) -> None:
    result = CliRunner().invoke(cli, ["simulate", *args])
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert result.output.startswith("error: ")


def test_simulate_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["simulate", "--help"])
    assert result.exit_code == 0
    assert "tens simulate --pty" in result.output
    assert "--overdeliver" in result.output


def read_port_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], DEADLINE_S * 2)
    assert ready, "no port line"
    line = process.stdout.readline()
    assert line.startswith("port: "), line
    return line.removeprefix("port: ").strip()


def assert_a_simulator_answers(url: str) -> None:
    """HELLO on ``url`` gets an IDENTITY with the SIMULATOR flag."""
    port = serial.serial_for_url(url, timeout=0.02)
    try:
        client = real_client(port)
        client.resync()
        identity = client.request(Hello(1, 1))
        assert isinstance(identity, Identity)
        assert IdentityFlag.SIMULATOR in identity.flags
    finally:
        port.close()


@pytest.mark.parametrize("mode", [["--pty"], ["--tcp", "127.0.0.1:0"]])
def test_tens_simulate_subprocess(mode: list[str]) -> None:
    command = [sys.executable, "-c", "from tenscontrol.cli import main; main()", "simulate"]
    process = subprocess.Popen(
        [*command, *mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        url = read_port_line(process)
        assert_a_simulator_answers(url)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=DEADLINE_S) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()


def test_python_m_tenscontrol_sim_serves_without_the_cli() -> None:
    with SimulatorProcess(("--pty",)) as simulator:
        assert simulator.port.startswith("/dev/")
        assert_a_simulator_answers(simulator.port)
        assert simulator.stop() == 0


@pytest.mark.parametrize(
    ("args", "status", "needle"),
    [
        (["--self-test"], 2, "unrecognized arguments: --self-test"),
        (["--pty", "--corrupt-rate", "7"], 2, "error: simulator option corrupt_rate=7"),
        (["--tcp", "10.0.0.1:5555"], 2, "hint: the simulator binds to 127.0.0.1"),
        ([], 2, "error: choose exactly one of --pty and --tcp"),
        (["--bogus"], 2, "unrecognized arguments: --bogus"),
    ],
)
def test_python_m_tenscontrol_sim_exit_status(args: list[str], status: int, needle: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tenscontrol.sim", *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE_S * 4,
        check=False,
    )
    assert done.returncode == status, done.stderr
    assert needle in done.stdout + done.stderr
