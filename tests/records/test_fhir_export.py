"""The FHIR export as data (``records/fhir.py``): every Bundle parses with fhir.resources
(R4B, the library's R4-compatible package: docs/fhir.md) and round-trips; 0, 1 and many
sessions; simulated sessions apart; no identity unless given; pain scores with LOINC
72514-3 and only cited codes; interrupted and unreadable logs; byte-identical twice.

Records are built in memory for the builder, and written by the product's own writers for
the fast reader (``records/fastread.py``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.care_logs import profile_as_run, write_session
from tenscontrol.errors import UserInputError
from tenscontrol.records import fastread, fhir, fhir_identity, fhir_text
from tenscontrol.records.diary import PainSource, pain_record
from tenscontrol.records.index_db import row_of
from tenscontrol.records.logreader import LastState, SessionRecord, read_log
from tenscontrol.records.skin import SkinAnswer, SkinCheck, skin_record, store_skin

#: 2030-01-01 00:00 UTC; sessions one hour apart from there.
FIRST = 1_893_456_000.0
#: The zone the tests give times in (a fixed +01:00, so no machine's zone matters).
CET = timezone(timedelta(hours=1))
#: Codes the export may carry, each cited in docs/fhir.md: (system, code) -> display.
CITED = {
    (
        "http://loinc.org",
        "72514-3",
    ): "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    ("http://terminology.hl7.org/CodeSystem/observation-category", "survey"): "Survey",
}
#: FHIR R4 (4.0.1) required value sets of the coded fields used (fhir.resources does not
#: check codes): EventStatus, ObservationStatus, DeviceNameType, BundleType.
PROCEDURE_STATUS = {
    "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
    "entered-in-error", "unknown",
}  # fmt: skip
OBSERVATION_STATUS = {
    "registered", "preliminary", "final", "amended", "corrected", "cancelled",
    "entered-in-error", "unknown",
}  # fmt: skip
DEVICE_NAME_TYPE = {
    "udi-label-name", "user-friendly-name", "patient-reported-name", "manufacturer-name",
    "model-name", "other",
}  # fmt: skip
URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
#: FHIR R4's dateTime with a time (which then needs its offset).
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def record(
    n: int = 0,
    *,
    profile: str = "low-back",
    simulated: bool = False,
    pain: tuple[int | None, int | None] | None = (6, 3),
    reason: str | None = "completed",
    skin: Sequence[SkinCheck] = (),
    duration_ms: int = 1_800_000,
    device: Mapping[str, object] | None = None,
) -> SessionRecord:
    """Session ``n`` (started ``n`` hours after :data:`FIRST`) as the fast reader gives it:
    header, summary (none when ``reason`` is None: interrupted) and appended records."""
    started = FIRST + n * 3_600
    run_as = profile_as_run(profile)
    channels = [str(c["number"]) for c in run_as["channels"]]
    header: dict[str, Any] = {
        "type": "header",
        "schema": 1,
        "software": "0.1.0",
        "session_id": f"2030010{1 + n // 24}T{n % 24:02d}0000Z-{profile}",
        "started_wall": started,
        "simulated": simulated,
        "profile": run_as,
        "device": dict(device)
        if device is not None
        else {
            "model": "TC-SIM-2" if simulated else "TC-1",
            "serial_number": "S1",
            "firmware": "1.2.0",
            "protocol": 1,
            "simulator": simulated,
        },
        "limits": {ch: {"ceiling_ua": 50_000, "binding": "profile ceiling"} for ch in channels},
        "intensities_ua": dict.fromkeys(channels, 18_000),
        "duration_ms": duration_ms,
    }
    events: list[dict[str, Any]] = []
    if reason is None:  # an interrupted log: its events, no summary
        events.append({"type": "event", "t_ms": 0, "event": "start", "channels": [1]})
        delivered = dict.fromkeys(channels, 17_500)
        events.append(
            {"type": "event", "t_ms": 600_000, "event": "telemetry", "delivered_ua": delivered}
        )
    if pain is not None:
        events.append(
            pain_record(duration_ms, pain[0], pain[1], PainSource.PROMPT, started + 1_900)
        )
    if skin:
        events.append(skin_record(duration_ms, skin, PainSource.PROMPT, started + 1_950))
    summary = None
    if reason is not None:
        summary = {"type": "summary", "reason": reason, "duration_ms": duration_ms}
        summary |= {"max_delivered_ua": dict.fromkeys(channels, 17_000)}
        summary["ended_wall"] = started + duration_ms / 1_000
    last = LastState(600_000 if reason is None else duration_ms, None)
    path = Path(f"/nonexistent/{header['session_id']}.jsonl")
    return SessionRecord(path, header, tuple(events), summary, False, 0, last)


def export(records: Sequence[SessionRecord], **options: Any) -> fhir.Export:
    """The export of ``records`` in :data:`CET`, checked as every export must be."""
    done = fhir.build(records, tz=CET, **options)
    checked(done.document)
    return done


def checked(document: dict[str, Any]) -> Bundle:
    """``document`` validated: it parses as a Bundle, and its exported text too; model ->
    JSON -> model is equal; every fullUrl a distinct urn:uuid (v5) and every reference one
    of them; codes only the cited ones, statuses from R4's value sets, times with offset."""
    model = Bundle.model_validate(document)
    assert Bundle.model_validate_json(fhir.to_json(document)) == model
    assert Bundle.model_validate_json(model.model_dump_json()) == model
    assert document["type"] == "collection"
    urls = [entry["fullUrl"] for entry in document["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(URN.match(url) for url in urls)
    for reference in values(document, "reference"):
        assert reference in urls
    for coding in values(document, "coding"):
        for code in coding:
            assert CITED[(code["system"], code["code"])] == code["display"]
    for entry in document["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        if kind == "Procedure":
            assert resource["status"] in PROCEDURE_STATUS
            assert resource["subject"]["reference"] == urls[0]
        if kind == "Observation":
            assert resource["status"] in OBSERVATION_STATUS
            # obs-6: no dataAbsentReason next to a value (none is used at all)
            assert "dataAbsentReason" not in resource
        if kind == "Device":
            assert {n["type"] for n in resource.get("deviceName", [])} <= DEVICE_NAME_TYPE
    for key in ("start", "end", "effectiveDateTime", "issued"):
        assert all(DATE_TIME.match(v) for v in values(document, key))
    assert not [v for v in values(document, "text") if not v or v != v.strip()]  # FHIR has no ""
    return model


def values(node: object, key: str) -> Iterator[Any]:
    """Every value of ``key`` anywhere in ``node``."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from values(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from values(item, key)


def resources(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The resources of ``kind``, in Bundle order."""
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == kind]


def by_url(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in document["entry"]}


def test_no_sessions_is_a_bundle_with_an_empty_patient() -> None:
    done = export([])
    assert (done.sessions, done.simulated_left_out, done.skipped) == (0, 0, 0)
    assert [e["resource"] for e in done.document["entry"]] == [{"resourceType": "Patient"}]


def test_one_session_procedure_device_and_pain_scores() -> None:
    document = export([record(pain=(6, 3))]).document
    [patient] = resources(document, "Patient")
    [device] = resources(document, "Device")
    [procedure] = resources(document, "Procedure")
    before, after = resources(document, "Observation")
    assert patient == {"resourceType": "Patient"}
    assert (device["modelNumber"], device["serialNumber"]) == ("TC-1", "S1")
    assert device["version"][0] == {"type": {"text": "firmware"}, "value": "1.2.0"}
    assert "SIMULATED" not in json.dumps(device)
    assert procedure["status"] == "completed"
    assert "statusReason" not in procedure
    assert procedure["code"] == {"text": fhir.TENS_TEXT}  # text: no code was found to cite
    assert procedure["performedPeriod"] == {
        "start": "2030-01-01T01:00:00.000+01:00",
        "end": "2030-01-01T01:30:00.000+01:00",
    }
    assert procedure["bodySite"] == [{"text": "low back, both sides of the spine"}]
    assert by_url(document)[procedure["usedReference"][0]["reference"]] is device
    notes = "\n".join(n["text"] for n in procedure["note"])
    for part in ("'low-back'", "80 Hz continuous", "phase width 180 us", "30 min"):
        assert part in notes
    assert "level at the start 18 mA, highest current delivered 17 mA, ceiling 50 mA" in notes
    assert "ran to its end" in notes
    procedure_url = document["entry"][2]["fullUrl"]
    for score, value, at in ((before, 6, "01:00:00"), (after, 3, "01:30:00")):
        assert score["code"]["coding"] == [
            {"system": fhir.LOINC, "code": "72514-3", "display": fhir.PAIN_DISPLAY}
        ]
        assert score["valueInteger"] == value
        assert score["effectiveDateTime"] == f"2030-01-01T{at}.000+01:00"
        assert score["issued"] == "2030-01-01T01:31:40.000+01:00"  # when it was given
        assert score["partOf"] == [{"reference": procedure_url}]
        assert score["note"] == [{"text": "Score given at the prompt of tens start."}]
    assert "before" in before["code"]["text"]
    assert "after" in after["code"]["text"]


def test_many_sessions_oldest_first_one_device_and_one_subject() -> None:
    records = [record(n, pain=None if n % 3 else (7, 4)) for n in reversed(range(30))]
    done = export(records)
    document = done.document
    procedures = resources(document, "Procedure")
    assert done.sessions == len(procedures) == 30
    starts = [p["performedPeriod"]["start"] for p in procedures]
    assert starts == sorted(starts)
    assert len(resources(document, "Device")) == 1
    assert len(resources(document, "Observation")) == 2 * 10
    assert len(resources(document, "Patient")) == 1


def test_simulated_sessions_left_out_unless_asked_and_then_marked() -> None:
    records = [record(0), record(1, simulated=True)]
    left = export(records)
    assert (left.sessions, left.simulated_left_out) == (1, 1)
    assert "SIMULATED" not in json.dumps(left.document)
    assert [d["modelNumber"] for d in resources(left.document, "Device")] == ["TC-1"]
    both = export(records, include_simulated=True)
    assert (both.sessions, both.simulated_left_out) == (2, 0)
    simulated = resources(both.document, "Procedure")[1]
    assert "SIMULATED" in simulated["code"]["text"]
    assert any("no current reached a body" in n["text"] for n in simulated["note"])
    device = by_url(both.document)[simulated["usedReference"][0]["reference"]]
    assert device["type"]["text"].startswith("SIMULATED")
    assert "SIMULATED" in simulated["usedReference"][0]["display"]


def test_no_identity_unless_given() -> None:
    user_file = dict(profile_as_run("low-back"), builtin=False, path="/home/alex/my-back.toml")
    anonymous = record()
    anonymous.header["profile"] = user_file
    text = fhir.to_json(export([anonymous]).document)
    assert "/home/alex" not in text
    assert "my-back.toml" not in text
    assert "a profile file of the user's (its path is not exported)" in text
    [patient] = resources(export([anonymous]).document, "Patient")
    assert patient == {"resourceType": "Patient"}
    named = fhir_identity.PatientIdentity(name="Alex Doe", identifier="MRN-4711")
    [patient] = resources(export([record()], patient=named).document, "Patient")
    assert patient["name"] == [{"text": "Alex Doe"}]
    assert patient["identifier"] == [{"value": "MRN-4711"}]


@pytest.mark.parametrize(
    ("text", "flag", "why"),
    [
        ("", "--patient-name", "empty"),
        ("   ", "--patient-id", "empty"),
        ("Alex\nDoe", "--patient-name", "control character"),
        ("x" * 201, "--patient-id", "longer than 200"),
        ("Alex \udcff", "--patient-name", "not valid UTF-8"),
    ],
)
def test_identity_options_are_checked(text: str, flag: str, why: str) -> None:
    with pytest.raises(UserInputError, match=f"^{flag}: .*{why}"):
        fhir_identity.identity_option(text, flag)


def test_identity_is_never_taken_from_the_environment() -> None:
    with pytest.raises(UserInputError, match=r"^--patient-name: .*command line only"):
        fhir_identity.identity_option("Alex Doe", "--patient-name", from_environment=True)
    assert fhir_identity.identity_option(None, "--patient-id", from_environment=True) is None


def test_identity_options_are_stripped_and_optional() -> None:
    assert fhir_identity.identity_option("  Alex Doe ", "--patient-name") == "Alex Doe"
    assert fhir_identity.identity_option(None, "--patient-id") is None


@pytest.mark.parametrize(
    ("pain", "moments"),
    [(None, []), ((None, None), []), ((5, None), ["before"]), ((None, 2), ["after"])],
)
def test_only_the_scores_given_become_observations(
    pain: tuple[int | None, int | None] | None, moments: list[str]
) -> None:
    scores = resources(export([record(pain=pain)]).document, "Observation")
    assert [o["code"]["text"].split()[1] for o in scores] == moments


def test_a_corrected_score_is_the_latest_and_says_where_it_came_from() -> None:
    original = record(pain=(6, 3))
    correction = pain_record(1_800_000, None, 4, PainSource.DIARY, FIRST + 86_400)
    corrected = SessionRecord(
        original.path,
        original.header,
        (*original.events, correction),
        original.summary,
        False,
        0,
        original.last,
    )
    before, after = resources(export([corrected]).document, "Observation")
    assert (before["valueInteger"], after["valueInteger"]) == (6, 4)
    assert before["note"] == [{"text": "Score given at the prompt of tens start."}]
    assert after["note"] == [{"text": "Score given afterwards with tens diary."}]
    assert after["issued"] == "2030-01-02T01:00:00.000+01:00"


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        ("user", "user"),
        ("device_lost", "device lost"),
        ("log_write_failed", "its log could not be written"),
        (None, "the log ends without its summary"),
    ],
)
def test_a_session_that_did_not_complete_is_stopped(reason: str | None, why: str) -> None:
    [procedure] = resources(export([record(reason=reason)]).document, "Procedure")
    assert procedure["status"] == "stopped"
    assert procedure["statusReason"]["text"].startswith(why)


