"""``docs/safety.md`` stays true to the code: every hard limit is in its limits table with
the value the code has, every screening question is listed, every test the hazard table
names exists, and every module and symbol it names as a mitigation exists.

Read with ``ast`` and plain text only: no test module is imported (so this stays fast and
cannot be broken by another test's import-time side effects).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tenscontrol import hard_limits

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "safety.md"
SRC = ROOT / "src" / "tenscontrol"
HARD_LIMITS = SRC / "hard_limits.py"
SCREEN = SRC / "records" / "screening.py"

#: A pytest node id in backticks: ``tests/x/test_y.py::test_z`` or ``...::TestClass::test``.
NODE_ID = re.compile(r"`(tests/[\w/]+\.py)::(\w+(?:::\w+)?)`")
#: A module under ``src/tenscontrol/`` in backticks, optionally with ``: symbol[.member]``.
MODULE_REF = re.compile(r"`([a-z_]+(?:/[a-z_]+)*\.py)(?:: ([A-Za-z_]\w*(?:\.\w+)?))?`")
#: Module-level constants of hard_limits: UPPER_CASE names.
CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")
#: What a hazard row without a test must say instead.
NO_TEST = "no test yet"


@dataclass(frozen=True, slots=True)
class HazardRow:
    """One row of the hazard table: its number and its mitigation and tests cells."""

    number: str
    mitigation: str
    tests: str


def section(title: str) -> str:
    """The text of the ``## N. <title>...`` section of the document, up to the next ``## ``
    (``title`` is the start of the heading)."""
    text = DOC.read_text(encoding="utf-8")
    heading = rf"^## \d+\. {re.escape(title)}[^\n]*\n"
    match = re.search(rf"{heading}(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match is not None, f"docs/safety.md has no section {title!r}"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the first Markdown table in ``text``, as stripped cells.

    Cells are split on ``|`` that is not escaped as ``\\|``.
    """
    rows: list[list[str]] = []
    lines = [line for line in text.splitlines() if line.startswith("|")]
    for line in lines[2:]:  # after the header and the ---|--- line
        cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
        rows.append([cell.strip() for cell in cells])
    return rows


def hazard_rows() -> list[HazardRow]:
    """Every row of the hazard table."""
    rows = table_rows(section("Hazard table"))
    for cells in rows:
        assert len(cells) == 5, f"hazard row needs 5 cells, has {len(cells)}: {cells[:1]}"
    return [HazardRow(cells[0], cells[3], cells[4]) for cells in rows]


def hard_limit_constants() -> set[str]:
    """The UPPER_CASE names assigned at module level in hard_limits.py, read with ast."""
    tree = ast.parse(HARD_LIMITS.read_text(encoding="utf-8"), str(HARD_LIMITS))
    names: set[str] = set()
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names |= {t.id for t in targets if isinstance(t, ast.Name) and CONSTANT.match(t.id)}
    return names


@cache
def defined_names(path: Path) -> dict[str, set[str]]:
    """Top-level names of a module (functions, classes, assignments) -> the names defined
    directly in each class's body (empty for anything else)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names[node.name] = set()
        elif isinstance(node, ast.ClassDef):
            names[node.name] = {
                item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            }
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update({t.id: set() for t in targets if isinstance(t, ast.Name)})
    return names


def test_the_hazard_table_has_every_hazard_and_each_row_tests_or_says_why_not() -> None:
    rows = hazard_rows()
    numbers = [row.number for row in rows]
    assert len(numbers) == len(set(numbers)), "hazard numbers repeat"
    hazards = {int(re.sub(r"\D+$", "", number)) for number in numbers}  # "16a" -> 16
    assert hazards >= set(range(1, 18)), f"hazards missing: {set(range(1, 18)) - hazards}"
    for row in rows:
        assert NODE_ID.search(row.tests) or NO_TEST in row.tests, f"row {row.number}: no test"


def test_every_test_the_hazard_table_names_exists() -> None:
    missing: list[str] = []
    cited = 0
    for row in hazard_rows():
        for path_text, name in NODE_ID.findall(row.tests):
            cited += 1
            path = ROOT / path_text
            if not path.is_file():
                missing.append(f"row {row.number}: {path_text} does not exist")
                continue
            outer, _, inner = name.partition("::")
            names = defined_names(path)
            if outer not in names or (inner and inner not in names[outer]):
                missing.append(f"row {row.number}: {path_text}::{name} is not defined")
            elif not outer.startswith(("test_", "Test")):
                missing.append(f"row {row.number}: {path_text}::{name} is not a test")
    assert cited > 100
    assert not missing, "\n".join(missing)


def test_every_module_and_symbol_named_as_a_mitigation_exists() -> None:
    missing: list[str] = []
    for row in hazard_rows():
        for module, symbol in MODULE_REF.findall(row.mitigation):
            path = SRC / module
            if not path.is_file():
                missing.append(f"row {row.number}: src/tenscontrol/{module} does not exist")
                continue
            if not symbol:
                continue
            outer, _, member = symbol.partition(".")
            names = defined_names(path)
            if outer not in names or (member and member not in names[outer]):
                missing.append(f"row {row.number}: {module}: {symbol} is not defined there")
    assert not missing, "\n".join(missing)


def test_every_hard_limit_is_documented_with_its_value() -> None:
    constants = hard_limit_constants()
    assert len(constants) > 30
    text = DOC.read_text(encoding="utf-8")
    unmentioned = sorted(c for c in constants if not re.search(rf"`{c}`", text))
    assert not unmentioned, f"not in docs/safety.md: {unmentioned}"
    documented: dict[str, int] = {}
    for cells in table_rows(section("Hard limits")):
        name = cells[0].strip("`")
        documented[name] = int(cells[1])  # int() accepts the code's 80_000 spelling
    assert set(documented) == constants, "the limits table must list exactly the constants"
    wrong = {
        name: (value, getattr(hard_limits, name))
        for name, value in documented.items()
        if getattr(hard_limits, name) != value
    }
    assert not wrong, f"documented value differs from the code (doc, code): {wrong}"


@pytest.mark.parametrize("column", [3, 4])
def test_every_hard_limit_has_a_meaning_and_a_source(column: int) -> None:
    for cells in table_rows(section("Hard limits")):
        assert cells[column], f"{cells[0]}: column {column + 1} is empty"


def test_every_screening_question_is_listed() -> None:
    tree = ast.parse(SCREEN.read_text(encoding="utf-8"), str(SCREEN))
    questions = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "QUESTIONS"
        and node.value is not None
    )
    ids = {qid for qid, _, _ in ast.literal_eval(questions)}
    listed = {cells[0].strip("`") for cells in table_rows(section("Screening, warnings"))}
    assert listed == ids
