"""One bounded read of a port: what it has, waiting at most a given time for the first byte."""

from __future__ import annotations

from tenscontrol.transport.ports import Port


def read_some(port: Port, wait_s: float | None) -> bytes:
    """What ``port`` has now, or waits for: at most ``wait_s`` seconds when given and shorter
    than the port's own timeout, else the port's timeout. The rest of a frame that began
    arriving is read with it.

    The bound is for a single owner thread reading with a fixed timeout (50 ms): without it
    a heartbeat due just after a read began went out when that read returned, up to 50 ms
    late (gaps between frames of 150 ms where 100 ms was meant, measured over a pty).
    """
    timeout = port.timeout
    if waiting := port.in_waiting:
        data = port.read(waiting)
    elif wait_s is None or (timeout is not None and wait_s >= timeout):
        data = port.read(1)
    else:
        port.timeout = wait_s  # pyserial: no tcsetattr when only the timeout changes
        try:
            data = port.read(1)
        finally:
            port.timeout = timeout
    if data and (more := port.in_waiting):
        data += port.read(more)
    return data
