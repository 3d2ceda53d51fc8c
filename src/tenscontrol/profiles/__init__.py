"""Stimulation profiles: the file format, loading, the dose check and the timeline.

Layers, each importing only downward: ``units`` / ``text`` -> ``fields`` (one value's
type and bounds) -> ``schema`` (the TOML file model) ->
``model`` (integer units) -> ``loader`` / ``dose`` / ``timeline`` -> ``chart`` (preview).
"""

from typing import TYPE_CHECKING

from tenscontrol.lazy import lazy_exports

if TYPE_CHECKING:
    from tenscontrol.profiles.dose import DoseReport, Verdict, check_profile
    from tenscontrol.profiles.loader import discover, load_file, resolve
    from tenscontrol.profiles.model import Channel, Modulation, Phase, Profile
    from tenscontrol.profiles.timeline import Stimulation, Timeline, stimulation_at

#: Imported on first use: ``tenscontrol.profiles.units`` alone must not load pydantic.
_LAZY = {
    "DoseReport": "dose",
    "Verdict": "dose",
    "check_profile": "dose",
    "discover": "loader",
    "load_file": "loader",
    "resolve": "loader",
    "Channel": "model",
    "Modulation": "model",
    "Phase": "model",
    "Profile": "model",
    "Stimulation": "timeline",
    "Timeline": "timeline",
    "stimulation_at": "timeline",
}
__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "Channel",
    "DoseReport",
    "Modulation",
    "Phase",
    "Profile",
    "Stimulation",
    "Timeline",
    "Verdict",
    "check_profile",
    "discover",
    "load_file",
    "resolve",
    "stimulation_at",
]
