"""``tens export --format fhir``: recorded sessions as one FHIR R4 (4.0.1) Bundle of type
``collection``, a JSON document built with the standard library alone (the tests validate
every one with the ``fhir.resources`` library). Pure: session records in, a dict out.

Per session a ``Procedure`` (the TENS session: status, the log's wall times, body sites,
the profile and its parameters, the device), an ``Observation`` per pain score before and
after (LOINC 72514-3), and an ``Observation`` per skin check; the devices as ``Device``
resources; one ``Patient``. Every code used is cited in docs/fhir.md; where no published
code was found (TENS itself, the body sites, the skin answers) there is text, never an
invented code.

Identity: nothing that names a person is exported unless given
(:class:`~tenscontrol.records.fhir_identity.PatientIdentity`).
R4 requires ``Procedure.subject``, so without one the subject is a ``Patient`` with no data
at all: one resource that every session and score points to, so a clinician's system can
attach the whole record to the right person in one step, where a ``Group`` would say "a set
of people" and a display-only reference would leave each resource on its own.

Deterministic: every ``fullUrl`` is a ``urn:uuid:`` derived (uuid5) from the session's id,
start and device serial number (or the device's identity), and nothing depends on when the
export ran (no ``Bundle.timestamp``), so two exports of the same history are byte-identical.
Times are ISO 8601 with the offset of the local time zone (or ``tz``) at that instant.
Simulated sessions, and their devices, are left out unless asked for.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from tenscontrol.records.diary import PAIN_MAX, PAIN_MIN, PainSource
from tenscontrol.records.digest import LOG_ERRORS
from tenscontrol.records.fhir_identity import PatientIdentity
from tenscontrol.records.fhir_text import (
    COMPLETED,
    body_areas,
    channel_notes,
    ended_why,
    ending,
    profile_notes,
)
from tenscontrol.records.index_db import IndexRow, Warn, row_of
from tenscontrol.records.logreader import SessionRecord
from tenscontrol.records.skin import SkinAnswer, SkinCheck, dated_checks

#: Namespace of every uuid5 of the export (a fixed random uuid: ours alone).
NAMESPACE = uuid.UUID("d2368f86-c4b2-40e8-aa52-5d6e8d95a73c")
#: LOINC, and its code for a 0-10 pain score (docs/fhir.md cites it). A code system's URI is
#: its name in FHIR (``Coding.system``): an identifier, never fetched.
LOINC = "http://loinc.org"
PAIN_CODE = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
#: FHIR R4's observation category code system and its code for a score a person reports.
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SURVEY_CODE, SURVEY_DISPLAY = "survey", "Survey"
#: What a session is (text: no code of TENS was found in published content, docs/fhir.md).
TENS_TEXT = "Transcutaneous electrical nerve stimulation (TENS), self-applied at home"
#: What a skin check is (text: no published code fits a person's own look under the pads).
SKIN_TEXT = "Skin under the electrode pads after the session: ok, red or irritated (own check)"
#: How a simulated session or device is marked, wherever it appears.
SIMULATED_TEXT = "SIMULATED: run on the tenscontrol device simulator; no current reached a body"
#: What can go wrong with one log's contents (it is skipped, and ``warn`` told why).
_SESSION_ERRORS = (*LOG_ERRORS, OverflowError)


class ProcedureStatus(StrEnum):
    """FHIR R4 EventStatus codes a session gets (docs/fhir.md)."""

    COMPLETED = "completed"  #: it ran to its end
    STOPPED = "stopped"  #: it began and ended before its end (any other reason)


class ObservationStatus(StrEnum):
    """FHIR R4 ObservationStatus codes used (docs/fhir.md)."""

    FINAL = "final"  #: a score or a skin check as given
    CANCELLED = "cancelled"  #: a skin check the person skipped


class DeviceNameType(StrEnum):
    """FHIR R4 DeviceNameType code used for the model (docs/fhir.md)."""

    MODEL_NAME = "model-name"


class PainMoment(StrEnum):
    """When a pain score was given: before or after the session."""

    BEFORE = "before"
    AFTER = "after"


#: How the source of a score reads (``PainSource`` of the diary).
_SOURCE_TEXT = {
    PainSource.PROMPT: "given at the prompt of tens start",
    PainSource.OPTION: "given with tens start --pain-before",
    PainSource.DIARY: "given afterwards with tens diary",
}


@dataclass(frozen=True, slots=True)
class Export:
    """The Bundle (``document``) and what went into it: sessions exported, simulated
    sessions left out, logs skipped as unreadable."""

    document: dict[str, Any]
    sessions: int
    simulated_left_out: int
    skipped: int


def urn(kind: str, *key: object) -> str:
    """The ``urn:uuid:`` of a resource: uuid5 of its kind and key, always the same."""
    name = json.dumps([kind, *key], separators=(",", ":"))
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, name)}"


def when(wall: float, tz: tzinfo | None = None) -> str:
    """Unix seconds as an ISO 8601 date-time with offset, to the millisecond
    (``2027-01-15T09:00:00.050+01:00``): in ``tz``, or in the local zone at that instant."""
    moment = datetime.fromtimestamp(wall, tz) if tz else datetime.fromtimestamp(wall).astimezone()
    return moment.isoformat(timespec="milliseconds")


def _ref(target: str, display: str | None = None) -> dict[str, str]:
    return {"reference": target} | ({"display": display} if display else {})


def _text(value: object) -> str | None:
    """``value`` as a FHIR string: None for a missing or empty one (FHIR has no "")."""
    text = "" if value is None else str(value).strip()
    return text or None


@dataclass(frozen=True, slots=True)
class _Device:
    """A device as a log header names it."""

    model: str | None
    serial: str | None
    firmware: str | None
    protocol: str | None
    simulated: bool

    @classmethod
    def of(cls, record: SessionRecord) -> _Device | None:
        found = record.header.get("device")
        if not isinstance(found, Mapping):
            return None
        simulated = bool(found.get("simulator", record.header.get("simulated")))
        return cls(
            _text(found.get("model")),
            _text(found.get("serial_number")),
            _text(found.get("firmware")),
            _text(found.get("protocol")),
            simulated,
        )

    @property
    def urn(self) -> str:
        return urn("device", self.model, self.serial, self.firmware, self.simulated)

    @property
    def display(self) -> str:
        name = " ".join(p for p in (self.model, self.serial) if p) or "unknown device"
        return f"{name} (SIMULATED)" if self.simulated else name

    def resource(self) -> dict[str, Any]:
        device: dict[str, Any] = {"resourceType": "Device"}
        if self.serial:
            device["serialNumber"] = self.serial
        if self.model:
            device["deviceName"] = [{"name": self.model, "type": DeviceNameType.MODEL_NAME}]
            device["modelNumber"] = self.model
        kind = SIMULATED_TEXT if self.simulated else "TENS unit (tenscontrol firmware protocol)"
        device["type"] = {"text": kind}
        versions = [("firmware", self.firmware), ("tenscontrol wire protocol", self.protocol)]
        device["version"] = [{"type": {"text": t}, "value": v} for t, v in versions if v]
        if not device["version"]:
            del device["version"]
        if self.simulated:
            device["note"] = [{"text": SIMULATED_TEXT + "."}]
        return device


@dataclass(frozen=True, slots=True)
class _Session:
    """One session to export: its record, index row, device, and its start and end as
    FHIR date-times (``tz``: the zone they are given in; None: local)."""

    record: SessionRecord
    row: IndexRow
    device: _Device | None
    start: str
    end: str
    tz: tzinfo | None

    @classmethod
    def of(cls, record: SessionRecord, tz: tzinfo | None) -> _Session:
        """The session of ``record``; raises what a log of another shape makes
        ``row_of`` raise, or :class:`OverflowError` for a time no calendar has."""
        row = row_of(record)
        # the summary's end, else (interrupted) the start plus the last event's time
        end = row.end if row.end is not None else row.start + row.duration_ms / 1_000
        return cls(record, row, _Device.of(record), when(row.start, tz), when(end, tz), tz)

    @property
    def urn(self) -> str:
        serial = self.device.serial if self.device else None
        return urn("procedure", self.row.id, self.row.start, serial)

    def when(self, wall: object) -> str | None:
        """``wall`` (Unix s, from a record) as a date-time in the session's zone; None for
        a value that is no time (a stamp of another kind only loses the stamp)."""
        if isinstance(wall, bool) or not isinstance(wall, int | float):
            return None
        try:
            return when(float(wall), self.tz)
        except (OverflowError, ValueError, OSError):
            return None


def build(
    records: Iterable[SessionRecord],
    *,
    patient: PatientIdentity | None = None,
    include_simulated: bool = False,
    tz: tzinfo | None = None,
    warn: Warn | None = None,
) -> Export:
    """The Bundle of ``records`` (oldest first), simulated sessions left out unless
    ``include_simulated``. A record whose contents cannot be exported is skipped and ``warn``
    told why (``skipped NAME: why``)."""
    sessions: list[_Session] = []
    left_out = skipped = 0
    for record in records:
        try:
            session = _Session.of(record, tz)
        except _SESSION_ERRORS as error:
            skipped += 1
            if warn is not None:
                warn(f"skipped {record.path.name}: {error}")
            continue
        if session.row.simulated and not include_simulated:
            left_out += 1
            continue
        sessions.append(session)
    sessions.sort(key=lambda s: (s.row.start, s.row.id))
    patient_urn = urn("patient", sessions[0].urn if sessions else None)
    entries = [_entry(patient_urn, _patient(patient or PatientIdentity()))]
    devices = {s.device.urn: s.device for s in sessions if s.device is not None}
    entries += [_entry(key, devices[key].resource()) for key in sorted(devices)]
    for session in sessions:
        entries += _session_entries(session, patient_urn)
    document = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    return Export(document, len(sessions), left_out, skipped)


def to_json(document: Mapping[str, Any]) -> str:
    """The document as the exported text: indented JSON, non-ASCII text as is (the file is
    UTF-8), a final newline. A lone surrogate (a ``\\ud800`` escape in a log's JSON) cannot
    be UTF-8: it becomes ``?`` rather than failing the whole export."""
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return text.encode("utf-8", "replace").decode("utf-8")


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": resource}


def _patient(who: PatientIdentity) -> dict[str, Any]:
    """The subject: what was given, and nothing else (see the module docstring)."""
    patient: dict[str, Any] = {"resourceType": "Patient"}
    if who.identifier is not None:
        patient["identifier"] = [{"value": who.identifier}]
    if who.name is not None:
        patient["name"] = [{"text": who.name}]
    return patient


def _session_entries(session: _Session, patient: str) -> list[dict[str, Any]]:
    """The Procedure of a session, then its pain scores, then its skin checks by channel."""
    entries = [_entry(session.urn, _procedure(session, patient))]
    for moment in PainMoment:
        score = _pain_observation(session, moment, patient)
        if score is not None:
            entries.append(_entry(urn("pain", session.urn, moment), score))
    checks = dated_checks(session.record)
    for channel in sorted(checks):
        check, given = checks[channel]
        skin = _skin(session, check, given, patient)
        entries.append(_entry(urn("skin", session.urn, channel), skin))
    return entries


def _procedure(session: _Session, patient: str) -> dict[str, Any]:
    record, row = session.record, session.row
    completed = record.summary is not None and row.reason == COMPLETED
    procedure: dict[str, Any] = {
        "resourceType": "Procedure",
        "identifier": [{"type": {"text": "tenscontrol session id"}, "value": row.id}],
        "status": ProcedureStatus.COMPLETED if completed else ProcedureStatus.STOPPED,
    }
    if not completed:
        procedure["statusReason"] = {"text": ended_why(record)}
    procedure["code"] = {"text": f"{TENS_TEXT} ({SIMULATED_TEXT})" if row.simulated else TENS_TEXT}
    procedure["subject"] = _ref(patient)
    procedure["performedPeriod"] = {"start": session.start, "end": session.end}
    areas = list(dict.fromkeys(body_areas(record).values()))  # each once, in channel order
    if areas:
        procedure["bodySite"] = [{"text": area} for area in areas]
    notes = [*profile_notes(record.profile), *channel_notes(record, record.max_delivered_ua)]
    notes.append(ending(record))
    if row.simulated:
        notes.append(f"{SIMULATED_TEXT}.")
    software = _text(record.header.get("software"))
    if software:
        notes.append(f"Recorded by tenscontrol {software}.")
    procedure["note"] = [{"text": text} for text in notes]
    if session.device is not None:
        procedure["usedReference"] = [_ref(session.device.urn, session.device.display)]
    return procedure


def _pain_event(record: SessionRecord, moment: PainMoment) -> Mapping[str, Any]:
    """The ``pain`` record that gave the score ``moment``: the latest with a valid one (the
    one the index keeps, ``index_db.row_of``); empty when there is none."""
    event: Mapping[str, Any]
    for event in reversed(record.events):
        value = event.get(moment) if event.get("event") == "pain" else None
        if isinstance(value, int) and not isinstance(value, bool) and PAIN_MIN <= value <= PAIN_MAX:
            return event
    return {}


def _pain_observation(session: _Session, moment: PainMoment, patient: str) -> dict[str, Any] | None:
    """The score ``moment`` as an Observation, None when it was not given. Its time is the
    session's start (before) or end (after); ``issued`` is when it was given, when known."""
    row = session.row
    value = row.pain_before if moment == PainMoment.BEFORE else row.pain_after
    if value is None:
        return None
    survey = {"system": OBSERVATION_CATEGORY, "code": SURVEY_CODE, "display": SURVEY_DISPLAY}
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "partOf": [_ref(session.urn)],
        "status": ObservationStatus.FINAL,
        "category": [{"coding": [survey]}],
        "code": {
            "coding": [{"system": LOINC, "code": PAIN_CODE, "display": PAIN_DISPLAY}],
            "text": f"Pain {moment} the TENS session, 0 (no pain) to 10 (worst imaginable)",
        },
        "subject": _ref(patient),
        "effectiveDateTime": session.start if moment == PainMoment.BEFORE else session.end,
    }
    event = _pain_event(session.record, moment)
    issued = session.when(event.get("given_wall"))
    if issued is not None:
        observation["issued"] = issued
    observation["valueInteger"] = value
    source = event.get("source")
    if source in _SOURCE_TEXT:
        observation["note"] = [{"text": f"Score {_SOURCE_TEXT[PainSource(source)]}."}]
    return observation


def _skin(session: _Session, check: SkinCheck, given: float | None, patient: str) -> dict[str, Any]:
    """One channel's skin check (the latest answer: a skip never replaces one) as an
    Observation: text only (no published code fits, docs/fhir.md); a skipped check is
    ``cancelled``, with no value. Its time is when it was given, else the session's end."""
    skipped = check.answer == SkinAnswer.SKIPPED
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "partOf": [_ref(session.urn)],
        "status": ObservationStatus.CANCELLED if skipped else ObservationStatus.FINAL,
        "code": {"text": SKIN_TEXT},
        "subject": _ref(patient),
        "effectiveDateTime": session.when(given) or session.end,
    }
    if not skipped:
        observation["valueCodeableConcept"] = {"text": check.answer.value}
    area = _text(check.body_area)
    if area:
        observation["bodySite"] = {"text": area}
    said = "was skipped" if skipped else f"answer {check.answer.value}"
    observation["note"] = [{"text": f"Channel {check.channel}: {said}."}]
    return observation
