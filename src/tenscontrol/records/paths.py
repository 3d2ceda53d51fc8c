"""Where session data lives, and private files and folders for it.

The data dir is ``$TENS_HOME`` when set, else ``platformdirs.user_data_dir("tenscontrol")``.
Inside it: ``sessions/<id>.jsonl`` (one log per session), ``sessions.sqlite3`` (the index,
rebuildable from the logs) and ``config.toml`` (optional user caps). Folders are created
with mode 0700 and files with 0600, whatever the umask, through :mod:`tenscontrol.files`
(the one place files are opened): a person's treatment record is nobody else's business.
Nothing here sends anything anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


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
