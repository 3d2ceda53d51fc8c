"""Where session data lives, and private files and folders for it.

The data dir is ``$TENS_HOME`` when set, else ``platformdirs.user_data_dir("tenscontrol")``.
Inside it: ``sessions/<id>.jsonl`` (one log per session), ``sessions.sqlite3`` (the index,
rebuildable from the logs) and ``config.toml`` (optional user caps). Folders are created
with mode 0700 and files with 0600, whatever the umask: a person's treatment record is
nobody else's business. Nothing here sends anything anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DIR_MODE = 0o700
FILE_MODE = 0o600


def data_dir() -> Path:
    """The data folder (it may not exist yet)."""
    home = os.environ.get("TENS_HOME")
    if home:
        return Path(home)
    return Path(platformdirs.user_data_dir("tenscontrol"))


def sessions_dir(root: Path | None = None) -> Path:
    """Folder of the session logs."""
    return (root or data_dir()) / "sessions"


def index_path(root: Path | None = None) -> Path:
    """The SQLite index of sessions."""
    return (root or data_dir()) / "sessions.sqlite3"


def config_path(root: Path | None = None) -> Path:
    """The optional user settings file."""
    return (root or data_dir()) / "config.toml"


def private_dir(path: Path, *, tighten_existing: bool = True) -> Path:
    """Create ``path`` (and missing parents) with mode 0700, whatever the umask.

    An existing ``path`` is tightened to 0700 too, unless ``tighten_existing`` is False (the
    data root, which a person may have pointed at a folder of their own). Existing parents
    are never changed.
    """
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        folder.chmod(DIR_MODE)  # mkdir's mode is masked by the umask
    if tighten_existing:
        path.chmod(DIR_MODE)
    return path


def open_private(path: Path, *, append: bool = False, exclusive: bool = False) -> int:
    """Open ``path`` for writing with mode 0600 (never wider, whatever the umask); a fd."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC
    flags |= os.O_APPEND if append else 0
    flags |= os.O_EXCL if exclusive else 0
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return fd
