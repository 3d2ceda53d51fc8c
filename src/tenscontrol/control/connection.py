"""One client connection of the control server: its socket, buffers, deadline, and where it
is in its life (:class:`ConnState`).

A record, shared by who decides whether it gets in (:mod:`.admission`) and what drives its
life (:mod:`.connections`); it does nothing itself.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from enum import Enum

from tenscontrol.control.handler import Pending
from tenscontrol.control.slot import Endpoint

#: A client that hung up makes a send fail with EPIPE, never raise SIGPIPE (Python ignores
#: SIGPIPE already; this holds even if something restores its default, where it exists).
SEND_FLAGS = getattr(socket, "MSG_NOSIGNAL", 0)


class ConnState(Enum):
    """Where a connection is in its life."""

    READING = "reading"  #: waiting for a complete request line
    WAITING = "waiting"  #: its request waits for the engine (nothing more is read)
    WRITING = "writing"  #: its answer is going out
    LINGERING = "lingering"  #: answered for the last time; half-closed, draining
    CLOSED = "closed"


@dataclass(eq=False)
class Connection:
    """One client connection. Times are monotonic seconds."""

    sock: socket.socket
    endpoint: Endpoint
    deadline: float
    state: ConnState = ConnState.READING
    events: int = 0  # what it is registered for in the selector (0: not registered)
    inbuf: bytearray = field(default_factory=bytearray)
    outbuf: bytearray = field(default_factory=bytearray)
    pending: Pending | None = None
    served: int = 0
    last: bool = False  # close once the answer in outbuf is out
    lingered: int = 0  # bytes dropped while lingering
