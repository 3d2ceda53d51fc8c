"""Open a serial port, a ``sim://`` simulator or a ``socket://`` link: the one way to do it.

Every port goes through :func:`open_port`, which builds it with
``serial.serial_for_url(url, exclusive=True, do_not_open=True)`` and turns pyserial's
errors into :class:`~tenscontrol.errors.PortError` with a hint a person can act on.
"""

from __future__ import annotations

import errno
import sys
import threading
from typing import Protocol
from urllib.parse import urlsplit

import serial

from tenscontrol.errors import PortError, UserInputError
from tenscontrol.loopback import is_loopback
from tenscontrol.protocol.constants import BAUDRATE

try:
    import termios

    _TERMIOS_ERRORS: tuple[type[BaseException], ...] = (termios.error,)
except ImportError:  # Windows: pyserial raises only SerialException and OSError there
    _TERMIOS_ERRORS = ()

#: What a port can raise when the device goes away under it: pyserial's own error, the
#: OS's, and termios.error, which is neither (``tcdrain`` on a pty whose other side has
#: closed raises it from inside ``Serial.flush``).
PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, *_TERMIOS_ERRORS)

#: pyserial imports ``<package>.protocol_<scheme>`` for ``scheme://`` URLs.
_SIM_HANDLER_PACKAGE = "tenscontrol.sim"
#: Two threads opening their first sim:// port at once must not both append it.
_registration_lock = threading.Lock()
_NETWORK_SCHEMES = frozenset({"socket", "rfc2217"})
_KNOWN_SCHEMES = frozenset({"sim", "socket", "rfc2217", "loop", "spy", "hwgrep", "alt"})


class Port(Protocol):
    """What the driver needs of a port: pyserial's ``Serial`` and URL handlers fit."""

    @property
    def timeout(self) -> float | None:
        """Read timeout, seconds."""

    @timeout.setter
    def timeout(self, value: float | None) -> None: ...

    @property
    def in_waiting(self) -> int:
        """Bytes ready to read."""

    def read(self, size: int = 1) -> bytes:
        """Up to ``size`` bytes, waiting at most ``timeout``."""

    def write(self, data: bytes, /) -> int | None:
        """Send ``data``."""

    def flush(self) -> None:
        """Wait until written data is sent."""

    def reset_input_buffer(self) -> None:
        """Discard received bytes."""

    def close(self) -> None:
        """Close the port."""


def register_simulator() -> None:
    """Let pyserial find the ``sim://`` handler: the one registration of it (idempotent and
    thread-safe; imports nothing yet). Code with a clock in hand needs none of it:
    ``tenscontrol.sim.open_simulator`` opens a simulated device directly."""
    with _registration_lock:
        if _SIM_HANDLER_PACKAGE not in serial.protocol_handler_packages:
            serial.protocol_handler_packages.append(_SIM_HANDLER_PACKAGE)


def check_port_name(url: str, *, allow_remote: bool = False) -> None:
    """Refuse a malformed port name, or a network URL to a host other than loopback.

    Raises :class:`UserInputError` naming the problem.
    """
    if not url or not url.strip():
        raise UserInputError("port name is empty", hint="name a device path or a URL")
    if any(ord(c) < 32 for c in url):
        raise UserInputError(f"port name {url!r} contains a control character")
    if "://" not in url:
        return
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _KNOWN_SCHEMES:
        raise UserInputError(
            f"port URL scheme {scheme!r} is not supported",
            hint="use a device path, sim://, or socket://127.0.0.1:PORT",
        )
    if scheme in _NETWORK_SCHEMES:
        host = parts.hostname
        if not host or parts.port is None:
            raise UserInputError(f"port URL {url!r} needs a host and a port")
        if not allow_remote and not is_loopback(host):
            raise UserInputError(
                f"port URL {url!r} points at {host}, which is not this machine",
                hint="stimulation over a network is refused unless you pass --allow-remote",
            )


def open_port(url: str, *, allow_remote: bool = False, timeout_s: float = 0.02) -> Port:
    """Open ``url`` (a device path, ``sim://...``, ``socket://...``) exclusively.

    ``timeout_s`` is the read timeout in seconds. Raises :class:`PortError` with a hint for
    not found, permission denied and busy, and :class:`UserInputError` for a refused name.
    """
    check_port_name(url, allow_remote=allow_remote)
    register_simulator()
    try:
        port = serial.serial_for_url(
            url, baudrate=BAUDRATE, timeout=timeout_s, exclusive=True, do_not_open=True
        )
    except (ValueError, serial.SerialException) as error:
        raise UserInputError(f"cannot use port {url!r}: {error}") from error
    try:
        port.open()
    except (serial.SerialException, OSError) as error:
        raise _friendly(url, error) from error
    port_: Port = port
    return port_


def _friendly(url: str, error: BaseException) -> PortError:
    code = getattr(error, "errno", None)
    text = str(error)
    if code == errno.ENOENT or "No such file" in text:
        return PortError(
            f"port {url} not found",
            hint="is the device plugged in? `tens devices` lists the ports it sees",
        )
    if code in (errno.EACCES, errno.EPERM) or "ermission denied" in text:
        hint = "you lack permission to open it"
        if sys.platform.startswith("linux"):
            hint = (
                "add yourself to the dialout group (sudo usermod -aG dialout $USER), log in again"
            )
        return PortError(f"permission denied opening port {url}", hint=hint)
    if code in (errno.EBUSY, errno.EAGAIN) or "exclusively lock" in text or "busy" in text:
        return PortError(
            f"port {url} is busy: another program holds it",
            hint="close the other program (another `tens start`, a serial monitor) and retry",
        )
    if code == errno.ECONNREFUSED or "refused" in text.lower():
        return PortError(
            f"nothing is listening at {url}", hint="start it first: tens simulate --tcp HOST:PORT"
        )
    return PortError(f"cannot open port {url}: {text}")
