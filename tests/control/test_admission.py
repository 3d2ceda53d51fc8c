"""Who gets in, decided without touching a socket: :func:`admission` on tables of
connections in given states (the sockets exist only because the record holds one)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from tenscontrol.control.admission import MAX_CLIENTS, MAX_STOP_CLIENTS, admission
from tenscontrol.control.connection import Connection, ConnState
from tenscontrol.control.slot import Endpoint

MakeConn = Callable[[Endpoint, ConnState], Connection]


@pytest.fixture
def conn() -> Iterator[MakeConn]:
    """Connections in a given state; their sockets are closed after the test."""
    sockets: list[socket.socket] = []

    def make(endpoint: Endpoint, state: ConnState) -> Connection:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sockets.append(sock)
        return Connection(sock, endpoint, deadline=0.0, state=state)

    yield make
    for sock in sockets:
        sock.close()


def test_below_the_bounds_everyone_gets_in(conn: MakeConn) -> None:
    for endpoint, bound in ((Endpoint.CONTROL, MAX_CLIENTS), (Endpoint.STOP, MAX_STOP_CLIENTS)):
        table = [conn(endpoint, ConnState.READING) for _ in range(bound - 1)]
        decided = admission(endpoint, table)
        assert decided.refused is None
        assert decided.evicted is None


def test_a_full_control_table_refuses_with_a_busy_line(conn: MakeConn) -> None:
    table = [conn(Endpoint.CONTROL, ConnState.WAITING) for _ in range(MAX_CLIENTS)]
    decided = admission(Endpoint.CONTROL, table)
    busy = f"busy: {MAX_CLIENTS} clients are connected; try again"
    assert decided.refused == {"ok": False, "error": busy}
    assert decided.evicted is None


def test_a_full_stop_table_evicts_a_lingering_one_before_the_oldest_reader(
    conn: MakeConn,
) -> None:
    table = [conn(Endpoint.STOP, ConnState.READING) for _ in range(MAX_STOP_CLIENTS - 1)]
    lingering = conn(Endpoint.STOP, ConnState.LINGERING)
    decided = admission(Endpoint.STOP, [*table, lingering])
    made_room = {"ok": False, "error": "busy: dropped to make room for another stop request"}
    assert decided.refused is None
    assert decided.evicted == (lingering, made_room)
    decided = admission(Endpoint.STOP, [*table, conn(Endpoint.STOP, ConnState.WAITING)])
    assert decided.evicted == (table[0], made_room)


def test_a_stop_table_of_stops_under_way_refuses_the_newcomer(conn: MakeConn) -> None:
    table = [conn(Endpoint.STOP, ConnState.WAITING) for _ in range(MAX_STOP_CLIENTS)]
    decided = admission(Endpoint.STOP, table)
    waiting = f"busy: {MAX_STOP_CLIENTS} stop requests are waiting for the session's end"
    assert decided.refused == {"ok": False, "error": waiting}
    assert decided.evicted is None
