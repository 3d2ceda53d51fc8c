"""Options of the simulated device: fault injection, link impairments, log file, channels.

The same option names are used in a ``sim://`` URL query (``sim://?seed=1&lead_off=1@2.5``),
in :func:`parse_query` for :func:`tenscontrol.sim.open_simulator`, and on the command line
of ``python -m tenscontrol.sim`` and ``tens simulate``. Every value is checked here; a bad
one raises :class:`~tenscontrol.errors.UserInputError` with one line naming the option and
the value. Times are device time since power-on (the model's creation), stored as integer
microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from urllib.parse import parse_qsl

from tenscontrol.errors import UserInputError

T = TypeVar("T")

US_PER_S = 1_000_000
#: Longest time an injection may be scheduled at (one day), seconds.
MAX_INJECTION_S = 86_400
#: Largest one-way link latency, milliseconds.
MAX_LATENCY_MS = 10_000
#: Largest injected over-delivery, percent above commanded.
MAX_OVERDELIVER_PERCENT = 1_000

#: Options that may be given more than once.
REPEATABLE = frozenset({"lead_off", "lead_on", "overdeliver"})
#: Every option, in the order ``--help`` and the README list them.
OPTION_NAMES = (
    "seed",
    "corrupt_rate",
    "drop_rate",
    "latency_ms",
    "lead_off",
    "lead_on",
    "reboot_at",
    "unplug_at",
    "overdeliver",
    "low_battery_at",
    "internal_fault_at",
    "log",
    "channels",
)
#: Only in a ``sim://`` URL: the name of a clock given to ``tenscontrol.sim.register_clock``.
URL_ONLY = ("clock",)
#: One line of help per option, for the command lines.
OPTION_HELP = {
    "seed": "Seed of the link's random impairments (default 0).",
    "corrupt_rate": "Probability that a byte is corrupted, both directions (0-1).",
    "drop_rate": "Probability that a frame is lost, both directions (0-1).",
    "latency_ms": "One-way link latency, ms.",
    "lead_off": "CH@SECONDS: electrode lead CH comes off then. Repeatable.",
    "lead_on": "CH@SECONDS: electrode lead CH is back then. Repeatable.",
    "reboot_at": "SECONDS: the device resets then (BOOT, output 0).",
    "unplug_at": "SECONDS: the port goes away then.",
    "overdeliver": "CH@SECONDS:PERCENT: channel CH delivers PERCENT more from then. Repeatable.",
    "low_battery_at": "SECONDS: the battery goes low then.",
    "internal_fault_at": "SECONDS: the hardware fails then (INTERNAL; every self-test fails).",
    "log": "JSON-lines file of device events (appended, mode 0600).",
    "channels": "Number of output channels, 1 or 2 (default 2).",
}

_CH_AT = re.compile(r"^(\d+)@([0-9.]+)$")
_CH_AT_PERCENT = re.compile(r"^(\d+)@([0-9.]+):(\d+)$")


@dataclass(frozen=True, slots=True)
class LeadChange:
    """Electrode lead of ``channel`` comes off (``off``) or back on at ``at_us``."""

    channel: int
    at_us: int
    off: bool


@dataclass(frozen=True, slots=True)
class OverDeliver:
    """From ``at_us`` on, ``channel``'s current source delivers ``percent`` % too much."""

    channel: int
    at_us: int
    percent: int


@dataclass(frozen=True, slots=True)
class SimOptions:
    """Everything that configures one simulated device. Times in us since power-on."""

    seed: int = 0
    corrupt_rate: float = 0.0
    drop_rate: float = 0.0
    latency_ms: int = 0
    lead_changes: tuple[LeadChange, ...] = ()
    reboot_at_us: int | None = None
    unplug_at_us: int | None = None
    overdeliver: tuple[OverDeliver, ...] = ()
    low_battery_at_us: int | None = None
    internal_fault_at_us: int | None = None
    log: str | None = None
    channels: int = 2
    clock: str | None = None

    @property
    def link_impaired(self) -> bool:
        """True if the link corrupts, drops or delays anything."""
        return self.corrupt_rate > 0 or self.drop_rate > 0 or self.latency_ms > 0


def parse_options(pairs: Iterable[tuple[str, str]], *, url: bool = False) -> SimOptions:
    """Check ``(name, value)`` pairs and build :class:`SimOptions`.

    ``url`` allows the URL-only options (``clock``). Raises :class:`UserInputError`.
    """
    seen: set[str] = set()
    values: dict[str, object] = {}
    leads: list[LeadChange] = []
    overs: list[OverDeliver] = []
    allowed = OPTION_NAMES + (URL_ONLY if url else ())
    for name, raw in pairs:
        if name not in allowed:
            raise UserInputError(
                f"unknown simulator option {name!r}", hint=f"known: {', '.join(allowed)}"
            )
        if name in seen and name not in REPEATABLE:
            raise UserInputError(f"simulator option {name} given twice")
        seen.add(name)
        value = raw.strip()
        if name in ("lead_off", "lead_on"):
            channel, at_us = _channel_at(name, value)
            leads.append(LeadChange(channel, at_us, off=name == "lead_off"))
        elif name == "overdeliver":
            overs.append(_overdeliver(value))
        else:
            values[name] = _single(name, value)
    options = SimOptions(
        seed=_get(values, "seed", int, 0),
        corrupt_rate=_get(values, "corrupt_rate", float, 0.0),
        drop_rate=_get(values, "drop_rate", float, 0.0),
        latency_ms=_get(values, "latency_ms", int, 0),
        lead_changes=tuple(leads),
        reboot_at_us=_get_opt(values, "reboot_at"),
        unplug_at_us=_get_opt(values, "unplug_at"),
        overdeliver=tuple(overs),
        low_battery_at_us=_get_opt(values, "low_battery_at"),
        internal_fault_at_us=_get_opt(values, "internal_fault_at"),
        log=_get_str(values, "log"),
        channels=_get(values, "channels", int, 2),
        clock=_get_str(values, "clock"),
    )
    named = [e.channel for e in options.lead_changes] + [e.channel for e in options.overdeliver]
    for channel in named:
        if channel > options.channels:
            raise UserInputError(
                f"simulator option names channel {channel}, but the device has {options.channels}"
            )
    return options