def test_an_interrupted_session_ends_at_its_last_event() -> None:
    [procedure] = resources(export([record(reason=None, pain=None)]).document, "Procedure")
    assert procedure["performedPeriod"]["end"] == "2030-01-01T01:10:00.000+01:00"
    notes = "\n".join(n["text"] for n in procedure["note"])
    assert "highest current delivered 17.5 mA" in notes  # from its telemetry
    assert "ends without its summary" in notes


def test_skin_checks_are_text_observations() -> None:
    checks = (
        SkinCheck(1, "low back, painful side, beside the spine", SkinAnswer.RED),
        SkinCheck(2, "buttock and back of the thigh, same leg", SkinAnswer.SKIPPED),
    )
    document = export([record(profile="sciatic-leg", pain=None, skin=checks)]).document
    [procedure] = resources(document, "Procedure")
    assert [s["text"] for s in procedure["bodySite"]] == [c.body_area for c in checks]
    red, skipped = resources(document, "Observation")
    assert "coding" not in red["code"]
    assert (red["status"], red["valueCodeableConcept"]) == ("final", {"text": "red"})
    assert red["bodySite"] == {"text": checks[0].body_area}
    assert red["effectiveDateTime"] == "2030-01-01T01:32:30.000+01:00"  # when it was given
    assert skipped["status"] == "cancelled"
    assert "valueCodeableConcept" not in skipped
    assert skipped["note"] == [{"text": "Channel 2: was skipped."}]


