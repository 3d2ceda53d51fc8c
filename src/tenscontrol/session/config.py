"""User caps: an optional ``config.toml`` in the data dir that lowers the ceiling per channel.

```toml
[caps]
channel1_max_ma = 30
channel2_max_ma = 25.5
```

A missing file (or a missing key) means no extra cap. A cap only ever narrows the limit
chain: values above the hard ceiling, zero, negative, NaN or with more than 3 decimals
(finer than 1 uA) are refused with :class:`~tenscontrol.errors.UserInputError`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from tenscontrol import hard_limits as hl
from tenscontrol.errors import UserInputError
from tenscontrol.files import read_regular
from tenscontrol.profiles.units import MA_TO_UA, in_range
from tenscontrol.records.paths import config_path

#: Larger config files are refused unread (format bound, not a stimulation limit).
MAX_CONFIG_BYTES = 64_000


class _Caps(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    channel1_max_ma: float | int | None = None
    channel2_max_ma: float | int | None = None

    @field_validator("channel1_max_ma", "channel2_max_ma")
    @classmethod
    def _bounded(cls, value: float | int | None) -> float | int | None:
        if value is not None:
            in_range(
                value, scale=MA_TO_UA, low=1, high=hl.MAX_AMPLITUDE_UA, unit="mA", step="0.001"
            )
        return value


class _ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    caps: _Caps = _Caps()


@dataclass(frozen=True, slots=True)
class UserCaps:
    """Per-channel caps in uA (channel number -> cap); a channel not named has no cap."""

    max_ua: dict[int, int] = field(default_factory=dict)
    source: str | None = None

    def cap(self, channel: int) -> int | None:
        """The cap of ``channel`` in uA, or None."""
        return self.max_ua.get(channel)


def load_caps(path: Path | None = None) -> UserCaps:
    """Read the user caps from ``path`` (default: the data dir's config.toml); none if absent."""
    path = path or config_path()
    try:
        data = read_regular(path, limit=MAX_CONFIG_BYTES)  # a FIFO is refused, never waited on
    except (FileNotFoundError, NotADirectoryError):  # no settings: no caps
        return UserCaps()
    except OSError as error:
        raise UserInputError(f"{path}: cannot read: {error.strerror}") from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
        parsed = _ConfigFile.model_validate(raw)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UserInputError(f"{path}: not valid UTF-8 TOML: {error}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise UserInputError(f"{path}: {problems}") from None
    caps: dict[int, int] = {}
    for number, value in ((1, parsed.caps.channel1_max_ma), (2, parsed.caps.channel2_max_ma)):
        if value is not None:
            caps[number] = in_range(
                value, scale=MA_TO_UA, low=1, high=hl.MAX_AMPLITUDE_UA, unit="mA", step="0.001"
            )
    return UserCaps(caps, str(path))
