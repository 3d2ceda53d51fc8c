"""The control endpoint of a running session: ``tens status``, ``tens stop``, ``tens adjust``.

A running ``tens start`` serves two Unix domain sockets in the runtime folder
(``$TENS_HOME/run`` when ``TENS_HOME`` is set, else ``platformdirs.user_runtime_dir``):

* ``control.sock`` takes ``status``, ``adjust`` and ``stop``; it serves a bounded number of
  clients at once and answers ``{"ok": false, "error": "busy: ..."}`` beyond them;
* ``stop.sock`` takes only ``{"cmd": "stop"}``. It is the path of ``tens stop``
  (:func:`~.client.request` picks it for a stop): when its small table is full, the oldest
  connection that has not sent a complete request yet is dropped, so no other client
  (idle, slow, or flooding ``control.sock``) can keep a stop from getting in.

The folder is 0700 and both sockets 0600 (chmod before ``listen``, so the umask does not
matter and nobody can connect in between); the server also checks the peer's uid. The
protocol is JSON, one object per line (UTF-8, at most :data:`~.wire.MAX_LINE` bytes, nested
at most :data:`~.requests.MAX_NESTING` levels); never pickle. A connection has
:data:`~.connections.REQUEST_DEADLINE_S` seconds for a whole request.

Requests and answers (every answer has ``"ok"``; errors carry ``"error"``, one line):

* ``{"cmd": "status"}`` -> ``{"ok": true, "status": {...}}`` (integer ms and uA).
* ``{"cmd": "stop"}`` -> answered once the session has ended with output 0 confirmed by the
  device: ``{"ok": true, "reason": ..., "confirmed": true}``; else ``"ok": false``.
* ``{"cmd": "adjust", "channel": N, "step": 1|-1}`` or ``{..., "set_ua": X}`` ->
  ``{"ok": true, "accepted": bool, "target_ua": ..., "why": ...}`` (a refusal by the
  engine's limits is an answer, not an error).

One session at a time: the session holds an exclusive ``flock`` on ``control.lock`` for its
whole life, so a socket file left by a crashed session is known to be stale and is
replaced; a second ``tens start`` is refused (exit 2). The lock is also how a client tells
"no session" (:class:`~tenscontrol.errors.NoSession`, exit 1) from "a session that does not
answer" (:class:`~tenscontrol.errors.ControlUnavailable`, exit 3). Windows named pipes are
not implemented yet: there a session runs without the endpoint
(:attr:`~.slot.ControlSlot.supported` is False) and the commands say it is unsupported.

Modules, one job each: :mod:`.wire` (the JSON-line format both ends share), :mod:`.slot`
(the folder, the socket files and the lock), :mod:`.client` (what the commands use),
:mod:`.requests` (typed requests and their strict parser), :mod:`.status` (the status
object), :mod:`.handler` (request -> engine action -> answer, no sockets),
:mod:`.admission` (who gets in: the peer check, client limits, who makes room),
:mod:`.connection` (the record of one connection), :mod:`.connections` (deadlines, each
connection's life) and :mod:`.server`
(the sockets and the thread that serves them).

Layers: ``control`` sits above ``session`` (it uses the engine) and below ``cli``; nothing
in ``session`` imports it. Names are imported on first use (PEP 562): ``tens stop`` loads
the client only, never the engine or pydantic.
"""

from typing import TYPE_CHECKING

from tenscontrol.lazy import lazy_exports

if TYPE_CHECKING:
    from tenscontrol.control.client import request
    from tenscontrol.control.handler import RequestHandler
    from tenscontrol.control.server import ControlServer
    from tenscontrol.control.slot import ControlSlot, session_running
    from tenscontrol.control.wire import is_busy

#: Public name -> the module that defines it.
_LAZY = {
    "ControlServer": "server",
    "ControlSlot": "slot",
    "RequestHandler": "handler",
    "is_busy": "wire",
    "request": "client",
    "session_running": "slot",
}

__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "ControlServer",
    "ControlSlot",
    "RequestHandler",
    "is_busy",
    "request",
    "session_running",
]