def test_a_log_whose_contents_cannot_be_exported_is_skipped_and_told() -> None:
    bad = record(1)
    bad.header["started_wall"] = "yesterday"
    told: list[str] = []
    done = export([record(0), bad], warn=told.append)
    assert (done.sessions, done.skipped) == (1, 1)
    assert told == [f"skipped {bad.path.name}: could not convert string to float: 'yesterday'"]


def test_a_device_without_identity_is_no_resource_of_made_up_data() -> None:
    empty = record(device={"model": "", "serial_number": None})
    document = export([empty]).document
    [device] = resources(document, "Device")
    assert set(device) == {"resourceType", "type"}
    [procedure] = resources(document, "Procedure")
    assert procedure["usedReference"][0]["display"] == "unknown device"
    missing = record()
    del missing.header["device"]
    document = export([missing]).document
    assert resources(document, "Device") == []
    assert "usedReference" not in resources(document, "Procedure")[0]


def test_text_that_cannot_be_utf_8_does_not_fail_the_export() -> None:
    odd = record()
    odd.header["profile"] = dict(profile_as_run("low-back"), title="Back \ud800")
    text = fhir.to_json(fhir.build([odd], tz=CET).document)  # what is written is the text
    assert "Back ?" in text
    checked(json.loads(text))


