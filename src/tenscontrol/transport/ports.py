"""Open a serial port, a ``sim://`` simulator or a ``socket://`` link: the one way to do it.

Every port goes through :func:`open_port`, which builds it with
``serial.serial_for_url(url, exclusive=True, do_not_open=True)`` and turns pyserial's
errors into one line naming the port and what is wrong, with a hint a person can act on:
:class:`~tenscontrol.errors.PortError` (exit 3) for a port that is there but cannot be
used now (not found, permission, busy, gone), :class:`~tenscontrol.errors.UserInputError`
(exit 2) for a name that is not a serial port at all (a regular file, a FIFO, a folder,
``/dev/null``). A path that exists but is not a character device is refused before it is
opened (opening a FIFO or a file is not harmless); pyserial's own text (``Could not
configure port: (25, 'Inappropriate ioctl for device')``) never reaches the user.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import threading
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import serial

from tenscontrol.errors import PortError, TensError, UserInputError
from tenscontrol.files import kind_name
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
_NOT_A_PORT_HINT = "name the device's serial port (e.g. /dev/ttyACM0); `tens devices` lists them"
#: errno -> (what is wrong, hint, error class) for the cases a person can act on.
_ERRNO_TEXT: dict[int, tuple[str, str | None, type[TensError]]] = {
    errno.ENOTTY: ("not a serial port (inappropriate ioctl)", _NOT_A_PORT_HINT, UserInputError),
    errno.EISDIR: ("not a serial port (a folder)", _NOT_A_PORT_HINT, UserInputError),
    errno.ELOOP: ("too many levels of symbolic links", None, UserInputError),
    errno.ENXIO: (
        "no device behind this port (unplugged?)",
        "plug the device in again; `tens devices` lists the ports it sees",
        PortError,
    ),
    errno.ENODEV: (
        "no device behind this port (unplugged?)",
        "plug the device in again; `tens devices` lists the ports it sees",
        PortError,
    ),
    errno.EIO: ("input/output error (unplugged?)", "plug the device in again", PortError),
    errno.ETIMEDOUT: ("no answer (timed out)", "is the address right and reachable?", PortError),
    errno.EHOSTUNREACH: ("host unreachable", None, PortError),
    errno.ENETUNREACH: ("network unreachable", None, PortError),
}
#: pyserial's ways of writing an errno into its text: ``[Errno 21] ...``, ``(25, '...')``.
_ERRNO_IN_TEXT = re.compile(r"\[Errno (\d+)\]|\((\d+), '")


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
    check_is_device(url)
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


def check_is_device(url: str) -> None:
    """Refuse, without opening it, a path that exists but is not a character device.

    A path that does not exist (or cannot be looked at) is left to the open, which says
    so; symbolic links are followed (``/dev/serial/by-id/...`` are links to the device).
    """
    if "://" in url:
        return
    try:
        mode = Path(url).stat().st_mode
    except (OSError, ValueError):
        return
    if not stat.S_ISCHR(mode):  # a serial port is always a character device
        what = kind_name(mode)
        raise UserInputError(f"{url}: not a serial port ({what})", hint=_NOT_A_PORT_HINT)


def error_number(error: BaseException) -> int | None:
    """The errno behind a port error: its own, its cause's (pyserial wraps OSError and
    termios.error), or the one pyserial wrote into its text."""
    seen: BaseException | None = error
    while seen is not None:
        code = getattr(seen, "errno", None)
        if isinstance(code, int):
            return code
        args = getattr(seen, "args", ())
        if isinstance(seen, _TERMIOS_ERRORS) and args and isinstance(args[0], int):
            return int(args[0])
        seen = seen.__cause__ or seen.__context__
    match = _ERRNO_IN_TEXT.search(str(error))
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def _friendly(url: str, error: BaseException) -> TensError:
    """One line naming the port and what is wrong (never pyserial's raw text)."""
    code = error_number(error)
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
    known = None if code is None else _ERRNO_TEXT.get(code)
    if known is not None:
        what, advice, kind = known
        return kind(f"{url}: {what}", hint=advice)
    if code is not None:
        return PortError(f"{url}: cannot open: {os.strerror(code)}")
    return PortError(f"{url}: cannot open: {_plain(text, url)}")


def _plain(text: str, url: str) -> str:
    """pyserial's text without its prefixes (``[Errno N]``, ``could not open port X:``)."""
    text = _ERRNO_IN_TEXT.sub("", text)
    text = re.sub(rf"(?i)could not (open|configure) port( {re.escape(url)})?:?", "", text)
    return " ".join(text.split()).strip(" :") or "unknown error"
