"""What the driver knows about the device: identity, effective limits, telemetry, link stats."""

from __future__ import annotations

import logging
import statistics
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from tenscontrol import hard_limits
from tenscontrol.errors import IncompatibleDevice, TensError
from tenscontrol.protocol import ChannelCapabilities, Identity, IdentityFlag, Pattern, Telemetry
from tenscontrol.protocol.constants import TELEMETRY_PERIOD_MS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """The device as the handshake found it. ``channels`` are the *effective* limits:
    the device's own, shrunk to the hard ceilings where it claims more."""

    identity: Identity
    protocol_version: int
    channels: tuple[ChannelCapabilities, ...]

    @property
    def is_simulator(self) -> bool:
        """True when the device says it is the simulator (IDENTITY SIMULATOR flag)."""
        return IdentityFlag.SIMULATOR in self.identity.flags

    @property
    def firmware(self) -> str:
        """Firmware version as ``major.minor.patch``."""
        return ".".join(str(part) for part in self.identity.firmware)


def effective_capabilities(caps: ChannelCapabilities, channel: int) -> ChannelCapabilities:
    """Shrink a channel's advertised limits to the hard ceilings (never widen them).

    Raises :class:`IncompatibleDevice` if nothing usable is left.
    """
    capped = replace(
        caps,
        max_amplitude_ua=min(caps.max_amplitude_ua, hard_limits.MAX_AMPLITUDE_UA),
        rate_min_mhz=max(caps.rate_min_mhz, hard_limits.MIN_PULSE_RATE_MHZ),
        rate_max_mhz=min(caps.rate_max_mhz, hard_limits.MAX_PULSE_RATE_MHZ),
        width_min_us=max(caps.width_min_us, hard_limits.MIN_PHASE_WIDTH_US),
        width_max_us=min(caps.width_max_us, hard_limits.MAX_PHASE_WIDTH_US),
        burst_rate_min_mhz=max(caps.burst_rate_min_mhz, hard_limits.MIN_BURST_RATE_MHZ),
        burst_rate_max_mhz=min(caps.burst_rate_max_mhz, hard_limits.MAX_BURST_RATE_MHZ),
        pulses_per_burst_min=max(caps.pulses_per_burst_min, hard_limits.MIN_PULSES_PER_BURST),
        pulses_per_burst_max=min(caps.pulses_per_burst_max, hard_limits.MAX_PULSES_PER_BURST),
    )
    if capped.rate_min_mhz > capped.rate_max_mhz or capped.width_min_us > capped.width_max_us:
        raise IncompatibleDevice(
            f"channel {channel}: the device's pulse ranges do not overlap the safe ranges "
            f"(rate {caps.rate_min_mhz}-{caps.rate_max_mhz} mHz, "
            f"width {caps.width_min_us}-{caps.width_max_us} us)"
        )
    burst_bit = 1 << Pattern.BURST
    burst_empty = (
        capped.burst_rate_min_mhz > capped.burst_rate_max_mhz
        or capped.pulses_per_burst_min > capped.pulses_per_burst_max
    )
    if capped.patterns & burst_bit and burst_empty:
        # The device's burst ranges do not overlap the safe ones: burst mode is unusable on
        # this channel (a profile asking for it is refused), continuous pulses still are.
        capped = replace(capped, patterns=capped.patterns & ~burst_bit)
    if not capped.patterns >> Pattern.CONTINUOUS & 1 and not capped.patterns & burst_bit:
        raise IncompatibleDevice(
            f"channel {channel}: no pulse pattern is left within the safe ranges "
            f"(burst rate {caps.burst_rate_min_mhz}-{caps.burst_rate_max_mhz} mHz, "
            f"{caps.pulses_per_burst_min}-{caps.pulses_per_burst_max} pulses per burst)"
        )
    if capped.waveforms & 0b11 == 0:
        raise IncompatibleDevice(f"channel {channel}: no balanced biphasic waveform offered")
    return capped


