"""A raw pty echo: the baseline of the host round-trip figures in :mod:`firmware`.

It keeps the contract of ``tens simulate --pty`` and the firmware's launchers, so
:class:`~tenscontrol.sim.spawn.SimulatorProcess` starts it like any device process: the
first stdout line is ``port: <path>``; every byte the host writes to that pty comes back
unchanged; SIGINT or SIGTERM ends it with exit 0. No protocol is spoken here: a round trip
through it is the pty and one process wake-up, and nothing else.

Run: ``python benchmarks/pty_echo.py``.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import tty
from types import FrameType

#: Longest wait for input before looking at the stop flag again, s.
_POLL_S = 0.1
#: Bytes taken from the pty per read.
_READ_SIZE = 4_096


def serve() -> int:
    """Echo until SIGINT or SIGTERM; the exit status (0)."""
    master, slave = os.openpty()
    # raw: the line discipline must neither echo on its own nor map newlines, or the
    # host would read bytes nobody sent. The slave stays open here, so the master never
    # reads EIO while no host has the pty open.
    tty.setraw(slave)
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"port: {os.ttyname(slave)}", flush=True)
    while not stopping:
        ready, _, _ = select.select([master], [], [], _POLL_S)
        if ready:
            data = os.read(master, _READ_SIZE)
            while data:  # a pty may take part of a write
                data = data[os.write(master, data) :]
    os.close(master)
    os.close(slave)
    return 0


if __name__ == "__main__":
    sys.exit(serve())
