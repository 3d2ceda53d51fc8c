"""Opening ports: one way in, friendly errors, remote URLs refused."""

from __future__ import annotations

import errno
import os
import tty
from collections.abc import Callable
from pathlib import Path

import pytest
import serial

from tenscontrol.errors import PortError, TensError, UserInputError
from tenscontrol.transport import open_port
from tenscontrol.transport.ports import check_port_name


@pytest.mark.parametrize(
    "url",
    ["socket://10.0.0.5:5000", "socket://192.168.1.2:1", "rfc2217://example.invalid:2217"],
)
def test_a_network_url_to_another_host_is_refused(url: str) -> None:
    with pytest.raises(UserInputError, match="not this machine"):
        check_port_name(url)


@pytest.mark.parametrize("url", ["socket://127.0.0.1:5000", "socket://localhost:1", "sim://"])
def test_loopback_and_simulator_urls_pass(url: str) -> None:
    check_port_name(url)


def test_remote_is_allowed_only_when_asked() -> None:
    check_port_name("socket://10.0.0.5:5000", allow_remote=True)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("ftp://x", "scheme 'ftp'"),
        ("socket://127.0.0.1", "needs a host and a port"),
        ("/dev/tty\x07", "control character"),
    ],
)
def test_malformed_port_names_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        check_port_name(url)


def test_a_missing_device_path_says_not_found_with_a_hint() -> None:
    with pytest.raises(PortError, match="not found") as caught:
        open_port("/dev/ttyTENS-does-not-exist")
    assert caught.value.hint is not None
    assert "tens devices" in caught.value.hint


def test_permission_denied_names_the_dialout_group(mocker: object) -> None:
    denied = serial.SerialException(errno.EACCES, "could not open port: Permission denied")
    mocker.patch.object(serial.Serial, "open", side_effect=denied)  # type: ignore[attr-defined]
    with pytest.raises(PortError, match="permission denied") as caught:
        open_port("/dev/ttyACM0")
    assert caught.value.hint is not None
    assert "dialout" in caught.value.hint


def test_a_port_held_by_another_program_is_reported_busy() -> None:
    controller, device = os.openpty()
    tty.setraw(controller)
    path = os.ttyname(device)
    first = open_port(path)
    try:
        with pytest.raises(PortError, match="busy"):
            open_port(path)
    finally:
        first.close()
        os.close(controller)
        os.close(device)


def test_nothing_listening_on_a_socket_says_so() -> None:
    with pytest.raises(PortError, match="nothing is listening"):
        open_port("socket://127.0.0.1:9")


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "[::1]"])
def test_loopback_names_and_addresses_are_this_machine(host: str) -> None:
    check_port_name(f"socket://{host}:5555")


@pytest.mark.parametrize("host", ["10.0.0.1", "example.invalid", "localhost.evil.example"])
def test_a_name_is_never_resolved_to_decide_it_is_this_machine(host: str) -> None:
    """A name could resolve to 127.0.0.1 now and elsewhere at connect time (DNS rebinding):
    only literal loopback addresses and ``localhost`` count."""
    with pytest.raises(UserInputError, match="not this machine"):
        check_port_name(f"socket://{host}:5555")


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda p: p.write_text(""), "a regular file"),
        (os.mkfifo, "a named pipe (FIFO)"),
        (lambda p: p.mkdir(), "a folder"),
    ],
)
def test_a_path_that_is_no_device_is_refused_unopened(
    tmp_path: Path, make: Callable[[Path], object], what: str, mocker: object
) -> None:
    """One line naming the port and what it is; pyserial never opens it (a named pipe or a
    file is not harmless to open)."""
    path = tmp_path / "ttyX"
    make(path)
    opened = mocker.patch.object(serial.Serial, "open")  # type: ignore[attr-defined]
    with pytest.raises(UserInputError) as caught:
        open_port(str(path))
    assert str(caught.value) == f"{path}: not a serial port ({what})"
    assert caught.value.hint is not None
    assert "tens devices" in caught.value.hint
    opened.assert_not_called()


def test_a_device_that_is_no_tty_says_inappropriate_ioctl_not_pyserials_text() -> None:
    """``/dev/null`` is a character device but no serial port: pyserial's
    ``Could not configure port: (25, 'Inappropriate ioctl for device')`` is not shown."""
    with pytest.raises(UserInputError) as caught:
        open_port("/dev/null")
    assert str(caught.value) == "/dev/null: not a serial port (inappropriate ioctl)"


@pytest.mark.parametrize(
    ("raised", "message"),
    [
        (
            serial.SerialException(
                "Could not configure port: (25, 'Inappropriate ioctl for device')"
            ),
            "/dev/ttyX: not a serial port (inappropriate ioctl)",
        ),
        (
            serial.SerialException(errno.ENXIO, "could not open port /dev/ttyX: [Errno 6] No such"),
            "/dev/ttyX: no device behind this port (unplugged?)",
        ),
        (
            serial.SerialException(errno.EIO, "could not open port /dev/ttyX: [Errno 5] I/O"),
            "/dev/ttyX: input/output error (unplugged?)",
        ),
        (
            serial.SerialException(errno.EXDEV, "could not open port /dev/ttyX: [Errno 18] x"),
            f"/dev/ttyX: cannot open: {os.strerror(errno.EXDEV)}",
        ),
        (
            serial.SerialException("could not open port /dev/ttyX: something odd"),
            "/dev/ttyX: cannot open: something odd",
        ),
    ],
)
def test_port_errors_are_one_clear_line_naming_the_port(
    raised: Exception, message: str, mocker: object
) -> None:
    mocker.patch.object(serial.Serial, "open", side_effect=raised)  # type: ignore[attr-defined]
    with pytest.raises(TensError) as caught:
        open_port("/dev/ttyX")
    assert str(caught.value) == message
    assert "Errno" not in str(caught.value)
    assert "Could not" not in str(caught.value)
