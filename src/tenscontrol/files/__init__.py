"""The one place the product opens files: every file it writes, and every file it reads
from a path a person gave (hazard 17 in docs/safety.md).

Session records are health data, ``tens`` is often run by root on a small computer, and the
world is hostile: a path may be a symlink planted by another local user, a FIFO that blocks
forever, a device node, or a hard link to a system file. So, for every file written:

- **Regular files only.** A symlink as the final component is refused, never followed; a
  FIFO, socket, device node or folder is refused without blocking (``O_NONBLOCK``) and
  without writing a byte or changing its mode.
- **0600 from the first byte.** New files are created with mode 0600 (the umask can only
  narrow it); nothing is chmod-ed after data went in.
- **Replaced, never overwritten in place** (:class:`ReplacedFile`): the new content goes to
  a fresh 0600 file in the same folder, which is renamed over the path. A hard link to
  another file, or the old file's wider mode, is left alone; an export is never torn.
- **Appended only to the product's own kind of file** (:func:`open_append`): a regular file
  of this user, with one link, whose first bytes the caller recognises.
- **Private folders are checked** (:func:`check_private_folder`): a folder of the data or
  runtime area must be a folder owned by this user that nobody else can write to; then no
  other user can swap a name in it between a check and an open.

Every refusal is a :class:`FileRefused` (a :class:`~tenscontrol.errors.UserInputError`,
exit 2) whose message names the path and why. ``-`` for an output option means standard
output (:func:`is_stdout`).
"""

from tenscontrol.files.folders import check_private_folder, private_dir
from tenscontrol.files.opening import (
    KIND_PROBE_BYTES,
    READ_LIMIT_BYTES,
    check_absent_or_regular,
    first_json_object,
    open_append,
    open_lock,
    open_new,
    open_regular,
    read_regular,
)
from tenscontrol.files.refusals import DIR_MODE, FILE_MODE, FileRefused, kind_name
from tenscontrol.files.replacing import Publish, ReplacedFile, is_stdout, output

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "KIND_PROBE_BYTES",
    "READ_LIMIT_BYTES",
    "FileRefused",
    "Publish",
    "ReplacedFile",
    "check_absent_or_regular",
    "check_private_folder",
    "first_json_object",
    "is_stdout",
    "kind_name",
    "open_append",
    "open_lock",
    "open_new",
    "open_regular",
    "output",
    "private_dir",
    "read_regular",
]
