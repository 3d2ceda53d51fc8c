"""The line format both ends of the control endpoint share: one JSON object per line.

Every answer has ``"ok"``; an error answer carries ``"error"`` (one line of text), and an
endpoint with no room for one more client answers an error that begins with
:data:`BUSY_PREFIX`. Never pickle.
"""

from __future__ import annotations

import json
import socket
from typing import Any

#: Largest request or answer line, bytes (newline included).
MAX_LINE = 4_096
#: How a "too many clients" answer's error text begins.
BUSY_PREFIX = "busy: "

#: An answer as it goes on the wire (a JSON object).
Answer = dict[str, Any]


def encode(message: dict[str, Any]) -> bytes:
    """One message as a JSON line (compact, UTF-8)."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def error_answer(text: str) -> Answer:
    """The answer to a request that was refused or failed: ``text`` is one line."""
    return {"ok": False, "error": text}


def busy_answer(text: str) -> Answer:
    """The answer of an endpoint with no room for one more client (see :func:`is_busy`)."""
    return error_answer(f"{BUSY_PREFIX}{text}")


def is_busy(answer: dict[str, Any]) -> bool:
    """True for the answer of an endpoint that has no room for one more client."""
    error = answer.get("error")
    return answer.get("ok") is False and isinstance(error, str) and error.startswith(BUSY_PREFIX)


def read_line(sock: socket.socket, buffer: bytearray) -> bytes | None:
    """The next line from ``sock`` (without the newline), None at end of stream.

    Raises ValueError when a line exceeds :data:`MAX_LINE` bytes (the stream cannot be
    resynchronised then: close it)."""
    while True:
        end = buffer.find(b"\n")
        if end >= 0:
            line = bytes(buffer[:end])
            del buffer[: end + 1]
            return line
        if len(buffer) >= MAX_LINE:
            raise ValueError(f"line longer than {MAX_LINE} bytes")
        chunk = sock.recv(MAX_LINE)
        if not chunk:
            return None
        buffer.extend(chunk)
