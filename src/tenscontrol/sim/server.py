"""Serve a simulated device on a pseudo-terminal or on loopback TCP, in a background thread.

One thread per server does everything: it waits in ``select`` on the port and on a wake-up
pipe, with a timeout that ends at the device's next event (telemetry, watchdog, injection),
feeds what the host wrote into the device, and writes the device's bytes back. The device
model itself runs lazily on the real clock (see :class:`~tenscontrol.sim.device.SimulatedDevice`),
so its timing does not depend on how promptly the thread wakes. Tests may look at
``server.model`` while holding ``server.lock``.

- :class:`PtyServer` (POSIX): ``os.openpty``, both ends raw (no echo). ``port`` is the slave's
  path, for ``serial.serial_for_url(path)``. The server keeps the slave open too, so the pty
  survives clients coming and going; device bytes written while nobody reads are dropped
  once the pty buffer is full (pyserial flushes its input when it opens the port).
- :class:`TcpServer`: listens on ``host:port`` (127.0.0.1 unless ``allow_remote``), one client
  at a time (a second connection is closed at once). ``port`` is ``socket://host:port``.

``unplug_at`` closes the pty / the sockets and stops serving, as a vanished USB port would.

A real device's firmware runs in real time; this thread runs when the machine lets it, and
bytes the host wrote wait in the pty or socket until it does. A starved simulator therefore
stamps host frames late and may report a watchdog trip the host did not cause (on Linux
a pty's bytes also wait for a kernel worker before ``select`` sees them). So the thread
measures itself (:attr:`SimServer.timing`, a :class:`ServeTiming`): how late each wake-up
came against the time it asked ``select`` to return by, and how far apart host bytes
arrived while the watchdog was armed. With ``--log``, the rare bad ones are logged too:
a wake-up :data:`LATE_EVENT_S` or more late as ``late`` (``late_ms``; it should have run
at ``t - late_ms``), before anything it then does, and host bytes :data:`GAP_EVENT_S` or
more after the previous ones as ``host_gap`` (``gap_ms``, as this thread saw it).
"""

from __future__ import annotations

import abc
import contextlib
import errno
import os
import select
import socket
import threading
import tty

from tenscontrol.clock import Clock, RealClock
from tenscontrol.errors import UserInputError
from tenscontrol.loopback import is_loopback
from tenscontrol.sim.device import SimulatedDevice
from tenscontrol.sim.eventlog import EventLog
from tenscontrol.sim.faults import SimOptions
from tenscontrol.sim.model import DeviceModel
from tenscontrol.sim.serve_timing import ServeTiming

#: Longest the server thread sleeps without looking at the device, seconds.
MAX_WAIT_S = 0.5
_CHUNK = 4096
#: A wake-up of the serving thread this late (seconds) is logged as a ``late`` event: long
#: enough to matter against a 500 ms watchdog, rare enough to keep the log small.
LATE_EVENT_S = 0.1
#: Host bytes this long (seconds) after the previous ones, with the watchdog armed, are
#: logged as a ``host_gap`` event: half the default watchdog, 2.5 heartbeat periods.
GAP_EVENT_S = 0.25


class SimServer(abc.ABC):
    """Base of the pty and TCP servers: the device, its lock and the serving thread."""

    def __init__(self, options: SimOptions, clock: Clock | None = None) -> None:
        self.clock: Clock = clock if clock is not None else RealClock()
        self.lock = threading.Lock()
        # The server owns the event log (the device writes its events to it too), so its
        # own ``late`` and ``host_gap`` lines go to the same file, in order.
        self._log = EventLog(options.log, self.clock) if options.log is not None else None
        self.device = SimulatedDevice(options, self.clock, sink=self._log)
        self.timing = ServeTiming()
        self.unplugged = threading.Event()
        self.stopped = threading.Event()
        self.bytes_dropped = 0
        self._wake_r, self._wake_w = os.pipe()
        self._closing = False
        self._thread = threading.Thread(target=self._serve, name=type(self).__name__, daemon=True)

    @property
    def model(self) -> DeviceModel:
        """The simulated device's model (hold :attr:`lock` while looking at it)."""
        return self.device.model

    @property
    @abc.abstractmethod
    def port(self) -> str:
        """What a host opens: a device path or a ``socket://`` URL."""

    def start(self) -> None:
        """Start serving in the background thread."""
        self._thread.start()

    def close(self) -> None:
        """Stop serving, close the port and the log. Idempotent."""
        if self._closing:
            return
        self._closing = True
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._close_io()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        with self.lock:
            self.device.close()
            if self._log is not None:
                self._log.close()

    def __enter__(self) -> SimServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the thread ------------------------------------------------------------------
    def _serve(self) -> None:
        try:
            while not self._closing:
                with self.lock:
                    out = self.device.pump(self.clock.monotonic())
                    gone = self.device.model.unplugged
                    wait = self.device.next_time() - self.clock.monotonic()
                if gone:
                    self.unplugged.set()
                    self._close_io()
                    return
                if out:
                    self._send(out)
                timeout = min(max(wait, 0.0), MAX_WAIT_S)
                fds = [self._wake_r, *self._read_fds()]
                due = self.clock.monotonic() + timeout
                readable, _, _ = select.select(fds, [], [], timeout)
                if self._wake_r in readable:
                    return
                self._woke(due, input_ready=bool(readable))
                for fd in readable:
                    data = self._receive(fd)
                    if data:
                        with self.lock:
                            now = self.clock.monotonic()
                            reply = self.device.host_write(data, now)
                            armed = self.model.watchdog_ms is not None
                            self._host_bytes(now, armed=armed)
                        if reply:
                            self._send(reply)
        finally:
            self.stopped.set()

    def _woke(self, due: float, *, input_ready: bool) -> None:
        """Account for one wake-up that ``select`` should have ended by ``due``."""
        now = self.clock.monotonic()
        late = now - due
        self.timing.woke(late)
        if late >= LATE_EVENT_S and self._log is not None:
            # Logged before the late look at the device: a ``watchdog`` line stamped between
            # ``t - late_ms`` and ``t`` may be this simulator's delay, not the host's.
            self._log.record(now, "late", late_ms=round(late * 1_000, 1), input_waiting=input_ready)

    def _host_bytes(self, now: float, *, armed: bool) -> None:
        """Account for host bytes read at ``now`` (caller holds the lock)."""
        gap = self.timing.host_bytes(now, armed=armed)
        if gap is not None and gap >= GAP_EVENT_S and self._log is not None:
            self._log.record(now, "host_gap", gap_ms=round(gap * 1_000, 1))

    # --- subclass hooks --------------------------------------------------------------------
    @abc.abstractmethod
    def _read_fds(self) -> list[int]:
        """Subclass hook."""

    @abc.abstractmethod
    def _receive(self, fd: int) -> bytes:
        """Subclass hook."""

    @abc.abstractmethod
    def _send(self, data: bytes) -> None:
        """Subclass hook."""

    @abc.abstractmethod
    def _close_io(self) -> None:
        """Subclass hook."""


