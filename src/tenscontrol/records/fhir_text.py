"""What the FHIR export says in words (:mod:`tenscontrol.records.fhir`): a session's profile
and its parameters, its channels, how long it ran and how it ended, as short sentences for
``Annotation.text`` and ``CodeableConcept.text``.

Read from a log header's dicts (the profile as run: rates in mHz, widths in us, times in
ms, currents in uA, areas in mm2), never from the profiles package (records imports no
layer). Shown to a person in everyday units: Hz, us, mA, cm2, s/min/h. Nothing here names
a person: a user profile's file path (``/home/NAME/...``) is left out, its sha256 says which
file it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenscontrol.records.logreader import LOG_WRITE_FAILED, SessionRecord
from tenscontrol.records.skin import channel_areas

#: The summary reason of a session that ran to its end (``session.events.StopReason``'s
#: value; records knows nothing of sessions).
COMPLETED = "completed"
#: Units of the header: mHz per Hz, uA per mA, mm2 per cm2, ms per s.
_MHZ, _UA, _MM2, _MS = 1_000, 1_000, 100, 1_000


def number(value: int, scale: int) -> str:
    """``value / scale`` exactly, without trailing zeros: ``number(2_500, 1_000)`` is
    ``2.5``, ``number(80_000, 1_000)`` is ``80``."""
    whole, part = divmod(abs(value), scale)
    sign = "-" if value < 0 else ""
    if part == 0:
        return f"{sign}{whole}"
    digits = len(str(scale)) - 1
    return f"{sign}{whole}.{part:0{digits}d}".rstrip("0")


def duration(ms: int) -> str:
    """``ms`` as ``1 h 5 min``, ``30 min``, ``20 s`` or ``2 min 30 s`` (whole seconds)."""
    seconds = max(0, ms) // _MS
    hours, rest = divmod(seconds, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    parts += [f"{seconds} s"] if seconds or not parts else []
    return " ".join(parts)


def ma(ua: int) -> str:
    """uA as mA text, ``15 mA`` or ``12.5 mA``."""
    return f"{number(ua, _UA)} mA"


def _phase(index: int, phase: Mapping[str, Any]) -> str:
    """One phase: ``Phase 1 (conventional): 80 Hz continuous, phase width 180 us, symmetric
    biphasic, 30 min``."""
    label = f" ({phase['label']})" if phase.get("label") else ""
    rate = f"{number(int(phase['rate_mhz']), _MHZ)} Hz"
    pattern = str(phase.get("pattern", "continuous"))
    if pattern == "burst" and phase.get("burst_rate_mhz") is not None:
        trains = number(int(phase["burst_rate_mhz"]), _MHZ)
        rate = f"bursts of {phase.get('pulses_per_burst')} pulses at {rate}, {trains} bursts/s"
    else:
        rate = f"{rate} {pattern}"
    waveform = str(phase.get("waveform", "?")).replace("_", " ")
    text = f"Phase {index}{label}: {rate}, phase width {phase['width_us']} us, {waveform}"
    text += f", {duration(int(phase['duration_ms']))}"
    modulation = phase.get("modulation")
    if isinstance(modulation, Mapping):
        text += f", {_modulation(modulation)}"
    return text


def _modulation(mod: Mapping[str, Any]) -> str:
    """A sweep: ``rate swept to 120 Hz and back every 10 s``."""
    every = f"every {duration(int(mod['period_ms']))}"
    if mod.get("rate_to_mhz") is not None:
        return f"rate swept to {number(int(mod['rate_to_mhz']), _MHZ)} Hz and back {every}"
    if mod.get("width_to_us") is not None:
        kind = " (strength-duration)" if mod.get("kind") == "strength_duration" else ""
        return f"phase width swept to {mod['width_to_us']} us and back{kind} {every}"
    if mod.get("dip_permille") is not None:
        return f"amplitude dips by {number(int(mod['dip_permille']), 10)} % and back {every}"
    return f"{mod.get('kind', '?')} modulation {every}"


def profile_notes(profile: Mapping[str, Any]) -> list[str]:
    """The profile as run and its parameters: where it came from, then one line per phase."""
    name = str(profile.get("name", "?"))
    if profile.get("builtin"):
        where = "a built-in profile of tenscontrol"
    else:
        where = "a profile file of the user's (its path is not exported)"
    head = f"Profile {name!r}, {where}"
    head += f": {profile['title']}" if profile.get("title") else ""
    if profile.get("sha256"):
        head += f"; sha256 of the file as read {profile['sha256']}"
    planned = []
    if profile.get("duration_ms") is not None:
        planned.append(f"planned {duration(int(profile['duration_ms']))}")
    if profile.get("soft_start_ms") is not None:
        planned.append(f"soft start {duration(int(profile['soft_start_ms']))}")
    if profile.get("repeat_phases"):
        planned.append("phases repeated")
    lines = [head + (f" ({', '.join(planned)})" if planned else "") + "."]
    phases = profile.get("phases") or []
    lines += [_phase(i, p) + "." for i, p in enumerate(phases, 1) if isinstance(p, Mapping)]
    return lines


def body_areas(record: SessionRecord) -> dict[int, str]:
    """Each channel's body area from the profile as run (channel -> text), for the channels
    the session drove."""
    found = channel_areas(record.profile)
    return {ch: found[ch] for ch in record.channels if ch in found}


def channel_notes(record: SessionRecord, highest_ua: Mapping[int, int]) -> list[str]:
    """Per channel: where, pad size, the level set at the start, the highest current
    delivered and the ceiling that bound it."""
    header = record.header
    areas = body_areas(record)
    pads = {
        int(c.get("number", 0)): int(c["pad_area_mm2"])
        for c in record.profile.get("channels") or []
        if isinstance(c, Mapping) and c.get("pad_area_mm2") is not None
    }
    levels = header.get("intensities_ua") or {}
    limits = header.get("limits") or {}
    lines = []
    for ch in record.channels:
        where = areas.get(ch, "body area not recorded")
        pad = f", pads {number(pads[ch], _MM2)} cm2" if ch in pads else ""
        details = []
        level = levels.get(str(ch))
        if level is not None:
            details.append(f"level at the start {ma(int(level))}")
        if ch in highest_ua:
            details.append(f"highest current delivered {ma(highest_ua[ch])}")
        limit = limits.get(str(ch))
        if isinstance(limit, Mapping) and limit.get("ceiling_ua") is not None:
            binding = f" ({limit['binding']})" if limit.get("binding") else ""
            details.append(f"ceiling {ma(int(limit['ceiling_ua']))}{binding}")
        said = ": " + ", ".join(details) if details else ""
        lines.append(f"Channel {ch} ({where}{pad}){said}.")
    return lines


def ending(record: SessionRecord) -> str:
    """How long it ran and how it ended, in one sentence."""
    ran = f"Stimulation time {duration(record.duration_ms)} (soft start and ramp-down included)"
    if record.summary is None:
        return (
            f"{ran}, as far as the log shows: it ends without its summary (the program was "
            "killed, the computer lost power, or the session was still running when exported)."
        )
    if record.reason == LOG_WRITE_FAILED:
        return f"{ran}; stopped because its log could not be written (disk full or write error)."
    if record.reason == COMPLETED:
        return f"{ran}; it ran to its end."
    return f"{ran}; it ended early: {ended_why(record)}."


def ended_why(record: SessionRecord) -> str:
    """Why a session that did not complete ended, as words (``device lost``)."""
    if record.summary is None:
        return "the log ends without its summary (interrupted)"
    if record.reason == LOG_WRITE_FAILED:
        return "its log could not be written (disk full or write error)"
    return record.reason.replace("_", " ")
