"""Session records, the health data a session leaves behind: where they live (private
folders and files), the JSON-lines log writer and its tolerant reader, and the SQLite index
(a cache, rebuilt from the logs). Below ``session``: it knows nothing of engines or devices.
"""

from typing import TYPE_CHECKING

from tenscontrol.lazy import lazy_exports

if TYPE_CHECKING:
    from tenscontrol.records.logreader import SessionRecord, read_log
    from tenscontrol.records.paths import data_dir

#: Public name -> the module that defines it (imported on first use).
_LAZY = {
    "SessionRecord": "logreader",
    "read_log": "logreader",
    "data_dir": "paths",
}

__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = ["SessionRecord", "data_dir", "read_log"]