def device_info(identity: Identity) -> DeviceInfo:
    """Check an IDENTITY and derive the effective limits from it."""
    count = len(identity.channels)
    if not 1 <= count <= hard_limits.MAX_CHANNELS:
        raise IncompatibleDevice(
            f"the device has {count} channels; this host drives 1 to {hard_limits.MAX_CHANNELS}"
        )
    shortest, longest = identity.watchdog_min_ms, identity.watchdog_max_ms
    lowest, highest = hard_limits.MIN_WATCHDOG_MS, hard_limits.MAX_WATCHDOG_MS
    if not lowest <= shortest <= longest <= highest:
        raise IncompatibleDevice(
            f"the device's watchdog range is {shortest}-{longest} ms; "
            f"this host needs one within {lowest}-{highest} ms"
        )
    if identity.telemetry_period_ms != TELEMETRY_PERIOD_MS:
        # Over-delivery, lost telemetry and the STOP confirmation are judged at 50 ms.
        raise IncompatibleDevice(
            f"the device sends telemetry every {identity.telemetry_period_ms} ms; "
            f"protocol 1 fixes it at {TELEMETRY_PERIOD_MS} ms"
        )
    channels = tuple(
        effective_capabilities(caps, number) for number, caps in enumerate(identity.channels, 1)
    )
    return DeviceInfo(identity, identity.selected_version, channels)


@dataclass(frozen=True, slots=True)
class TelemetrySample:
    """A TELEMETRY frame and when it arrived (``at``: the driver clock, seconds)."""

    at: float
    seq: int
    telemetry: Telemetry


@dataclass(frozen=True, slots=True)
class LinkFailed:
    """The link failed for good; ``error`` says how. Output is 0 or the watchdog makes it so."""

    at: float
    error: TensError


DeviceEvent = TelemetrySample | LinkFailed

#: How many of the latest received frames the link-quality figures cover.
NOISE_WINDOW_FRAMES = 200
Subscriber = Callable[[DeviceEvent], None]


class Subscribers:
    """The callbacks told of every device event. Changed under a lock; :attr:`current` is
    replaced whole on every change, so the reading thread uses it without the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: tuple[Subscriber, ...] = ()

    def add(self, callback: Subscriber) -> None:
        """Tell ``callback`` of every event from now on."""
        with self._lock:
            self.current = (*self.current, callback)

    def remove(self, callback: Subscriber) -> None:
        """Stop telling ``callback`` (no error if it was not there)."""
        with self._lock:
            if callback in self.current:
                callbacks = list(self.current)
                callbacks.remove(callback)
                self.current = tuple(callbacks)

    @staticmethod
    def notify(callbacks: tuple[Subscriber, ...], event: DeviceEvent) -> None:
        """Call each of ``callbacks`` with ``event``; a broken one is logged and never stops
        the others or the link."""
        for callback in callbacks:
            try:
                callback(event)
            except Exception:
                log.exception("telemetry subscriber failed")


class LinkStats:
    """Counters of the link, safe to read from any thread. Round trips in seconds."""

    def __init__(self, window: int = 512) -> None:
        self._lock = threading.Lock()
        self.frames_in = 0
        self.frames_out = 0
        self.frame_errors = 0
        self.device_frame_errors = 0
        self.telemetry_lost = 0
        self.retries = 0
        self.timeouts = 0
        self._rtts: deque[float] = deque(maxlen=window)
        self._recent: deque[bool] = deque(maxlen=NOISE_WINDOW_FRAMES)
        self._recent_dropped = 0  # False entries in ``_recent``, kept as it changes

    def frame(self, ok: bool) -> None:
        """Count one received frame, good or dropped."""
        with self._lock:
            if ok:
                self.frames_in += 1
            else:
                self.frame_errors += 1
            recent = self._recent
            if len(recent) == recent.maxlen and not recent[0]:
                self._recent_dropped -= 1  # the oldest, a dropped frame, falls out
            recent.append(ok)
            if not ok:
                self._recent_dropped += 1

    def rtt(self, seconds: float) -> None:
        """Record one request's round-trip time."""
        with self._lock:
            self._rtts.append(seconds)

    def recent_error_count(self) -> tuple[int, int]:
        """(dropped, total) over the last :data:`NOISE_WINDOW_FRAMES` received frames."""
        with self._lock:
            return self._recent_dropped, len(self._recent)

    def rtt_summary(self) -> tuple[float, float] | None:
        """(median, p99) of recent round trips in seconds, or None before any."""
        with self._lock:
            samples = sorted(self._rtts)
        if not samples:
            return None
        p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
        return statistics.median(samples), p99

    def quality(self) -> float:
        """Share of recent frames that arrived intact, 0.0-1.0 (1.0 before any)."""
        dropped, total = self.recent_error_count()
        return 1.0 if total == 0 else 1.0 - dropped / total
