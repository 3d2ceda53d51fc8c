"""Mutation testing of the safety core: mutmut in a copy of the tree, then a score per module.

The modules and the test folders are configured in pyproject.toml (``[tool.mutmut]``);
docs/mutation.md lists every mutant that survives, with why it is equivalent. Needs the
``mutation`` extra (``pip install '.[test,mutation]'``). From the repository root::

    python tools/mutation.py --jobs 2              # run (results of unchanged code kept)
    python tools/mutation.py --jobs 2 --fresh      # forget every earlier result first
    python tools/mutation.py --retest-survivors    # after adding tests: the survivors again
    python tools/mutation.py --report              # the last run's results only

mutmut runs in a copy of the tree (``--workdir``): its ``mutants/`` folder never lands in
the work tree, and edits made while it runs do not reach it. Child processes the tests
start import the same copy (``PYTHONPATH``), so they run the mutant too. A run stops after
``--budget-min`` minutes; what was not checked by then is reported as such.

Prints one line per module (mutants, killed, survivors listed in docs/mutation.md as
equivalent or text only, survivors not listed, the score of the non-equivalent ones), then
every survivor: its id, file:line and the changed line. Exit status 1 when a survivor is
not listed in docs/mutation.md or a module's score is below :data:`GOAL_PERCENT`.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "mutation.md"
#: What the copy needs: the code, the tests and the files those tests read.
TREES = ("src", "tests", "docs")
FILES = ("pyproject.toml", "README.md", "firmware_protocol.md")
LINKS = ("profiles",)
#: Least share of the non-equivalent mutants of each module that must be killed, percent.
GOAL_PERCENT = 98.0
#: mutmut's exit codes per mutant (mutmut/stats.py), the ones this report tells apart.
KILLED = frozenset({1, 3})
SURVIVED = frozenset({0})
TIMEOUT = frozenset({-24, 24, 152, 255, 36})
NOT_CHECKED = frozenset({None})
MUTANT_ID = re.compile(r"tenscontrol\.[\w.ǁ]+__mutmut_\d+")


@dataclass
class Survivor:
    """One surviving mutant: its id, where it is, the changed line before and after."""

    name: str
    where: str
    before: str
    after: str


@dataclass
class ModuleScore:
    """The results of one mutated module (counts of mutants)."""

    path: str
    total: int = 0
    killed: int = 0
    timeout: int = 0
    not_checked: int = 0
    other: int = 0
    survivors: list[Survivor] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    """Run (unless ``--report``), print the scores, return the exit status."""
    args = _parse(argv)
    work = Path(args.workdir).resolve()
    if not args.report:
        names = _listed_survivors(work) if args.retest_survivors else []
        if args.retest_survivors and not names:
            print("no survivors to retest")
        else:
            _sync(work, fresh=args.fresh)
            _run(work, jobs=args.jobs, nice=args.nice, budget_s=args.budget_min * 60, names=names)
    scores = _scores(work)
    if not scores:
        print(f"error: no mutation results in {work}/mutants; run without --report first")
        return 2
    return _print(scores, _documented(DOC))


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument(
        "--workdir",
        default=str(Path(tempfile.gettempdir()) / "tenscontrol-mutation"),
        help="where the copy and mutmut's results live (kept between runs)",
    )
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    parser.add_argument("--retest-survivors", action="store_true", help="retest survivors only")
    parser.add_argument("--report", action="store_true", help="print the last results only")
    parser.add_argument("--nice", type=int, default=0, help="run mutmut at this niceness")
    parser.add_argument("--budget-min", type=float, default=40.0, help="stop after (minutes)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def _sync(work: Path, *, fresh: bool) -> None:
    """Copy the tree into ``work`` (mtimes kept, so mutmut keeps results of unchanged
    files); ``fresh``: drop mutmut's results too."""
    work.mkdir(parents=True, exist_ok=True)
    if fresh:
        shutil.rmtree(work / "mutants", ignore_errors=True)
    skip = shutil.ignore_patterns("__pycache__", ".hypothesis", ".pytest_cache", "*.pyc")
    for name in TREES:
        shutil.rmtree(work / name, ignore_errors=True)
        shutil.copytree(ROOT / name, work / name, symlinks=True, ignore=skip)
    for name in FILES:
        shutil.copy2(ROOT / name, work / name)
    for name in LINKS:
        (work / name).unlink(missing_ok=True)
        (work / name).symlink_to((ROOT / name).readlink())
    # Made now, not by mutmut: a PYTHONPATH folder missing when Python starts is skipped
    # for good, and the installed package (the work tree, if editable) would be tested.
    (work / "mutants" / "src").mkdir(parents=True, exist_ok=True)


