"""A simulated device on its link: the model, the impaired pipe both ways, and the event log.

:class:`SimulatedDevice` is what the ``sim://`` port and the pty/TCP servers drive. It is not
thread-safe: callers hold their own lock. Times are monotonic seconds of one clock.
"""

from __future__ import annotations

from tenscontrol.clock import Clock
from tenscontrol.sim.eventlog import EventLog, EventSink, NullSink
from tenscontrol.sim.faults import SimOptions
from tenscontrol.sim.link import Link
from tenscontrol.sim.model import DeviceModel


class SimulatedDevice:
    """Model + link, run lazily: every call first catches device time up to ``now``."""

    def __init__(self, options: SimOptions, clock: Clock, sink: EventSink | None = None) -> None:
        self.options = options
        self.clock = clock
        self._log: EventLog | None = None
        if sink is None:
            if options.log is not None:
                self._log = EventLog(options.log, clock)
                sink = self._log
            else:
                sink = NullSink()
        self.model = DeviceModel(clock.monotonic(), options, sink=sink)
        self.link = Link(options)
        # Time the device was last run up to with no host bytes since: running it again to
        # the same instant changes nothing, so it is skipped (the common case in virtual
        # time, where the host looks at the port several times per instant).
        self._settled_at: float | None = None

    def host_write(self, data: bytes, now: float) -> bytes:
        """The host sends ``data`` at ``now``; return bytes arriving at the host meanwhile."""
        arrived = self.pump(now)
        self.link.to_device.push(data, now)
        self._settled_at = None
        return arrived + self.pump(now)

    def pump(self, now: float) -> bytes:
        """Run link and device up to ``now`` in time order; return bytes arriving at the host."""
        model, link = self.model, self.link
        if now == self._settled_at:
            return link.to_host.pop_ready(now)
        if link.to_device.next_ready_time() is None and not link.to_host.latency:
            # Nothing from the host in flight and no delay towards it: one run of the model
            # up to ``now`` steps through the same events in the same order as the loop
            # below, and every byte it sends is ready at ``now`` either way.
            model.advance(now)
            link.to_host.push(model.take_output(), now)
            if model.unplugged:
                link.clear_all()
            self._settled_at = now
            return link.to_host.pop_ready(now)
        while True:
            in_flight = link.to_device.next_ready_time()
            device_due = model.next_event_time()
            step = min(device_due, in_flight if in_flight is not None else float("inf"))
            if step > now:
                break
            if in_flight is not None and in_flight <= device_due:
                model.receive(link.to_device.pop_ready(in_flight), in_flight)
            else:
                model.advance(step)
            link.to_host.push(model.take_output(), step)
        model.advance(now)
        link.to_host.push(model.take_output(), now)
        if model.unplugged:
            link.clear_all()
        self._settled_at = now
        return link.to_host.pop_ready(now)

    def next_time(self) -> float:
        """When something next happens by itself (device event or a byte arriving)."""
        in_flight = self.link.next_ready_time()
        device_due = self.model.next_event_time()
        return min(device_due, in_flight) if in_flight is not None else device_due

    def close(self) -> None:
        """Close the event log, if any. Idempotent."""
        if self._log is not None:
            self._log.close()
