"""Who gets into the control server: the peer check, the bound of each socket, and which
stop connection makes room for a new one.

* a peer that runs as another user is refused (:func:`same_user`);
* ``control.sock`` serves at most :data:`MAX_CLIENTS` connections; one more gets a one-line
  busy answer (a non-blocking send into its empty socket buffer, :func:`refuse`) and is
  closed;
* ``stop.sock`` holds at most :data:`MAX_STOP_CLIENTS` connections at once. When it is full,
  the one already answered, else the oldest that has not sent a complete request, is
  dropped to make room, so a new stopper always gets in. Only when every one has asked for
  the stop already (it is under way) is the newcomer refused.

:func:`admission` decides without touching a socket; :class:`~.connections.Connections`
carries the decision out.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from tenscontrol.control.connection import SEND_FLAGS, Connection, ConnState
from tenscontrol.control.slot import Endpoint
from tenscontrol.control.wire import Answer, busy_answer, encode

#: Most connections ``control.sock`` serves at once; one more gets a busy answer.
MAX_CLIENTS = 16
#: Most connections ``stop.sock`` holds at once; one more makes room (see the module doc).
MAX_STOP_CLIENTS = 8


@dataclass(frozen=True, slots=True)
class Admission:
    """What becomes of a connection just accepted.

    ``refused``: the one line it gets before it is closed (None: it is taken).
    ``evicted``: a connection to drop first to make room for it, and the line that one gets.
    """

    refused: Answer | None = None
    evicted: tuple[Connection, Answer] | None = None


def admission(endpoint: Endpoint, table: Sequence[Connection]) -> Admission:
    """Whether a connection just accepted on ``endpoint`` gets in, given ``table``: the
    connections already on that endpoint, oldest first (see the module doc)."""
    if endpoint is Endpoint.CONTROL and len(table) >= MAX_CLIENTS:
        return Admission(refused=busy_answer(f"{MAX_CLIENTS} clients are connected; try again"))
    if endpoint is Endpoint.STOP and len(table) >= MAX_STOP_CLIENTS:
        victim = _evictable(table)
        if victim is None:  # every one has asked for the stop already: it is under way
            return Admission(
                refused=busy_answer(f"{len(table)} stop requests are waiting for the session's end")
            )
        return Admission(
            evicted=(victim, busy_answer("dropped to make room for another stop request"))
        )
    return Admission()


def _evictable(table: Sequence[Connection]) -> Connection | None:
    """The stop connection to drop for a newcomer: one already answered (lingering),
    else the oldest without a complete request; never one whose stop is under way."""
    for state in (ConnState.LINGERING, ConnState.READING):
        for conn in table:  # oldest first
            if conn.state is state:
                return conn
    return None


def same_user(conn: socket.socket) -> bool:
    """True when the peer runs as this user (Linux SO_PEERCRED; elsewhere the 0700 folder
    and the 0600 socket are the only guard, and this returns True)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    try:
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, option, 12))
    except OSError:
        return False
    return bool(uid == os.getuid())


def refuse(sock: socket.socket, answer: Answer) -> None:
    """One line into a fresh socket's empty buffer (never blocks), then close."""
    with contextlib.suppress(OSError):
        sock.send(encode(answer), SEND_FLAGS)
    sock.close()
