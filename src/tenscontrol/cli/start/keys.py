"""Key presses of the live view, read from a terminal without waiting for Enter.

:class:`KeyDecoder` turns bytes into key names (pure, no I/O). :class:`KeyReader` puts the
terminal in cbreak mode (keys arrive one by one, no echo; Ctrl-C still raises SIGINT, so
the session's signal handler stops it as usual), reads in its own thread and calls back
with each key name; the terminal's settings are restored on exit, also after an error.

Keys (names in brackets): up arrow, ``+`` or ``=`` [``up1``]; down arrow, ``-`` or ``_``
[``down1``]; ``]`` [``up2``]; ``[`` [``down2``]; space [``pause``]; ``q``, ``Q``, Esc
[``stop``]. An Esc is a stop only when no escape sequence follows it within
:data:`ESC_WAIT_S` (an arrow key sends Esc ``[`` ``A``); unknown sequences are ignored.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

KeyCallback = Callable[[str], None]

#: How long a lone Esc waits for the rest of an escape sequence, seconds.
ESC_WAIT_S = 0.05
#: How often the reader thread checks for its stop, seconds.
POLL_S = 0.1

ESC = 0x1B
_PLAIN = {
    ord("+"): "up1",
    ord("="): "up1",
    ord("-"): "down1",
    ord("_"): "down1",
    ord("]"): "up2",
    ord("["): "down2",
    ord(" "): "pause",
    ord("q"): "stop",
    ord("Q"): "stop",
}
_ARROWS = {ord("A"): "up1", ord("B"): "down1"}


class KeyDecoder:
    """Bytes in, key names out; keeps a partial escape sequence between calls."""

    def __init__(self) -> None:
        self._pending = bytearray()

    @property
    def pending(self) -> bool:
        """True while an escape sequence has begun but not ended."""
        return bool(self._pending)

    def feed(self, data: bytes) -> list[str]:
        """Key names for ``data`` (a lone trailing Esc stays pending: see :meth:`flush`)."""
        keys: list[str] = []
        for byte in data:
            if self._pending:
                self._pending.append(byte)
                keys.extend(self._sequence())
            elif byte == ESC:
                self._pending.append(byte)
            elif byte in _PLAIN:
                keys.append(_PLAIN[byte])
        return keys

    def flush(self) -> list[str]:
        """End of input for now: a lone pending Esc is the Esc key (stop)."""
        lone = bytes(self._pending) == bytes([ESC])
        self._pending.clear()
        return ["stop"] if lone else []

    def _sequence(self) -> list[str]:
        seq = bytes(self._pending)
        if len(seq) == 2:
            if seq[1] in (ord("["), ord("O")):
                return []  # CSI or SS3: wait for the final byte
            self._pending.clear()  # Esc then a plain key: Esc stops, the key is dropped
            return ["stop"]
        final = seq[-1]
        if 0x40 <= final <= 0x7E:  # a sequence's final byte
            self._pending.clear()
            key = _ARROWS.get(final) if len(seq) == 3 else None
            return [key] if key else []
        if len(seq) > 16:  # not a sequence we know: forget it
            self._pending.clear()
        return []


class KeyReader:
    """Reads keys from the file descriptor ``fd`` in a thread; use as a context manager."""

    def __init__(
        self, fd: int, on_key: KeyCallback, on_gone: Callable[[str], None] | None = None
    ) -> None:
        self.fd = fd
        self.on_key = on_key
        #: Called once with what happened when the terminal goes away (end of file or a
        #: read error: in cbreak mode no key gives an end of file, so it is a hang-up).
        self.on_gone = on_gone
        self._done = threading.Event()
        self._decoder = KeyDecoder()
        self._thread = threading.Thread(target=self._run, name="tens-keys", daemon=True)

    def __enter__(self) -> KeyReader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading (idempotent); returns within about :data:`POLL_S`."""
        self._done.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)

    def _run(self) -> None:
        while not self._done.is_set():
            wait = ESC_WAIT_S if self._decoder.pending else POLL_S
            try:
                ready, _, _ = select.select([self.fd], [], [], wait)
                data = os.read(self.fd, 64) if ready else b""
            except (OSError, ValueError) as error:  # the terminal went away: no more keys
                self._gone(f"{type(error).__name__}: {error}")
                return
            if ready and not data:
                self._gone("end of file (hang-up)")
                return
            keys = self._decoder.feed(data) if data else self._decoder.flush()
            for key in keys:
                self.on_key(key)

    def _gone(self, what: str) -> None:
        if self.on_gone is not None and not self._done.is_set():
            self.on_gone(what)


@contextmanager
def cbreak(stream: TextIO | None = None) -> Iterator[int | None]:
    """``stream`` (default stdin) in cbreak mode; yields its fd, or None if not a terminal.

    The previous settings come back on exit whatever happens inside.
    """
    stream = sys.stdin if stream is None else stream
    try:
        import termios
        import tty
    except ImportError:  # Windows: no termios; the live view runs without keys
        yield None
        return
    try:
        fd = stream.fileno()
        if not os.isatty(fd):
            raise OSError("not a terminal")
        saved = termios.tcgetattr(fd)
    except (OSError, ValueError, termios.error):
        yield None
        return
    try:
        tty.setcbreak(fd)
        yield fd
    finally:
        # TCSANOW: TCSADRAIN would wait for output to drain, forever on a paused terminal;
        # a terminal that has gone away cannot be restored, and that is no error.
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
