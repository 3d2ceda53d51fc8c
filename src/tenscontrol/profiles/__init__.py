"""Stimulation profiles: the file format, loading, the dose check and the timeline.

Layers, each importing only downward: ``units`` -> ``schema`` (the TOML file model) ->
``model`` (integer units) -> ``loader`` / ``dose`` / ``timeline`` -> ``chart`` (preview).
"""

from tenscontrol.profiles.dose import DoseReport, Verdict, check_profile
from tenscontrol.profiles.loader import discover, load_file, resolve
from tenscontrol.profiles.model import Channel, Modulation, Phase, Profile
from tenscontrol.profiles.timeline import Stimulation, Timeline, stimulation_at

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
