"""``tens export --format fhir``: the Bundle of a real recorded session (the recorder's own
header), a torn log and scored real sessions parses with fhir.resources and round-trips;
simulated sessions apart; no identity unless given; a 0600 file, never through a link;
bad flags exit 2; two runs byte-identical; 0 and 200 sessions."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import real_session, run, torn_session
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle

from helpers.care_logs import write_session
from tenscontrol.cli.main import cli
from tenscontrol.records.skin import SkinAnswer, SkinCheck, store_skin

SIMULATED = "20270115T080000Z-low-back"
TORN = "20300101T000000Z-calf"
#: 2030-01-02 00:00 UTC and a day later: the two scored real sessions.
REAL = (1_893_542_400.0, 1_893_628_800.0)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated session run by the real engine, a torn real log, two real scored
    sessions (the second with a skin check) and a file that is not a log."""
    base = tmp_path_factory.mktemp("fhir")
    real_session(base)
    data = base / "data"
    torn_session(data, TORN)
    write_session(data, REAL[0], pain=(7, 4))
    second = write_session(data, REAL[1], profile="sciatic-leg", pain=(6, 3))
    checks = [SkinCheck(1, "low back, painful side, beside the spine", SkinAnswer.RED)]
    store_skin(second, 1_800_000, checks, given_wall=REAL[1] + 1_900)
    (data / "sessions" / "20300109T000000Z-broken.jsonl").write_text("{}\n")
    return data


def bundle(text: str) -> dict[str, Any]:
    """The exported text as a document, checked: it parses, and round-trips."""
    model = Bundle.model_validate_json(text)
    assert Bundle.model_validate_json(model.model_dump_json()) == model
    document: dict[str, Any] = json.loads(text)
    return document


def kinds(document: dict[str, Any]) -> list[str]:
    return [e["resource"]["resourceType"] for e in document["entry"]]


def of(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == kind]


def test_real_sessions_to_stdout(home: Path) -> None:
    result = run("export", "--format", "fhir", home=home)
    assert result.exit_code == 0, result.stderr
    document = bundle(result.stdout)
    ids = [p["identifier"][0]["value"] for p in of(document, "Procedure")]
    assert ids == [TORN, "20300102T000000Z-low-back", "20300103T000000Z-sciatic-leg"]
    torn, first, _ = of(document, "Procedure")
    assert (torn["status"], first["status"]) == ("stopped", "completed")
    assert torn["performedPeriod"]["end"] > torn["performedPeriod"]["start"]
    scores = [o for o in of(document, "Observation") if "valueInteger" in o]
    assert [o["valueInteger"] for o in scores] == [7, 4, 6, 3]
    assert {o["code"]["coding"][0]["code"] for o in scores} == {"72514-3"}
    [skin] = [o for o in of(document, "Observation") if "valueCodeableConcept" in o]
    assert skin["valueCodeableConcept"] == {"text": "red"}
    assert "skipped 20300109T000000Z-broken.jsonl" in result.stderr
    assert "left out: 1 SIMULATED session (--include-simulated exports them)" in result.stderr


def test_the_recorders_own_header_with_include_simulated(home: Path) -> None:
    result = run("export", "--format", "fhir", "--include-simulated", home=home)
    assert result.exit_code == 0, result.stderr
    document = bundle(result.stdout)
    [simulated] = [p for p in of(document, "Procedure") if "SIMULATED" in p["code"]["text"]]
    assert simulated["identifier"][0]["value"] == SIMULATED
    notes = "\n".join(n["text"] for n in simulated["note"])
    assert "highest current delivered 15 mA" in notes
    assert "Stimulation time 20 s" in notes
    devices = {d["serialNumber"]: d for d in of(document, "Device")}
    assert devices["SIM00001"]["modelNumber"] == "TC-SIM-2"
    assert devices["SIM00001"]["type"]["text"].startswith("SIMULATED")
    assert "left out" not in result.stderr


