"""Who gets in, without the server's thread or socket files: connections are socketpairs
handed to :class:`Connections` as the server's accept would. The peer check, the busy line
beyond the bound of ``control.sock``, and the eviction order of ``stop.sock``."""

from __future__ import annotations

import json
import selectors
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from control_helpers import virtual_rig

from tenscontrol.control.connections import (
    MAX_CLIENTS,
    MAX_STOP_CLIENTS,
    Connections,
    ConnState,
    same_user,
)
from tenscontrol.control.handler import RequestHandler
from tenscontrol.control.slot import Endpoint


@pytest.fixture
def table(tmp_path: Path) -> Iterator[Connections]:
    with virtual_rig(tmp_path) as rig, selectors.DefaultSelector() as selector:
        handler = RequestHandler(rig.engine("low-back", {1: 5_000}, duration_ms=30_000))
        connections = Connections(selector, handler)
        try:
            yield connections
        finally:
            connections.drop_all()


def client_of(stack: ExitStack, connections: Connections, endpoint: Endpoint) -> socket.socket:
    """A new client: its server end is admitted on ``endpoint``; the client end is returned."""
    server_end, client_end = socket.socketpair()
    stack.callback(client_end.close)
    client_end.settimeout(5)
    connections.admit(endpoint, server_end)
    return client_end


def first_line(sock: socket.socket) -> dict[str, Any]:
    data = b""
    while b"\n" not in data and (chunk := sock.recv(4_096)):
        data += chunk
    return dict(json.loads(data.split(b"\n")[0]))


def test_a_peer_of_this_user_is_this_user() -> None:
    one, other = socket.socketpair()
    with one, other:
        assert same_user(one)


def test_beyond_max_clients_a_busy_line_and_closed(table: Connections) -> None:
    with ExitStack() as stack:
        for _ in range(MAX_CLIENTS):
            client_of(stack, table, Endpoint.CONTROL)
        extra = client_of(stack, table, Endpoint.CONTROL)
        busy = f"busy: {MAX_CLIENTS} clients are connected; try again"
        assert first_line(extra) == {"ok": False, "error": busy}
        assert extra.recv(16) == b""
        assert len(list(table)) == MAX_CLIENTS
        client_of(stack, table, Endpoint.STOP)  # the stop table is separate
        assert len(list(table)) == MAX_CLIENTS + 1


def test_a_full_stop_table_drops_its_oldest_idle_connection(table: Connections) -> None:
    with ExitStack() as stack:
        stoppers = [client_of(stack, table, Endpoint.STOP) for _ in range(MAX_STOP_CLIENTS)]
        newest = client_of(stack, table, Endpoint.STOP)
        dropped = {"ok": False, "error": "busy: dropped to make room for another stop request"}
        assert first_line(stoppers[0]) == dropped
        assert stoppers[0].recv(16) == b""
        ends = [conn for conn in table if conn.endpoint is Endpoint.STOP]
        assert len(ends) == MAX_STOP_CLIENTS
        assert all(conn.state is ConnState.READING for conn in ends)
        newest.sendall(b"")  # still connected, nothing said to it
        newest.setblocking(False)
        with pytest.raises(BlockingIOError):
            newest.recv(16)