def test_the_same_history_gives_the_same_bytes() -> None:
    records = [record(n, skin=(SkinCheck(1, "low back", SkinAnswer.OK),)) for n in range(5)]
    first = fhir.to_json(export(records).document)
    again = fhir.to_json(export(list(reversed(records))).document)
    assert first == again
    assert first.endswith("}\n")


def test_times_in_the_local_zone_carry_its_offset() -> None:
    document = fhir.build([record()]).document  # tz None: this machine's zone
    [procedure] = resources(document, "Procedure")
    assert DATE_TIME.match(procedure["performedPeriod"]["start"])
    utc = fhir.build([record()], tz=UTC).document
    assert resources(utc, "Procedure")[0]["performedPeriod"]["start"] == (
        "2030-01-01T00:00:00.000+00:00"
    )


def test_profile_parameters_in_words() -> None:
    [procedure] = resources(export([record(profile="sciatic-leg")]).document, "Procedure")
    notes = [n["text"] for n in procedure["note"]]
    assert notes[0].startswith("Profile 'sciatic-leg', a built-in profile of tenscontrol")
    phases = [n for n in notes if n.startswith("Phase ")]
    assert phases, notes
    assert sum(n.startswith("Channel ") for n in notes) == 2


@pytest.mark.parametrize(
    ("value", "scale", "text"),
    [(80_000, 1_000, "80"), (2_500, 1_000, "2.5"), (2_505, 1_000, "2.505"), (-500, 1_000, "-0.5")],
)
def test_numbers_are_exact(value: int, scale: int, text: str) -> None:
    assert fhir_text.number(value, scale) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "0 s"), (20_000, "20 s"), (150_000, "2 min 30 s"), (3_900_000, "1 h 5 min")],
)
def test_durations_in_words(ms: int, text: str) -> None:
    assert fhir_text.duration(ms) == text


