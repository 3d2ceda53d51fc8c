"""Run the simulator as a separate process (``python -m tenscontrol.sim``) and learn its
port: for tests, benchmarks and demos that need the simulator outside the host process
(as a real device is). Needs nothing of the CLI package."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import TracebackType


class SimulatorProcess:
    """``python -m tenscontrol.sim ARGS`` in a child process (ARGS as ``tens simulate``'s).

    ``port`` is what its first stdout line names. Use as a context manager: leaving the block
    sends SIGTERM and waits for the exit (the simulator then exits 0). ``program``: another
    device process that keeps the same contract (``port:`` first, exit on SIGTERM), such as
    the reference firmware's ``firmware/build/tens-fw-posix``, run instead with ARGS.
    """

    def __init__(
        self,
        args: Sequence[str] = ("--pty",),
        *,
        startup_s: float = 10.0,
        program: Sequence[str] | None = None,
    ) -> None:
        prefix = [sys.executable, "-m", "tenscontrol.sim"] if program is None else list(program)
        command = [*prefix, *args]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.port = self._read_port(startup_s)

    def _read_port(self, startup_s: float) -> str:
        stdout = self.process.stdout
        if stdout is None:
            raise RuntimeError("simulator has no stdout")
        deadline = time.monotonic() + startup_s
        while time.monotonic() < deadline:
            ready, _, _ = select.select([stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            line = stdout.readline()
            if not line:
                break
            if line.startswith("port: "):
                return line.removeprefix("port: ").strip()
        self.stop()
        stderr = self.process.stderr.read() if self.process.stderr else ""
        raise RuntimeError(f"simulator did not print its port: {stderr.strip()}")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 5.0) -> int:
        """Send ``sig`` and wait for the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                return self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()

    def __enter__(self) -> SimulatorProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()
