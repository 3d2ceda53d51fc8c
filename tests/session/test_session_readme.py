"""The README's library example really runs (so it cannot rot)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Running a session from Python", 1)[1].split("\n## ", 1)[0]
    blocks: list[str] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1
    return blocks[0]


def test_the_readme_session_example_runs_and_prints_what_it_says() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example(), str(README), "exec"), {"__name__": "readme_example"})
    assert out.getvalue().splitlines() == ["completed 60000 {1: 20000}", "complete"]
