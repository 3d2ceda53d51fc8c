"""tools/c_mutation.py finds its mutants where docs/c_mutation.md says, and nowhere else.

Only the lexer and the mutant list: running mutants takes minutes (the tool itself).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

TOOL = Path(__file__).resolve().parents[1] / "tools" / "c_mutation.py"


@pytest.fixture(scope="module")
def cmut() -> ModuleType:
    spec = importlib.util.spec_from_file_location("c_mutation", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["c_mutation"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _afters(cmut: ModuleType, source: str) -> list[str]:
    return [m.after for m in cmut.mutants_of("x.c", source)]


def test_every_operator_in_a_function(cmut: ModuleType) -> None:
    source = "int f(int a)\n{\n    if (a < 2 && !a) {\n        b = a + 1;\n    }\n}\n"
    afters = _afters(cmut, source)
    assert "if (a <= 2 && !a) {" in afters
    assert "if (a >= 2 && !a) {" in afters
    assert "if (a > 2 && !a) {" in afters
    assert "if (a < 3 && !a) {" in afters
    assert "if (a < 1 && !a) {" in afters
    assert "if (a < 0 && !a) {" in afters
    assert "if (a < 2 || !a) {" in afters
    assert "if (a < 2 && a) {" in afters
    assert "b = a - 1;" in afters
    assert len(afters) == 11  # the nine above, and 1 -> 2, 1 -> 0 in b = a + 1
    functions = {m.function for m in cmut.mutants_of("x.c", source)}
    assert functions == {"f"}


def test_removal_of_zeroing_and_latching_statements(cmut: ModuleType) -> None:
    source = (
        "void g(void)\n{\n    tc_hal_output_disable(n);\n    ch->faults = x;\n"
        "    ch->other = x;\n    if (y) zero_channel(core, n);\n    report(n);\n}\n"
    )
    removed = [m.before for m in cmut.mutants_of("x.c", source) if m.operator == "removal"]
    assert removed == [
        "tc_hal_output_disable(n);",
        "ch->faults = x;",
        "if (y) zero_channel(core, n);",
    ]


def test_defines_mutated_other_directives_not(cmut: ModuleType) -> None:
    source = '#include "a1.h"\n#if X > 1\n#define LIMIT_MS 200u\n#endif\n#define TEXT "123"\n'
    assert sorted(_afters(cmut, source)) == [
        "#define LIMIT_MS 0u",
        "#define LIMIT_MS 199u",
        "#define LIMIT_MS 201u",
    ]


def test_hex_literal_keeps_its_base_and_suffix(cmut: ModuleType) -> None:
    assert sorted(_afters(cmut, "#define H 0xFFFFu\n")) == [
        "#define H 0x0u",
        "#define H 0x10000u",
        "#define H 0xFFFEu",
    ]


def test_limits_only_mutates_the_named_defines(cmut: ModuleType) -> None:
    source = "#define A_MS 5u\n#define B_MS 7u\nstatic int f(void) { return 1 + 2; }\n"
    mutants = cmut.mutants_of("x.h", source, limits=frozenset({"B_MS"}))
    assert {m.function for m in mutants} == {"#define B_MS"}


@given(st.text(alphabet="<>=!&|+-01239 \n;()abc'", max_size=60))
def test_nothing_inside_comments_or_literals_is_mutated(cmut: ModuleType, text: str) -> None:
    body = text.replace("*/", "")
    comment = f"int x;\n/* {body} */\n// {body.replace(chr(10), ' ')}\n"
    literal = 'const char *s = "{}";\n'.format(
        body.replace("\\", "").replace('"', "").replace("\n", " ")
    )
    assert _afters(cmut, comment) == []
    assert _afters(cmut, literal) == []


def test_the_firmware_mutants_cover_the_safety_files(cmut: ModuleType) -> None:
    mutants = cmut.all_mutants(TOOL.parents[1] / "firmware")
    paths = {m.path for m in mutants}
    assert set(cmut.TARGETS) <= paths
    assert [m.number for m in mutants] == list(range(1, len(mutants) + 1))
    assert all(m.before != m.after for m in mutants)


def test_listed_survivors_are_read_from_the_doc(cmut: ModuleType, tmp_path: Path) -> None:
    doc = tmp_path / "c_mutation.md"
    doc.write_text("- `core/a.c` `f`: `if (a < b) {` -> `if (a <= b) {`\n  why\n")
    assert cmut.documented(doc) == {("core/a.c", "f", "if (a < b) {", "if (a <= b) {")}
