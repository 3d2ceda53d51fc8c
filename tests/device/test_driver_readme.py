"""The README's driver example really runs and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_driver_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Devices and the driver", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {"__name__": "readme_driver"})
    first, second = out.getvalue().splitlines()
    assert first == "TC-SIM-2 True"
    assert 1_000 <= int(second) <= 2_000  # 0.2 s into a 20 mA/s ramp towards 2 mA
