"""What a source file imports, read with ``ast`` (so imports inside functions and under
TYPE_CHECKING count too): for the layering tests."""

from __future__ import annotations

import ast
from pathlib import Path


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports by absolute name (``from tenscontrol import x`` counts
    as ``tenscontrol.x``). A relative import is refused: the project uses none."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise ValueError(f"{path}: relative import of {node.module!r}")
            if node.module == "tenscontrol":
                names.update(f"tenscontrol.{alias.name}" for alias in node.names)
            elif node.module:
                names.add(node.module)
    return names
