"""The one error tree of tenscontrol.

Every error the package raises on purpose is a :class:`TensError`. The CLI is the only place
that maps these to exit codes: :class:`UserInputError` -> 2, :class:`DeviceError` -> 3,
:class:`SafetyStop` -> 4.
"""

from __future__ import annotations


class TensError(Exception):
    """Base of every deliberate tenscontrol error. ``hint`` is one line telling what to do."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UserInputError(TensError):
    """Bad input from a person: a flag, a profile, a port name. Never reaches the device."""


class ProfileError(UserInputError):
    """A profile file that does not validate. ``problems`` holds one line per problem."""

    def __init__(self, message: str, problems: list[str] | None = None, **kw: str | None) -> None:
        super().__init__(message, hint=kw.get("hint"))
        self.problems = problems if problems is not None else [message]


class DoseRefused(UserInputError):
    """A profile or intensity whose dose exceeds a refuse limit."""


class DeviceError(TensError):
    """Anything wrong with the device or the link to it."""


class ProtocolError(DeviceError):
    """A frame or message that does not follow firmware_protocol.md: the device, or the link
    to it, is not speaking the protocol (exit 3, like any other device problem)."""


class PayloadError(ProtocolError):
    """A payload that does not fit its type. ``code``/``field`` are what a NAK would carry
    (a :class:`~tenscontrol.protocol.constants.NakCode`)."""

    def __init__(self, message: str, *, code: int, field: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


class EncodeError(ProtocolError):
    """A message or frame that cannot be put on the wire: a field outside its wire range
    (named, with the range), not an integer, or too long. Nothing was sent; the message was
    built wrong, by the host or the simulator."""


class PortError(DeviceError):
    """A port that cannot be opened: not found, permission denied, busy, refused URL."""


class PortLost(DeviceError):
    """The port went away while in use (unplugged)."""


class DeviceRebooted(DeviceError):
    """The device sent BOOT while a connection was open: it reset, output was lost."""


class IncompatibleDevice(DeviceError):
    """The device speaks no protocol version this host supports, or is not a TENS device."""


class DeviceTimeout(DeviceError):
    """A request got no response before its deadline."""


#: What a person must do when a stop could not be confirmed (every stop path says it).
REMOVE_PADS = "remove the pads now and unplug the device"


class StopNotConfirmed(DeviceError):
    """The device acknowledged STOP but its telemetry did not show output 0 (after every
    attempt): the output may still be on."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint=REMOVE_PADS)


class LinkTooNoisy(DeviceError):
    """The frame error rate on the link went over the bound."""


class NakError(DeviceError):
    """The device refused a request with a NAK. ``code`` is the protocol's NAK code."""

    def __init__(self, message: str, *, code: int, field: int = 0, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.code = code
        self.field = field


class SafetyStop(TensError):
    """Output was stopped because a safety check tripped (fault, over-delivery, watchdog)."""


class DeviceFault(SafetyStop):
    """The device latched a fault. ``faults`` names them."""

    def __init__(self, message: str, *, faults: tuple[str, ...] = (), hint: str | None = None):
        super().__init__(message, hint=hint)
        self.faults = faults


class LimitViolation(SafetyStop):
    """A setpoint about to be sent broke the limit chain: a bug in the host, never clamped.

    The session engine turns it into an emergency stop.
    """


class OverDelivery(SafetyStop):
    """The host saw the device deliver more than it was commanded for too long."""


class WatchdogTripped(SafetyStop):
    """The device reports its host watchdog expired (HOST_LOST)."""


class HostStarved(WatchdogTripped):
    """The device's watchdog expired because this computer did not run the controller for
    longer than the watchdog period (the host's own frames were that far apart): the machine
    was overloaded or suspended. ``gap_ms`` is the longest gap the host saw."""

    def __init__(self, message: str, *, gap_ms: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.gap_ms = gap_ms


class NoSession(TensError):
    """No session is running: nobody holds the session lock. Exit 1."""


class ConformanceFailed(TensError):
    """``tens conformance``: at least one automatic check failed (the report says which).
    Exit 1: the device does not conform; nothing is wrong with the link or the input."""


class ControlUnavailable(DeviceError):
    """A session is running (it holds the lock) but its control endpoint did not answer,
    or answered that it is busy. Exit 3: its output may be on."""


class ControlBusy(ControlUnavailable):
    """The running session's endpoint answered that it has no room for one more client.
    Exit 3."""


class SessionBusy(UserInputError):
    """Another session already runs on this computer (it owns the control endpoint)."""


class Interrupted(BaseException):
    """A signal that ends the command before a session runs (raised in the main thread by
    :class:`~tenscontrol.session.signals.SignalGuard`). Like KeyboardInterrupt it is not an
    :class:`Exception`, so no ``except Exception`` on the way swallows it; every ``finally``
    (closing the port with a confirmed STOP) runs. The CLI exits 128 + ``signum``."""

    def __init__(self, signum: int, name: str) -> None:
        super().__init__(name)
        self.signum = signum
        self.name = name
