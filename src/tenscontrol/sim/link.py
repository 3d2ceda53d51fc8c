"""The impaired byte pipe between host and simulated device: corrupt, drop, delay.

Deterministic for a seed: each direction has its own :class:`random.Random`, seeded from
the seed and the direction's name, and draws from it byte by byte in stream order, so the
same byte stream with the same seed is impaired the same way however it is chunked.

- ``corrupt_rate``: each byte is XORed with a random non-zero byte with this probability.
- ``drop_rate``: each frame (the bytes up to and including a ``0x00`` delimiter) is lost
  with this probability; its delimiter still arrives, so the receiver sees an empty frame
  (ignored) instead of two frames run together.
- ``latency_ms``: every byte arrives this long after it was sent.
"""

from __future__ import annotations

import random
from collections import deque

from tenscontrol.sim.faults import SimOptions


class Pipe:
    """One direction of the link. Times are monotonic seconds of the caller's clock."""

    def __init__(self, name: str, options: SimOptions) -> None:
        self._random = random.Random(f"{options.seed}:{name}")
        self._corrupt = options.corrupt_rate
        self._drop = options.drop_rate
        self._latency = options.latency_ms / 1_000
        self.latency = self._latency  # seconds every byte spends in this pipe
        self._queue: deque[tuple[float, bytes]] = deque()
        self._frame_start = True
        self._dropping = False
        self.bytes_corrupted = 0
        self.frames_dropped = 0

    def push(self, data: bytes, now: float) -> None:
        """Send ``data`` at time ``now``; it becomes readable at ``now + latency``."""
        if not data:
            return
        if self._corrupt > 0 or self._drop > 0:
            data = self._impair(data)
        if data:
            self._queue.append((now + self._latency, data))

    def pop_ready(self, now: float) -> bytes:
        """Every byte that has arrived by ``now``."""
        queue = self._queue
        if not queue or queue[0][0] > now:
            return b""
        out = bytearray()
        while queue and queue[0][0] <= now:
            out += queue.popleft()[1]
        return bytes(out)

    def next_ready_time(self) -> float | None:
        """When the next byte in flight arrives, or None if nothing is in flight."""
        return self._queue[0][0] if self._queue else None

    def clear(self) -> None:
        """Forget everything in flight."""
        self._queue.clear()

    def _impair(self, data: bytes) -> bytes:
        out = bytearray()
        rng = self._random
        for byte in data:
            if self._frame_start:
                self._frame_start = False
                self._dropping = self._drop > 0 and rng.random() < self._drop
                if self._dropping:
                    self.frames_dropped += 1
            if byte == 0:
                self._frame_start = True
                dropping, self._dropping = self._dropping, False
                if dropping:
                    out.append(0)
                    continue
            if self._dropping:
                continue
            if self._corrupt > 0 and rng.random() < self._corrupt:
                byte ^= rng.randrange(1, 256)
                self.bytes_corrupted += 1
            out.append(byte)
        return bytes(out)


class Link:
    """Both directions: ``to_device`` (host writes) and ``to_host`` (device output)."""

    def __init__(self, options: SimOptions) -> None:
        self.to_device = Pipe("to_device", options)
        self.to_host = Pipe("to_host", options)

    def next_ready_time(self) -> float | None:
        """Earliest arrival in either direction, or None."""
        if not self.to_device._queue and not self.to_host._queue:
            return None  # nothing in flight either way (the common case)
        to_device, to_host = self.to_device.next_ready_time(), self.to_host.next_ready_time()
        if to_device is None or to_host is None:
            return to_host if to_device is None else to_device
        return to_device if to_device <= to_host else to_host

    def clear_all(self) -> None:
        """Forget everything in flight both ways (the port went away)."""
        self.to_device.clear()
        self.to_host.clear()