def _run(work: Path, *, jobs: int, nice: int, budget_s: float, names: list[str]) -> None:
    """``mutmut run`` in ``work`` for at most ``budget_s`` seconds; its output goes to
    ``work/mutmut.log``."""
    mutmut = shutil.which("mutmut") or str(Path(sys.executable).with_name("mutmut"))
    if not Path(mutmut).exists():
        raise SystemExit("error: mutmut is not installed: pip install '.[test,mutation]'")
    # mutants/src: children of the tests import the mutant too; tools: the order plugin.
    env = {**os.environ, "PYTHONPATH": f"{work / 'mutants' / 'src'}{os.pathsep}{ROOT / 'tools'}"}
    env.pop("CI", None)  # the run is not CI: a skip stays a skip
    command = [mutmut, "run", "--max-children", str(jobs), *names]
    log = work / "mutmut.log"
    started = time.monotonic()
    print(f"running {len(names) or 'all'} mutants in {work} on {jobs} jobs (log: {log})")
    with log.open("w") as out:
        child = subprocess.Popen(  # noqa: S603 - our own mutmut, arguments built here
            command,
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # so the budget can stop its workers too
            preexec_fn=(lambda: os.nice(nice)) if nice else None,
        )
        try:
            status = child.wait(timeout=budget_s)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGTERM)
            status = child.wait()
            print(f"stopped at the budget of {budget_s / 60:.0f} min")
    print(f"mutmut exited {status} after {(time.monotonic() - started) / 60:.1f} min wall time")


def _listed_survivors(work: Path) -> list[str]:
    """Ids of the survivors (and not-checked mutants) of the last run."""
    return [s.name for score in _scores(work, with_diffs=False) for s in score.survivors] + [
        name for name, code in _exit_codes(work) if code in NOT_CHECKED
    ]


def _mutated_paths(work: Path) -> list[str]:
    config = tomllib.loads((work / "pyproject.toml").read_text())
    return list(config["tool"]["mutmut"]["only_mutate"])


def _exit_codes(work: Path) -> list[tuple[str, int | None]]:
    codes: list[tuple[str, int | None]] = []
    for path in _mutated_paths(work):
        meta = work / "mutants" / f"{path}.meta"
        if meta.exists():
            codes += json.loads(meta.read_text())["exit_code_by_key"].items()
    return codes


def _scores(work: Path, *, with_diffs: bool = True) -> list[ModuleScore]:
    """One :class:`ModuleScore` per mutated module that has results."""
    scores = []
    for path in _mutated_paths(work):
        meta = work / "mutants" / f"{path}.meta"
        if not meta.exists():
            continue
        score = ModuleScore(path)
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            score.total += 1
            if code in KILLED:
                score.killed += 1
            elif code in TIMEOUT:
                score.timeout += 1
            elif code in NOT_CHECKED:
                score.not_checked += 1
            elif code in SURVIVED:
                score.survivors.append(
                    _survivor(work, path, name) if with_diffs else Survivor(name, path, "", "")
                )
            else:  # no tests, suspicious, segfault: reported, never counted as killed
                score.other += 1
                score.survivors.append(Survivor(name, path, f"exit code {code}", ""))
        scores.append(score)
    return scores