def option_flags(name: str) -> list[str]:
    """The command-line spellings of option ``name``: ``--corrupt-rate`` and ``--corrupt_rate``."""
    dashed = "--" + name.replace("_", "-")
    return [dashed] if "_" not in name else [dashed, "--" + name]


def option_metavar(name: str) -> str:
    """What the command-line help calls option ``name``'s value."""
    return "FILE" if name == "log" else "VALUE"


def parse_query(query: str, *, url: bool = False) -> SimOptions:
    """Options written as a URL query, ``seed=1&lead_off=1@2.5`` (``""``: the defaults).

    ``url`` allows the URL-only options (``clock``). Raises :class:`UserInputError`.
    """
    return parse_options(parse_qsl(query, keep_blank_values=True), url=url)


def collect_options(values: Mapping[str, str | Sequence[str] | None]) -> SimOptions:
    """Options from a command line's values by name: a string, a sequence of strings for a
    repeated option, None for an option not given. Raises :class:`UserInputError`."""
    pairs: list[tuple[str, str]] = []
    for name in OPTION_NAMES:
        value = values.get(name)
        if isinstance(value, str):
            pairs.append((name, value))
        elif value is not None:
            pairs.extend((name, item) for item in value)
    return parse_options(pairs)


def _single(name: str, value: str) -> object:
    if name == "seed":
        return _int(name, value, 0, 2**63 - 1)
    if name in ("corrupt_rate", "drop_rate"):
        return _rate(name, value)
    if name == "latency_ms":
        return _int(name, value, 0, MAX_LATENCY_MS)
    if name == "channels":
        return _int(name, value, 1, 2)
    if name in ("log", "clock"):
        if not value:
            raise UserInputError(f"simulator option {name} needs a value")
        return value
    return _seconds(name, value, value)


def _int(name: str, value: str, low: int, high: int) -> int:
    if not re.fullmatch(r"\d+", value):
        raise UserInputError(f"simulator option {name}={value!r}: not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise UserInputError(f"simulator option {name}={value}: must be {low} to {high}")
    return number


def _rate(name: str, value: str) -> float:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise UserInputError(f"simulator option {name}={value!r}: not a number") from None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(1):
        raise UserInputError(f"simulator option {name}={value}: must be 0 to 1")
    return float(number)


def _seconds(name: str, text: str, whole: str) -> int:
    """Seconds as text (at most 6 decimals) -> integer microseconds."""
    if not re.fullmatch(r"\d+(\.\d{1,6})?", text):
        raise UserInputError(
            f"simulator option {name}={whole!r}: seconds must be a number like 2 or 2.5"
        )
    micros = int(Decimal(text) * US_PER_S)
    if micros > MAX_INJECTION_S * US_PER_S:
        raise UserInputError(f"simulator option {name}={whole}: at most {MAX_INJECTION_S} s")
    return micros


def _channel(name: str, text: str, whole: str) -> int:
    channel = int(text)
    if not 1 <= channel <= 2:
        raise UserInputError(f"simulator option {name}={whole}: channel must be 1 or 2")
    return channel


def _channel_at(name: str, value: str) -> tuple[int, int]:
    match = _CH_AT.fullmatch(value)
    if match is None:
        raise UserInputError(f"simulator option {name}={value!r}: expected CH@SECONDS, e.g. 1@2.5")
    return _channel(name, match[1], value), _seconds(name, match[2], value)


def _overdeliver(value: str) -> OverDeliver:
    match = _CH_AT_PERCENT.fullmatch(value)
    if match is None:
        raise UserInputError(
            f"simulator option overdeliver={value!r}: expected CH@SECONDS:PERCENT, e.g. 1@3:50"
        )
    percent = int(match[3])
    if not 1 <= percent <= MAX_OVERDELIVER_PERCENT:
        raise UserInputError(
            f"simulator option overdeliver={value}: percent must be 1 to {MAX_OVERDELIVER_PERCENT}"
        )
    return OverDeliver(
        _channel("overdeliver", match[1], value),
        _seconds("overdeliver", match[2], value),
        percent,
    )


def _get(values: dict[str, object], name: str, kind: type[T], default: T) -> T:
    value = values.get(name, default)
    if not isinstance(value, kind):  # pragma: no cover - _single returns the right type
        raise TypeError(name)
    return value


def _get_opt(values: dict[str, object], name: str) -> int | None:
    value = values.get(name)
    return value if isinstance(value, int) else None


def _get_str(values: dict[str, object], name: str) -> str | None:
    value = values.get(name)
    return value if isinstance(value, str) else None