class PtyServer(SimServer):
    """The simulated device on a pseudo-terminal (POSIX only)."""

    def __init__(self, options: SimOptions, clock: Clock | None = None) -> None:
        super().__init__(options, clock)
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self._path = os.ttyname(self._slave)
        self._io_lock = threading.Lock()
        self._open = True

    @property
    def port(self) -> str:
        """Path of the pty's slave end, e.g. ``/dev/pts/3``."""
        return self._path

    def _read_fds(self) -> list[int]:
        return [self._master] if self._open else []

    def _receive(self, fd: int) -> bytes:
        try:
            return os.read(fd, _CHUNK)
        except BlockingIOError:
            return b""
        except OSError as error:
            if error.errno == errno.EIO:  # no client has the slave open
                return b""
            raise

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        while view and self._open:
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                self.bytes_dropped += len(view)  # nobody reads: drop like a full USB FIFO
                return
            view = view[written:]

    def _close_io(self) -> None:
        with self._io_lock:
            if self._open:
                self._open = False
                for fd in (self._master, self._slave):
                    with contextlib.suppress(OSError):
                        os.close(fd)


def parse_address(text: str, *, allow_remote: bool = False) -> tuple[str, int]:
    """``HOST:PORT`` -> (host, port). Only loopback unless ``allow_remote``.

    Raises :class:`UserInputError`.
    """
    host, sep, port_text = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or int(port_text) > 65_535:
        raise UserInputError(f"--tcp {text!r}: expected HOST:PORT, e.g. 127.0.0.1:5555")
    if not allow_remote and not is_loopback(host):
        raise UserInputError(
            f"--tcp {text}: {host} is not a loopback address",
            hint="the simulator binds to 127.0.0.1; add --allow-remote to bind elsewhere",
        )
    return host, int(port_text)


class TcpServer(SimServer):
    """The simulated device on a TCP port, for pyserial's ``socket://`` URL."""

    def __init__(
        self,
        options: SimOptions,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(options, clock)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener: socket.socket | None = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._listener.bind((host, port))
        except OSError as error:
            self._listener.close()
            raise UserInputError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        self._listener.listen(1)
        self._listener.setblocking(False)
        self._host = host
        self._bound_port = int(self._listener.getsockname()[1])
        self._client: socket.socket | None = None
        self._io_lock = threading.Lock()

    @property
    def port(self) -> str:
        """``socket://HOST:PORT`` for ``serial.serial_for_url``."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"socket://{host}:{self._bound_port}"

    def _read_fds(self) -> list[int]:
        fds = []
        if self._listener is not None:
            fds.append(self._listener.fileno())
        if self._client is not None:
            fds.append(self._client.fileno())
        return fds

    def _receive(self, fd: int) -> bytes:
        if self._listener is not None and fd == self._listener.fileno():
            self._accept()
            return b""
        client = self._client
        if client is None or fd != client.fileno():
            return b""
        try:
            data = client.recv(_CHUNK)
        except BlockingIOError:
            return b""
        except OSError:
            data = b""
        if not data:
            self._drop_client()
        return data

    def _accept(self) -> None:
        if self._listener is None:
            return
        try:
            conn, _ = self._listener.accept()
        except BlockingIOError:
            return
        if self._client is not None:
            conn.close()  # one host at a time
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client = conn

    def _send(self, data: bytes) -> None:
        client = self._client
        if client is None:
            self.bytes_dropped += len(data)
            return
        view = memoryview(data)
        while view:
            try:
                sent = client.send(view)
            except BlockingIOError:
                self.bytes_dropped += len(view)
                return
            except OSError:
                self._drop_client()
                return
            view = view[sent:]

    def _drop_client(self) -> None:
        if self._client is not None:
            with contextlib.suppress(OSError):
                self._client.close()
            self._client = None

    def _close_io(self) -> None:
        with self._io_lock:
            self._drop_client()
            if self._listener is not None:
                with contextlib.suppress(OSError):
                    self._listener.close()
                self._listener = None