def _survivor(work: Path, path: str, name: str) -> Survivor:
    """The survivor ``name`` of ``path``: file:line and the line before and after."""
    diff = _diff(work, path, name)
    removed = [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    before = removed[0].strip() if removed else ""
    line = _line_of(work / path, name, before)
    return Survivor(name, f"{path}:{line}", before, added[0].strip() if added else "")


def _diff(work: Path, path: str, name: str) -> list[str]:
    """The unified diff of the mutant's function against the original (mutmut's own)."""
    cwd = Path.cwd()
    os.chdir(work)  # mutmut reads its files relative to the working directory
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        diff: str = get_diff_for_mutant(name, path=path)  # Any where mutmut is absent
        return diff.splitlines()
    finally:
        os.chdir(cwd)


def _line_of(source: Path, name: str, text: str) -> int:
    """Line number in ``source`` of ``text`` inside the function the mutant ``name`` is
    of (its ``def`` line when not found, 0 when the function is not found)."""
    mangled = name.rpartition(".")[2].partition("__mutmut_")[0]
    if mangled.startswith("xǁ"):  # a method: xǁClassǁname
        _, owner, func = mangled.split("ǁ")
    else:  # a function: x_name
        owner, func = "", mangled.removeprefix("x_")
    lines = source.read_text().splitlines()
    body = ast.parse(source.read_text()).body
    if owner:
        body = [
            item
            for node in body
            if isinstance(node, ast.ClassDef) and node.name == owner
            for item in node.body
        ]
    for node in body:
        if isinstance(node, ast.FunctionDef) and node.name == func:
            span = lines[node.lineno - 1 : node.end_lineno]
            stripped = [line.strip() for line in span]
            if text in stripped:
                return node.lineno + stripped.index(text)
            close = difflib.get_close_matches(text, stripped, n=1)
            return node.lineno + (stripped.index(close[0]) if close else 0)
    return 0


def _documented(doc: Path) -> dict[str, str]:
    """Mutant id -> ``equivalent`` or ``text only``, from docs/mutation.md."""
    listed: dict[str, str] = {}
    if not doc.exists():
        return listed
    for line in doc.read_text().splitlines():
        kind = "text only" if "text only" in line.lower() else "equivalent"
        for name in MUTANT_ID.findall(line):
            listed[name] = kind
    return listed


def _print(scores: list[ModuleScore], listed: dict[str, str]) -> int:
    """Print the table and the survivors; 1 if a survivor is unlisted or a score too low."""
    status = 0
    print(f"{'module':<44} {'mutants':>7} {'killed':>6} {'listed':>6} {'open':>5} {'score':>7}")
    all_total = all_killed = all_listed = 0
    for s in scores:
        explained = sum(1 for v in s.survivors if v.name in listed)
        unexplained = len(s.survivors) - explained
        counted = s.total - explained - s.not_checked
        killed = s.killed + s.timeout
        score = 100.0 * killed / counted if counted else 100.0
        if unexplained or score < GOAL_PERCENT:
            status = 1
        note = f"  ({s.not_checked} not checked)" if s.not_checked else ""
        module = s.path.removeprefix("src/tenscontrol/")
        print(
            f"{module:<44} {s.total:>7} {killed:>6} {explained:>6} {unexplained:>5}"
            f" {score:>6.1f}%{note}"
        )
        all_total += s.total
        all_killed += killed
        all_listed += explained
    raw = 100.0 * all_killed / all_total if all_total else 100.0
    print(f"all: {all_killed} of {all_total} mutants killed ({raw:.1f} %), {all_listed} listed")
    for s in scores:
        for v in s.survivors:
            mark = f"[{listed[v.name]}]" if v.name in listed else "[NOT LISTED]"
            pad = " " * len(v.where)
            print(f"{mark} {v.name}\n    {v.where}: {v.before}\n    {pad}  -> {v.after}")
    return status


if __name__ == "__main__":
    sys.exit(main())