PAIN = st.one_of(st.none(), st.integers(min_value=0, max_value=10))
REASONS = st.sampled_from(["completed", "user", "fault", "device_lost", "log_write_failed", None])
ANSWERS = st.lists(st.sampled_from(list(SkinAnswer)), max_size=2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sessions=st.lists(
        st.tuples(
            PAIN,
            PAIN,
            REASONS,
            st.booleans(),
            ANSWERS,
            st.sampled_from(["low-back", "sciatic-leg"]),
        ),
        max_size=6,
    ),
    include_simulated=st.booleans(),
    name=st.one_of(st.none(), st.text(min_size=1, max_size=30).map(str.strip).filter(bool)),
)
def test_every_export_parses_and_round_trips(
    sessions: list[tuple[int | None, int | None, str | None, bool, list[SkinAnswer], str]],
    include_simulated: bool,
    name: str | None,
) -> None:
    records = []
    for n, (before, after, reason, simulated, answers, profile) in enumerate(sessions):
        areas = [c["body_area"] for c in profile_as_run(profile)["channels"]]
        checks = tuple(SkinCheck(i + 1, areas[i % len(areas)], a) for i, a in enumerate(answers))
        records.append(
            record(
                n,
                profile=profile,
                pain=(before, after),
                reason=reason,
                simulated=simulated,
                skin=checks,
            )
        )
    safe = None if name is None or any(ord(c) < 32 or ord(c) == 127 for c in name) else name
    who = fhir_identity.PatientIdentity(safe)
    done = export(records, include_simulated=include_simulated, patient=who)
    assert done.sessions + done.simulated_left_out == len(records)


def test_the_fast_reader_reads_what_the_writers_wrote(home: Path) -> None:
    finished = write_session(home, FIRST, pain=(6, 3))
    store_skin(
        finished,
        1_800_000,
        [SkinCheck(1, "low back", SkinAnswer.IRRITATED)],
        given_wall=FIRST + 2_000,
    )
    interrupted = write_session(
        home, FIRST + 86_400, profile="calf", finished=False, pain=(5, None)
    )
    fast, whole = fastread.read_session(finished), read_log(finished)
    assert fast.summary == whole.summary
    assert [e["event"] for e in fast.events] == ["pain", "skin"]  # only what was appended
    assert row_of(fast) == row_of(whole)
    assert fastread.read_session(interrupted) == read_log(interrupted)
    (home / "sessions" / "20300105T000000Z-bad.jsonl").write_text("not a log\n")
    told: list[str] = []
    found = list(fastread.sessions(home, told.append))
    assert [r.path for r in found] == [finished, interrupted]
    [skipped] = told
    assert skipped.startswith("skipped 20300105T000000Z-bad.jsonl: ")
    assert skipped.endswith("not a session log (no header line)")
    document = export(found).document
    assert [p["status"] for p in resources(document, "Procedure")] == ["completed", "stopped"]
    assert [o.get("valueInteger") for o in resources(document, "Observation")] == [6, 3, None, 5]


def test_a_log_as_the_care_helpers_write_it_is_exported(home: Path) -> None:
    """(The real recorder's header is exported in tests/cli/test_export_fhir_cli.py.)"""
    path = write_session(home, FIRST, profile="mixed-frequency", pain=(7, 5))
    [procedure] = resources(export(list(fastread.sessions(home))).document, "Procedure")
    assert procedure["identifier"][0]["value"] == path.stem
