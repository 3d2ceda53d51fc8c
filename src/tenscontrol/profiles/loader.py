"""Find, read and validate profile files; every problem becomes one line naming file and field.

Where profiles are found:

* built-in: the package's ``builtin_profiles`` folder (``src/tenscontrol/builtin_profiles``
  in the repository), read as package resources, so one lookup serves a checkout, an
  editable install, an installed wheel and a zipped one alike;
* the user folder: ``$TENS_HOME/profiles`` if ``TENS_HOME`` is set, else
  ``platformdirs.user_data_dir("tenscontrol")/profiles``;
* any file path given directly.

A name is looked up as ``<name>.toml``. When a user profile has a built-in's name, the
**built-in wins** and a warning names both files: a file dropped into the user folder must
never silently change what a well-known name does. To run the user's file, pass its path.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import IO

import platformdirs
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from tenscontrol import hard_limits as hl
from tenscontrol.errors import ProfileError
from tenscontrol.files import FileRefused, open_regular
from tenscontrol.profiles.model import Profile, to_profile
from tenscontrol.profiles.schema import ProfileFile
from tenscontrol.profiles.text import check_name
from tenscontrol.profiles.units import MA_TO_UA, fmt_number

#: Larger files are refused; no more than this + 1 byte is ever read (a format bound, not a
#: stimulation limit).
MAX_PROFILE_BYTES = 1_000_000
SUFFIX = ".toml"
#: The folder of the ``tenscontrol`` package the built-in profiles ship in.
BUILTIN_FOLDER = "builtin_profiles"

Warn = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Entry:
    """A profile file found in a folder: its name (the file stem), where it is and its origin.

    ``path`` is a :class:`~pathlib.Path` for a user file; a built-in's is a package resource
    (a ``Traversable``: a real path, or an entry of a zipped install). Both print as a path.
    """

    name: str
    path: Traversable
    builtin: bool


def builtin_dir() -> Traversable:
    """The folder of built-in profiles, a resource of the ``tenscontrol`` package."""
    return resources.files("tenscontrol").joinpath(BUILTIN_FOLDER)


def user_dir() -> Path:
    """The user's profile folder (it may not exist yet)."""
    home = os.environ.get("TENS_HOME")
    if home:
        return Path(home) / "profiles"
    return Path(platformdirs.user_data_dir("tenscontrol")) / "profiles"


def _stem(path: Traversable) -> str:
    """The file name without its suffix (``Traversable`` has no ``stem``)."""
    return PurePosixPath(path.name).stem


def _entries(folder: Traversable, *, builtin: bool) -> list[Entry]:
    if not folder.is_dir():
        return []
    found = (
        Entry(_stem(p), p, builtin)
        for p in folder.iterdir()
        if p.name.endswith(SUFFIX) and p.is_file()
    )
    return sorted(found, key=lambda e: e.name)


def discover(warn: Warn | None = None) -> list[Entry]:
    """Every profile file by name: built-ins, then user files whose names are free.

    A user file with a built-in's name is left out and reported through ``warn``.
    """
    found = {e.name: e for e in _entries(builtin_dir(), builtin=True)}
    for entry in _entries(user_dir(), builtin=False):
        if entry.name in found:
            if warn is not None:
                warn(_clash(entry.path, found[entry.name].path))
            continue
        found[entry.name] = entry
    return sorted(found.values(), key=lambda e: (not e.builtin, e.name))


def _clash(user: Traversable, builtin: Traversable) -> str:
    return (
        f"user profile {user} has the same name as built-in profile {builtin}; using the"
        " built-in (rename yours, or pass its path to use it)"
    )


def looks_like_path(ref: str) -> bool:
    """True when a command-line reference names a file rather than a profile name.

    Only a ``.toml`` suffix or a path separator makes a path: a stray file in the current
    folder named like a built-in must never shadow it.
    """
    return ref.endswith(SUFFIX) or "/" in ref or os.sep in ref


def resolve(ref: str, warn: Warn | None = None) -> Profile:
    """Load a profile by name (built-in first, then the user folder) or by file path.

    Raises :class:`ProfileError` (exit code 2) when it is not found or does not validate.
    """
    if looks_like_path(ref):
        return load_file(Path(ref))
    try:
        check_name(ref)
    except ValueError as error:
        raise ProfileError(f"profile name {ref[:60]!r}: {error}") from None
    builtin = builtin_dir() / f"{ref}{SUFFIX}"
    user = user_dir() / f"{ref}{SUFFIX}"
    if builtin.is_file():
        if user.is_file() and warn is not None:
            warn(_clash(user, builtin))
        return load_file(builtin, builtin=True)
    if user.is_file():
        return load_file(user)
    names = ", ".join(e.name for e in discover()) or "none"
    raise ProfileError(
        f"no profile named {ref!r} (known: {names})",
        hint="run `tens profile list`, or pass the path of a .toml file",
    )


def read_text(path: Traversable) -> str:
    """A profile file's text: refused when missing, over 1 MB, binary or not UTF-8.

    Never reads more than 1 MB + 1 byte, whatever the file is (a device, a pipe)."""
    try:
        # A path a person gave is opened through files.open_regular: a FIFO or device is
        # refused at once instead of blocking forever (importlib's Traversable cannot do that).
        handle = os.fdopen(open_regular(path), "rb") if isinstance(path, Path) else path.open("rb")
        with handle:
            data = handle.read(MAX_PROFILE_BYTES + 1)
            size = _size(handle) if len(data) > MAX_PROFILE_BYTES else None
    except FileRefused as refused:
        raise _one(path, refused.why) from None
    except OSError as error:
        raise _one(path, f"cannot read: {error.strerror or error}") from None
    if len(data) > MAX_PROFILE_BYTES:
        told = f"{size:,} bytes" if size is not None and size > MAX_PROFILE_BYTES else "over 1 MB"
        raise _one(path, f"file is {told}; profiles may be at most 1 MB")
    if b"\x00" in data:
        raise _one(path, "binary file (contains NUL bytes); a profile is UTF-8 TOML text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _one(
            path, f"not UTF-8 text (bad byte at offset {error.start}); save it as UTF-8"
        ) from None


