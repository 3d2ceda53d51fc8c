"""Private folders: created 0700, and checked to be this user's alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tenscontrol.files.refusals import DIR_MODE, FileRefused, kind_name, os_refusal


def check_private_folder(folder: Path, *, strict: bool = True) -> None:
    """Refuse ``folder`` unless it is a folder of this user that nobody else can write to
    (``strict``), or at least not everybody (not ``strict``: a data root a person chose,
    which may be group-writable for their own private group; names in it are still never
    followed as links).

    The folder itself may be reached through a link the person made (``TENS_HOME`` may be
    one); what counts is the folder at the end, as :func:`os.stat` sees it."""
    try:
        info = folder.stat()
    except OSError as error:
        raise os_refusal(folder, error) from None
    if not stat.S_ISDIR(info.st_mode):
        raise FileRefused(folder, f"is {kind_name(info.st_mode)}, not a folder")
    if info.st_uid != os.geteuid():
        raise FileRefused(folder, "belongs to another user")
    if info.st_mode & (0o022 if strict else 0o002):
        raise FileRefused(
            folder,
            f"can be written by other users (mode {info.st_mode & 0o777:o})",
            hint=f"chmod 700 {folder}",
        )


def private_dir(path: Path, *, tighten_existing: bool = True) -> Path:
    """Create ``path`` (and missing parents) with mode 0700, whatever the umask, and check it
    with :func:`check_private_folder`.

    An existing ``path`` is tightened to 0700 too, unless ``tighten_existing`` is False (the
    data root, which a person may have pointed at a folder of their own: then it is only
    checked, not strictly). Existing parents are never changed."""
    missing: list[Path] = []
    probe = path
    while not os.path.lexists(probe):
        missing.append(probe)
        probe = probe.parent
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=DIR_MODE, exist_ok=True)
            folder.chmod(DIR_MODE)  # mkdir's mode is masked by the umask
        if tighten_existing and not path.is_symlink():
            info = path.stat()
            if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid():
                path.chmod(DIR_MODE)
    except OSError as error:
        raise os_refusal(path, error) from None
    check_private_folder(path, strict=tighten_existing)
    return path