def test_no_identity_unless_given(home: Path) -> None:
    plain = bundle(run("export", "--format", "fhir", home=home).stdout)
    assert of(plain, "Patient") == [{"resourceType": "Patient"}]
    assert "builtin_profiles" not in json.dumps(plain)  # no path of this machine
    given = run(
        "export", "--format", "fhir", "--patient-name", "Alex Doe", "--patient-id", "MRN 4711",
        home=home,
    )  # fmt: skip
    assert given.exit_code == 0, given.stderr
    [patient] = of(bundle(given.stdout), "Patient")
    assert patient == {
        "resourceType": "Patient",
        "identifier": [{"value": "MRN 4711"}],
        "name": [{"text": "Alex Doe"}],
    }


def test_output_file_is_private_and_twice_the_same(home: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    old = os.umask(0)
    try:
        for target in (first, second):
            result = run("export", "--format", "fhir", "-o", str(target), home=home)
            assert result.exit_code == 0, result.stderr
            assert result.stdout == ""
            assert f"saved {target}" in result.stderr
    finally:
        os.umask(old)
    for target in (first, second):
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text() == run("export", "--format", "fhir", home=home).stdout
    bundle(first.read_text())


def test_output_onto_a_symlink_is_refused(home: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text("keep")
    link = tmp_path / "record.json"
    link.symlink_to(target)
    result = run("export", "--format", "fhir", "--output", str(link), home=home)
    assert result.exit_code == 2
    assert f"error: {link}: is a symbolic link, not a regular file" in result.stderr.splitlines()
    assert target.read_text() == "keep"
    assert link.is_symlink()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--format", "csv", "--patient-name", "Alex"],
            "error: --patient-name: only with --format fhir",
        ),
        (["--format", "jsonl", "--include-simulated"], "error: --include-simulated: only with"),
        (["--format", "csv", "--patient-id", "1"], "error: --patient-id: only with --format fhir"),
        (["--format", "fhir", "--patient-name", ""], "error: --patient-name: empty"),
        (["--format", "fhir", "--patient-id", "a\tb"], "error: --patient-id: contains a control"),
        (["--format", "fhir", "--patient-id", "9" * 201], "error: --patient-id: longer than 200"),
        (["--format", "hl7"], "error: "),
        (["--format", "fhir", "--patient-name"], "error: "),
    ],
)
def test_bad_flags_exit_2(home: Path, args: list[str], says: str) -> None:
    result = run("export", *args, home=home)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0].startswith(says)


@pytest.mark.parametrize("variable", ["TENS_EXPORT_PATIENT_NAME", "TENS_EXPORT_PATIENT_ID"])
def test_identity_from_the_environment_is_refused(home: Path, variable: str) -> None:
    env = {"TENS_HOME": str(home), variable: "Alex Doe"}
    result = CliRunner().invoke(cli, ["export", "--format", "fhir"], env=env)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "command line only, not from the environment" in result.stderr.splitlines()[0]


def test_no_sessions(tmp_path: Path) -> None:
    result = run("export", "--format", "fhir", home=tmp_path / "nothing")
    assert result.exit_code == 0, result.stderr
    assert kinds(bundle(result.stdout)) == ["Patient"]
    assert not (tmp_path / "nothing").exists()  # nothing created just by exporting


def test_two_hundred_sessions(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    for n in range(200):
        write_session(folder, REAL[0] + n * 21_600, pain=None if n % 4 else (6, 3))
    document = bundle(run("export", "--format", "fhir", home=folder).stdout)
    assert kinds(document).count("Procedure") == 200
    assert kinds(document).count("Observation") == 2 * 50
    assert kinds(document).count("Device") == 1


def test_help_has_an_example() -> None:
    result = run("export", "--help", home=Path("/nonexistent"))
    assert result.exit_code == 0
    assert "tens export --format fhir" in result.output


def test_the_benchmark_history_is_exported(tmp_path: Path) -> None:
    """benchmarks/fhir_export.py: progress_scale's history, skin checks appended."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import fhir_export
    import progress_scale

    progress_scale.generate(tmp_path / "home", 12, telemetry_s=300)
    checked = fhir_export.add_skin_checks(tmp_path / "home")
    result = run("export", "--format", "fhir", "--include-simulated", home=tmp_path / "home")
    document = bundle(result.stdout)
    assert kinds(document).count("Procedure") == 12
    skin = [o for o in of(document, "Observation") if "coding" not in o["code"]]
    assert len({o["partOf"][0]["reference"] for o in skin}) == checked > 0