def _size(handle: IO[bytes]) -> int | None:
    """The size of an open file in bytes, None for a handle without a file (an entry of a zip)."""
    try:
        return os.fstat(handle.fileno()).st_size
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None


def load_file(path: Traversable, *, builtin: bool = False) -> Profile:
    """Read, parse and validate one profile file; the profile carries ``path``, ``builtin``
    and the ``sha256`` of the bytes read (its origin, for the session log).

    Raises one :class:`ProfileError` listing every problem, one line each.
    """
    text = read_text(path)
    if text.startswith("\ufeff"):
        raise _one(path, "starts with a byte-order mark (BOM): save it as UTF-8 without BOM")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _one(path, f"not valid TOML: {error}") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise _one(
            path, "not valid TOML for a profile: arrays or tables nested too deeply"
        ) from None
    try:
        data = ProfileFile.model_validate(raw)
    except ValidationError as error:
        raise _many(path, [format_problem(e) for e in error.errors()]) from None
    problems: list[str] = []
    in_user_folder = isinstance(path, Path) and path.parent.resolve() == user_dir().resolve()
    if (builtin or in_user_folder) and data.name != _stem(path):
        problems.append(f"name: {data.name!r} must match the file name {path.name!r}")
    # The digest of the bytes read: strict UTF-8 decoding and encoding round-trip exactly,
    # so hashing the text again gives the file's own sha256 (what the session log records).
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    profile = replace(to_profile(data, path=path, builtin=builtin), sha256=digest)
    if builtin:
        problems.extend(
            f"channels[{c.number - 1}].ceiling_ma: built-in profiles may ask for at most"
            f" {fmt_number(hl.BUILTIN_PROFILE_MAX_AMPLITUDE_UA, MA_TO_UA)} mA"
            for c in profile.channels
            if c.ceiling_ua > hl.BUILTIN_PROFILE_MAX_AMPLITUDE_UA
        )
    if problems:
        raise _many(path, problems)
    return profile


def field_path(loc: tuple[int | str, ...]) -> str:
    """``('phases', 1, 'rate_hz')`` -> ``phases[1].rate_hz``; empty -> ``(top level)``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


_FRIENDLY = {
    "extra_forbidden": "unknown key (check the spelling; `tens profile schema` lists the keys)",
    "missing": "required key is missing",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "string_type": "must be text in quotes",
    "bool_type": "must be true or false",
    "list_type": "must be a list (a [[table]] array)",
    "model_type": "must be a table",
    "finite_number": "must be a finite number (not nan or inf)",
}


def _sized(error: ErrorDetails) -> str | None:
    """Length errors in words: ``must have at most 2 items (got 3)``."""
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind in ("too_long", "too_short"):
        bound = ctx.get("max_length" if kind == "too_long" else "min_length")
        most = "most" if kind == "too_long" else "least"
        return f"must have at {most} {bound} item(s) (got {ctx.get('actual_length')})"
    if kind in ("string_too_long", "string_too_short"):
        bound = ctx.get("max_length" if kind == "string_too_long" else "min_length")
        most = "most" if kind == "string_too_long" else "least"
        return f"must be at {most} {bound} character(s) long"
    return None


def format_problem(error: ErrorDetails) -> str:
    """One pydantic error as ``field.path: what is wrong (got ...)`` without the file name."""
    kind = error["type"]
    message = _FRIENDLY.get(kind) or _sized(error) or error["msg"].removeprefix("Value error, ")
    message = message.replace("Input should be", "must be", 1)
    if kind in ("float_type", "int_type", "string_type", "bool_type", "model_type", "list_type"):
        message += f" (got {_describe(error.get('input'))})"
    return f"{field_path(tuple(error['loc']))}: {message}"


#: TOML's names for the Python values tomllib gives back.
_TOML_KINDS = {
    bool: "true/false",
    int: "a whole number",
    float: "a number",
    str: "text",
    list: "an array",
    dict: "a table",
    datetime.datetime: "a date-time",
    datetime.date: "a date",
    datetime.time: "a time",
}


def _describe(value: object) -> str:
    """What the file had, in TOML's words: ``a date 2024-01-01``, ``a table``."""
    kind = _TOML_KINDS.get(type(value), type(value).__name__)
    if isinstance(value, dict | list):
        return kind
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = value.isoformat() if isinstance(value, datetime.date | datetime.time) else str(value)
    text = text if len(text) <= 40 else text[:36] + "..."
    return f"{kind} {text!r}" if isinstance(value, str) else f"{kind} {text}"


def _one(path: Traversable, problem: str) -> ProfileError:
    return ProfileError(f"{path}: {problem}", problems=[f"{path}: {problem}"])


def _many(path: Traversable, problems: list[str]) -> ProfileError:
    lines = [f"{path}: {p}" for p in problems]
    summary = lines[0] if len(lines) == 1 else f"{path}: {len(lines)} problems"
    return ProfileError(summary, problems=lines)
