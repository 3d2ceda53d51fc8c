"""The safety screening's rules and its stored answers (hazards 10 and 12 of
docs/safety.md).

Questions from docs/safety.md: when to ask a clinician first, when never to use TENS, where
pads must never go, and the red flags that need urgent care. Every question is put so that
"yes" is the answer that blocks. The answers are stored with their date in
``<data>/screening.json`` (mode 0600 in a 0700 folder); a passed screening is valid for
:data:`VALID_DAYS` days. Nothing is sent anywhere. Asking is the CLI's job (``tens screen``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenscontrol.files import ReplacedFile, private_dir, read_regular
from tenscontrol.records.paths import data_dir

#: A passed screening is asked again after this many days.
VALID_DAYS = 90
SCHEMA = 1
FILE_NAME = "screening.json"
#: A screening file is a few hundred bytes; anything over this is not one.
MAX_BYTES = 64 * 1024

#: (id, group, question). Groups: "clinician", "never", "placement", "red_flag".
QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("implant", "clinician", "Do you have a pacemaker, defibrillator or other implant?"),
    ("heart", "clinician", "Do you have heart disease?"),
    ("epilepsy", "clinician", "Do you have epilepsy?"),
    ("pregnancy", "clinician", "Are you pregnant, or could you be?"),
    ("undiagnosed", "clinician", "Is your pain new, or not yet diagnosed by a clinician?"),
    ("cancer", "clinician", "Do you have cancer at or near where the pads would go?"),
    ("dvt", "clinician", "Do you have deep vein thrombosis (DVT) or thrombophlebitis?"),
    ("surgery", "clinician", "Have you had recent surgery, or do you bleed easily?"),
    ("skin", "clinician", "Is the skin where the pads go numb, broken or irritated?"),
    ("never_activity", "never", "Might you use it while driving, sleeping or in water?"),
    (
        "never_equipment",
        "never",
        "Might you use it near ECG monitors or surgical equipment, or within about 1 m of "
        "shortwave or microwave therapy?",
    ),
    (
        "placement",
        "placement",
        "Might a pad go on the spine's midline, the head, the front of the neck or the chest, "
        "a channel cross the trunk, or pads go on both legs at once?",
    ),
    ("bladder", "red_flag", "Do you have new problems controlling your bladder or bowels?"),
    (
        "saddle",
        "red_flag",
        "Do you have numbness between your legs, around the genitals or the anus?",
    ),
    ("both_legs", "red_flag", "Do you have weakness or numbness in both legs?"),
    (
        "spreading",
        "red_flag",
        "Is weakness or numbness getting worse or spreading down to your foot?",
    ),
)

CLINICIAN_MESSAGE = (
    "Thank you for answering. Because of your answers, please talk to your doctor or "
    "physiotherapist before using TENS; they can tell you whether and how it is safe for you. "
    "No session was started."
)
RED_FLAG_MESSAGE = (
    "Please do not use TENS now, and get urgent medical care today: the signs you describe "
    "(bladder or bowel changes, numbness between the legs, weakness in both legs or spreading "
    "down a leg) need a clinician to look at them quickly. No session was started."
)
AFTERCARE = (
    "During and after a session: stop and contact a clinician if you get burns or a rash "
    "that lasts, palpitations or dizziness, or if your pain gets worse."
)


@dataclass(frozen=True, slots=True)
class Screening:
    """One completed screening. ``answers``: question id -> True for yes."""

    completed_wall: float
    answers: dict[str, bool]

    @property
    def passed(self) -> bool:
        """True when every answer was no."""
        return not any(self.answers.values())

    @property
    def red_flag(self) -> bool:
        """True when a red-flag question was answered yes."""
        return any(self.answers.get(q) for q, group, _ in QUESTIONS if group == "red_flag")

    def valid_at(self, wall: float) -> bool:
        """Passed, complete, and at most :data:`VALID_DAYS` days old at Unix time ``wall``."""
        complete = set(self.answers) >= {q for q, _, _ in QUESTIONS}
        age_s = wall - self.completed_wall
        return self.passed and complete and 0 <= age_s <= VALID_DAYS * 86_400


def screening_path(root: Path | None = None) -> Path:
    """Where the screening answers are stored."""
    return (root or data_dir()) / FILE_NAME


def load(root: Path | None = None) -> Screening | None:
    """The stored screening, or None when there is none or it cannot be read."""
    path = screening_path(root)
    try:
        raw: Any = json.loads(read_regular(path, limit=MAX_BYTES).decode("utf-8"))
        answers = raw["answers"]
        wall = float(raw["completed_wall"])
        if not isinstance(answers, dict) or raw.get("schema") != SCHEMA:
            return None
        if not all(isinstance(k, str) and isinstance(v, bool) for k, v in answers.items()):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Screening(wall, dict(answers))


def save(screening: Screening, root: Path | None = None) -> Path:
    """Store ``screening`` (replacing the previous one) with mode 0600."""
    path = screening_path(root)
    private_dir(path.parent, tighten_existing=False)
    record = {
        "schema": SCHEMA,
        "completed_wall": round(screening.completed_wall, 3),
        "date": time.strftime("%Y-%m-%d", time.localtime(screening.completed_wall)),
        "passed": screening.passed,
        "valid_days": VALID_DAYS,
        "answers": screening.answers,
    }
    with ReplacedFile(path) as replaced:  # a new 0600 file, renamed over the old one
        replaced.text().write(json.dumps(record, indent=2) + "\n")
    return path


def valid_screening(root: Path | None = None, now: float | None = None) -> Screening | None:
    """The stored screening if it passed and is still valid, else None."""
    found = load(root)
    wall = time.time() if now is None else now
    return found if found is not None and found.valid_at(wall) else None


def outcome_message(screening: Screening) -> str:
    """The kind message for a screening's outcome."""
    if screening.red_flag:
        return RED_FLAG_MESSAGE
    if not screening.passed:
        return CLINICIAN_MESSAGE
    return f"Screening complete: valid for {VALID_DAYS} days. {AFTERCARE}"
