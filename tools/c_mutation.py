"""Mutation testing of the C firmware core's safety code: one mutant at a time, in a copy.

The mutated files are :data:`TARGETS` (limits, slew, the refusal tables, the device's
watchdog, faults and outputs, the time base, the request handler's checks) and the
``#define``\\ d limits those files use (:data:`LIMIT_HEADERS`). The operators
(:class:`Operator`): relational (``<`` to ``<=``, ``>=``, ``>`` and so on; ``==`` and ``!=``
swapped), integer constants (N to N + 1, N - 1 and 0), logical (``&&`` and ``||`` swapped,
``!`` removed), arithmetic (``+`` and ``-``, ``+=`` and ``-=``, ``++`` and ``--`` swapped) and
the removal of a statement that zeroes an output or latches a fault (``(void)0;`` instead).
A small C lexer finds them; comments, string and character literals and preprocessor lines
other than ``#define`` are never mutated. From the repository root::

    python tools/c_mutation.py --list                      # the mutants, nothing run
    nice -n 10 python tools/c_mutation.py --jobs 2         # run every mutant
    python tools/c_mutation.py --only core/limits.c        # one file (repeatable)
    python tools/c_mutation.py --json /tmp/cmut.json       # every result saved

Each mutant is built and tested in its own copy of ``firmware/`` under a temporary
folder (the work tree is never touched): the copy starts from a clean build made once, so
``make`` rebuilds only the mutated file. A mutant that does not compile is "not viable"
and left out of the score; one whose ``make test`` fails (a failing test, a sanitizer
report, the freestanding check) or runs past its timeout (10 times the clean run of the
same file) is killed; one that passes survives. A run stops starting mutants after
``--budget-min`` minutes; the rest are reported as not checked.

Prints one line per file (mutants, not viable, killed, survivors listed in
docs/c_mutation.md as equivalent, survivors not listed, the score of the non-equivalent
ones), then every survivor as file:line: before -> after. Exit status 1 when a survivor is
not listed in docs/c_mutation.md, a file's score is below :data:`GOAL_PERCENT`, or a
mutant was not checked; 2 when the clean firmware does not pass its own tests.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware"
SPEC = ROOT / "firmware_protocol.md"
DOC = ROOT / "docs" / "c_mutation.md"
#: Least share of the non-equivalent mutants of each file that must be killed, percent.
GOAL_PERCENT = 98.0
#: Files mutated with every operator, relative to firmware/.
TARGETS = (
    "core/limits.c",
    "core/slew.c",
    "core/checks.c",
    "core/device.c",
    "core/timebase.c",
    "core/timebase.h",
    "core/requests.c",
)
#: Headers whose ``#define NAME <integer>`` limits are mutated (constants only) when a
#: target uses NAME. tests/board/board.h is the board the unit tests build the core for.
LIMIT_HEADERS = ("core/proto.h", "tests/board/board.h")
#: Which of their defines are limits: a unit in the name (proto.h's convention), a count.
LIMIT_NAME = re.compile(r"_(MS|US|UA|MV|MHZ|PERCENT|UA_PER_S|COUNT)$|^TC_MAX_CHANNELS_ON_WIRE$")
#: Calls whose statement is removed: each zeroes an output, stops or latches a fault.
REMOVABLE_CALLS = frozenset(
    {
        "tc_hal_output_disable",
        "tc_hal_output_drive",
        "tc_ramp_drop",
        "tc_ramp_reset",
        "tc_over_reset",
        "zero_channel",
        "latch_channel",
        "tc_dev_latch_device",
        "tc_dev_stop_all",
    }
)
#: Fields whose assignment statement is removed (the state that gates output and faults),
#: besides any assignment of 0, ``false`` or IDLE.
REMOVABLE_FIELDS = frozenset(
    {
        "faults",
        "device_faults",
        "watchdog_armed",
        "state",
        "enabled",
        "setpoint_ua",
        "output_ua",
        "active",
    }
)
ZERO_VALUES = frozenset({"0", "0u", "0U", "false", "(uint8_t)TC_STATE_IDLE"})
#: Timeout of a mutant: this many times the clean run of its file, at least MIN_TIMEOUT_S.
TIMEOUT_FACTOR = 10.0
MIN_TIMEOUT_S = 10.0
#: The test runner's closing line (tests/check.c).
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.MULTILINE)
#: A listed survivor in docs/c_mutation.md: - `file` `function`: `before` -> `after`
LISTED = re.compile(
    r"^- `(?P<path>[^`]+)` `(?P<function>[^`]+)`: `(?P<before>[^`]*)` -> `(?P<after>[^`]*)`"
)


class TokenKind(StrEnum):
    """What the lexer tells apart (everything else is skipped)."""

    IDENT = "ident"
    NUMBER = "number"
    PUNCT = "punct"


class Operator(StrEnum):
    """The mutation operators."""

    RELATIONAL = "relational"
    CONSTANT = "constant"
    LOGICAL = "logical"
    ARITHMETIC = "arithmetic"
    REMOVAL = "removal"


class Status(StrEnum):
    """The outcome of one mutant."""

    KILLED = "killed"
    TIMEOUT = "timeout"
    SURVIVED = "survived"
    NOT_VIABLE = "not viable"
    NOT_CHECKED = "not checked"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its text, its offsets in the source (characters), its 1-based line, and
    the name of the ``#define`` whose body it is in ("" outside one)."""

    kind: TokenKind
    text: str
    start: int
    end: int
    line: int
    define: str


@dataclass(slots=True)
class Mutant:
    """One mutant: ``replacement`` for ``source[start:end]`` of ``path`` (under firmware/)."""

    number: int
    path: str
    line: int
    function: str
    operator: Operator
    start: int
    end: int
    replacement: str
    before: str
    after: str
    status: Status = Status.NOT_CHECKED
    seconds: float = 0.0
    summary: str = ""


@dataclass
class FileScore:
    """The results of one mutated file (counts of mutants)."""

    path: str
    total: int = 0
    not_viable: int = 0
    killed: int = 0
    not_checked: int = 0
    survivors: list[Mutant] = field(default_factory=list)


# --- the lexer ------------------------------------------------------------------------

#: C's punctuators, longest first (maximal munch).
PUNCTUATORS = (
    *("...", "<<=", ">>="),
    *("->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "##"),
    *("+=", "-=", "*=", "/=", "%=", "&=", "^=", "|="),
    *"[](){}.&*+-~!/%<>^|?:;=,#",
)
IDENT = re.compile(r"[A-Za-z_]\w*")
NUMBER = re.compile(r"\.?\d(?:[eEpP][+-]|[\w.])*")
#: A directive: its name, and for a #define the macro's name and parameters.
DIRECTIVE = re.compile(r"#[ \t]*(\w*)[ \t]*([A-Za-z_]\w*)?(\([^)]*\))?")
INTEGER = re.compile(r"(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)([uUlL]*)")


def lex(source: str) -> list[Token]:
    """The tokens of C ``source`` that may be mutated: comments, string and character
    literals and preprocessor lines are skipped, except the body of a ``#define`` (its
    tokens carry the macro's name)."""
    tokens: list[Token] = []
    i, line, n = 0, 1, len(source)
    at_line_start = True  # only whitespace since the last newline
    directive: str | None = None  # None, or the #define being read ("" for another line)
    while i < n:
        c = source[i]
        if c == "\\" and source.startswith("\n", i + 1):  # a line splice
            i, line = i + 2, line + 1
            continue
        if c == "\n":
            i, line, at_line_start, directive = i + 1, line + 1, True, None
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if source.startswith("//", i):
            i = _end_of_line(source, i)
            continue
        if source.startswith("/*", i):
            close = source.find("*/", i + 2)
            end = n if close < 0 else close + 2
            line += source.count("\n", i, end)
            i = end
            continue
        if c == "#" and at_line_start:
            at_line_start = False
            match = DIRECTIVE.match(source, i)  # matches "#" alone too
            if match and match.group(1) == "define" and match.group(2):
                directive = match.group(2)
                i = match.end()
            else:
                directive = ""
                i = _end_of_directive(source, i)
            continue
        at_line_start = False
        if c in "\"'":
            end = _end_of_literal(source, i)
            line += source.count("\n", i, end)
            i = end
            continue
        if directive == "":
            i += 1
            continue
        kind, end = _token_at(source, i)
        tokens.append(Token(kind, source[i:end], i, end, line, directive or ""))
        i = end
    return tokens


def _end_of_line(source: str, i: int) -> int:
    end = source.find("\n", i)
    return len(source) if end < 0 else end


def _end_of_directive(source: str, i: int) -> int:
    """Where a directive that is not a #define ends: its newline, splices and comments
    taken into account (its newline itself is left to the caller)."""
    n = len(source)
    while i < n:
        if source.startswith("\\\n", i):
            i += 2
        elif source.startswith("/*", i):
            close = source.find("*/", i + 2)
            i = n if close < 0 else close + 2
        elif source[i] == "\n":
            return i
        else:
            i += 1
    return n


def _end_of_literal(source: str, i: int) -> int:
    quote, j, n = source[i], i + 1, len(source)
    while j < n and source[j] != quote and source[j] != "\n":
        j += 2 if source[j] == "\\" else 1
    return min(j + 1, n)


def _token_at(source: str, i: int) -> tuple[TokenKind, int]:
    for pattern, kind in ((NUMBER, TokenKind.NUMBER), (IDENT, TokenKind.IDENT)):
        match = pattern.match(source, i)
        if match:
            return kind, match.end()
    for punct in PUNCTUATORS:
        if source.startswith(punct, i):
            return TokenKind.PUNCT, i + len(punct)
    return TokenKind.PUNCT, i + 1  # a stray character: one token, never mutated


def functions_of(tokens: Sequence[Token]) -> list[str]:
    """The name of the function each token is in ("#define NAME" in a macro's body,
    "(file scope)" outside any function)."""
    names: list[str] = []
    depth = parens = 0
    candidate = current = ""
    for k, tok in enumerate(tokens):
        if tok.define:
            names.append(f"#define {tok.define}")
            continue
        if depth == 0:
            if tok.text == "(" and parens == 0 and k and tokens[k - 1].kind is TokenKind.IDENT:
                candidate = tokens[k - 1].text
            parens += tok.text == "("
            parens -= tok.text == ")"
        if tok.text == "{":
            if depth == 0:
                current = candidate
            depth += 1
        names.append(current if depth else "(file scope)")
        if tok.text == "}":
            depth -= 1
            if depth == 0:
                current = ""
    return names


# --- the mutants ------------------------------------------------------------------------

RELATIONAL = {
    "<": ("<=", ">=", ">"),
    "<=": ("<", ">", ">="),
    ">": (">=", "<=", "<"),
    ">=": (">", "<", "<="),
    "==": ("!=",),
    "!=": ("==",),
}
SWAPS = {
    Operator.LOGICAL: {"&&": "||", "||": "&&", "!": ""},
    Operator.ARITHMETIC: {"+": "-", "-": "+", "+=": "-=", "-=": "+=", "++": "--", "--": "++"},
}
STATEMENT_START = frozenset({";", "{", "}", ")", "else"})


def mutants_of(path: str, source: str, *, limits: frozenset[str] | None = None) -> list[Mutant]:
    """The mutants of ``source`` (the file ``path`` under firmware/). With ``limits``, only
    the integer constants of the ``#define``\\ s named there, nothing else."""
    tokens = lex(source)
    functions = functions_of(tokens)
    found: list[tuple[int, int, str, Operator, int]] = []  # start, end, text, op, token
    for k, tok in enumerate(tokens):
        if limits is not None:
            if tok.define in limits and tok.kind is TokenKind.NUMBER:
                found += [(tok.start, tok.end, t, Operator.CONSTANT, k) for t in _constants(tok)]
            continue
        if tok.kind is TokenKind.NUMBER:
            found += [(tok.start, tok.end, t, Operator.CONSTANT, k) for t in _constants(tok)]
        elif tok.text in RELATIONAL:
            found += [(tok.start, tok.end, t, Operator.RELATIONAL, k) for t in RELATIONAL[tok.text]]
        else:
            for op, table in SWAPS.items():
                if tok.text in table:
                    found.append((tok.start, tok.end, table[tok.text], op, k))
        end = _removable_statement(tokens, k)
        if end is not None:
            found.append((tok.start, tokens[end].end, "(void)0;", Operator.REMOVAL, k))
    mutants = []
    for start, end, text, op, k in sorted(found, key=lambda f: (f[0], f[4], f[3], f[2])):
        before, after = _lines(source, start, end, text)
        mutants.append(
            Mutant(0, path, tokens[k].line, functions[k], op, start, end, text, before, after)
        )
    return mutants


def _constants(tok: Token) -> list[str]:
    """N + 1, N - 1 and 0 for an integer literal (its base and suffix kept)."""
    match = INTEGER.fullmatch(tok.text)
    if not match:
        return []
    digits, suffix = match.groups()
    if digits[:2] in ("0x", "0X"):
        value = int(digits, 16)
    else:
        value = int(digits, 8 if digits.startswith("0") else 10)
    values = [v for v in dict.fromkeys((value + 1, value - 1, 0)) if v >= 0 and v != value]
    return [_format(v, digits) + suffix for v in values]


def _format(value: int, like: str) -> str:
    if like[:2] in ("0x", "0X"):
        hexa = f"{value:x}"
        return like[:2] + (hexa.upper() if any(ch in "ABCDEF" for ch in like[2:]) else hexa)
    return str(value)


def _removable_statement(tokens: Sequence[Token], k: int) -> int | None:
    """The index of the ``;`` that ends the statement starting at token ``k``, when it is a
    call in :data:`REMOVABLE_CALLS` or an assignment that zeroes or latches; else None."""
    tok = tokens[k]
    if tok.kind is not TokenKind.IDENT or tok.define or k == 0:
        return None
    if tokens[k - 1].text not in STATEMENT_START:
        return None
    if tok.text in REMOVABLE_CALLS and k + 1 < len(tokens) and tokens[k + 1].text == "(":
        close = _matching(tokens, k + 1)
        if close is not None and close + 1 < len(tokens) and tokens[close + 1].text == ";":
            return close + 1
        return None
    j, last_field = k + 1, tok.text  # an lvalue: a.b, a->b, a[i]
    while j < len(tokens) and tokens[j].text in (".", "->", "["):
        if tokens[j].text == "[":
            close = _matching(tokens, j)
            if close is None:
                return None
            j = close + 1
        elif j + 1 < len(tokens) and tokens[j + 1].kind is TokenKind.IDENT:
            last_field, j = tokens[j + 1].text, j + 2
        else:
            return None
    if j >= len(tokens) or tokens[j].text != "=":
        return None
    end = j + 1
    while end < len(tokens) and tokens[end].text != ";":
        end += 1
    if end >= len(tokens):
        return None
    value = "".join(t.text for t in tokens[j + 1 : end])
    return end if value in ZERO_VALUES or last_field in REMOVABLE_FIELDS else None


def _matching(tokens: Sequence[Token], k: int) -> int | None:
    pairs = {"(": ")", "[": "]", "{": "}"}
    opening, depth = tokens[k].text, 0
    for j in range(k, len(tokens)):
        if tokens[j].text == opening:
            depth += 1
        elif tokens[j].text == pairs[opening]:
            depth -= 1
            if depth == 0:
                return j
    return None


def _lines(source: str, start: int, end: int, text: str) -> tuple[str, str]:
    """The source lines the span touches, before and after the change, on one line each
    (whitespace runs collapsed)."""
    first = source.rfind("\n", 0, start) + 1
    last = _end_of_line(source, end)
    before = source[first:last]
    after = source[first:start] + text + source[end:last]
    return " ".join(before.split()), " ".join(after.split())


def all_mutants(firmware: Path, only: Sequence[str] = ()) -> list[Mutant]:
    """Every mutant of :data:`TARGETS` and :data:`LIMIT_HEADERS`, numbered from 1."""
    sources = {path: (firmware / path).read_text() for path in TARGETS}
    used = {t.text for s in sources.values() for t in lex(s) if t.kind is TokenKind.IDENT}
    mutants = [m for path, source in sources.items() for m in mutants_of(path, source)]
    for path in LIMIT_HEADERS:
        source = (firmware / path).read_text()
        literal = {
            tok.define
            for tok in lex(source)
            if tok.define and tok.kind is TokenKind.NUMBER and INTEGER.fullmatch(tok.text)
        }
        names = {name for name in literal & used if LIMIT_NAME.search(name)}
        mutants += mutants_of(path, source, limits=frozenset(names))
    if only:
        wanted = {name.removeprefix("firmware/") for name in only}
        mutants = [m for m in mutants if m.path in wanted]
    for number, mutant in enumerate(mutants, start=1):
        mutant.number = number
    return mutants


# --- running them ---------------------------------------------------------------------


@dataclass
class Workspace:
    """A temporary folder with a clean, built copy of firmware/ (``base``) and each file's
    timeout, seconds."""

    root: Path
    timeouts: dict[str, float]
    posix_objects: list[str]
    nice: int
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> Path:
        return self.root / "base" / "firmware"


def _make(
    directory: Path, targets: Sequence[str], timeout: float, nice: int
) -> tuple[int | None, str]:
    """``make -C directory targets``: its exit status (None after the timeout, when its
    whole process group is killed) and its output."""

    def child_setup() -> None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a sanitizer abort leaves no core
        if nice:
            os.nice(nice)

    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    child = subprocess.Popen(  # noqa: S603 - make with arguments built here
        ["make", "-C", str(directory), *targets],  # noqa: S607 - make from PATH, as CI runs it
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
        errors="replace",
        start_new_session=True,  # so a timeout can stop the test binary too
        preexec_fn=child_setup,  # setrlimit and nice only: safe before exec
    )
    try:
        out, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, _ = child.communicate()
        return None, out
    return child.returncode, out


def _copy(ws: Workspace, name: str) -> Path:
    """A fresh copy of the clean build as ``<root>/<name>/firmware`` (mtimes kept)."""
    folder = ws.root / name
    shutil.copytree(ws.base, folder / "firmware", symlinks=True)
    (folder / "firmware_protocol.md").symlink_to(ws.root / "firmware_protocol.md")
    return folder / "firmware"


def prepare(nice: int, paths: Sequence[str]) -> Workspace:
    """Copy firmware/ once, build and test it clean, and time the clean rebuild of each of
    ``paths`` (its timeout is :data:`TIMEOUT_FACTOR` times that)."""
    root = Path(tempfile.mkdtemp(prefix="tenscontrol-cmut-"))
    shutil.copytree(FIRMWARE, root / "base" / "firmware", ignore=shutil.ignore_patterns("build"))
    shutil.copy2(SPEC, root / "firmware_protocol.md")
    (root / "base" / "firmware_protocol.md").symlink_to(root / "firmware_protocol.md")
    ws = Workspace(root, {}, [], nice)
    status, out = _make(ws.base, ["test"], 600.0, nice)
    if status != 0 or not _all_passed(out):
        shutil.rmtree(root, ignore_errors=True)
        print(out[-3000:])
        raise SystemExit("error: the clean firmware does not pass make test; nothing mutated")
    ws.posix_objects = sorted(
        str(p.relative_to(ws.base)) for p in (ws.base / "build" / "posix" / "core").glob("*.o")
    )
    for path in paths:
        copy = _copy(ws, f"clean-{path.replace('/', '-')}")
        os.utime(copy / path)
        started = time.monotonic()
        built, _ = _make(copy, ["build/fw-tests", *ws.posix_objects], 600.0, nice)
        tested, out = _make(copy, ["test"], 600.0, nice)
        seconds = time.monotonic() - started
        shutil.rmtree(copy.parent, ignore_errors=True)
        if built != 0 or tested != 0 or not _all_passed(out):
            raise SystemExit(f"error: the clean rebuild of {path} fails")
        ws.timeouts[path] = max(MIN_TIMEOUT_S, TIMEOUT_FACTOR * seconds)
        print(f"clean rebuild and test of {path}: {seconds:.2f} s")
    return ws


def _all_passed(out: str) -> bool:
    found = SUMMARY.findall(out)
    return bool(found) and found[-1][1] == "0" and int(found[-1][0]) > 0


def check(ws: Workspace, mutant: Mutant) -> None:
    """Build and test one mutant in its own copy; sets its status, time and summary."""
    copy = _copy(ws, f"m{mutant.number}")
    started = time.monotonic()
    try:
        source = (copy / mutant.path).read_text()
        mutated = source[: mutant.start] + mutant.replacement + source[mutant.end :]
        (copy / mutant.path).write_text(mutated)  # its mtime is now: only it is rebuilt
        timeout = ws.timeouts[mutant.path]
        built, _ = _make(copy, ["build/fw-tests", *ws.posix_objects], timeout, ws.nice)
        if built is None:
            mutant.status = Status.TIMEOUT
        elif built != 0:
            mutant.status = Status.NOT_VIABLE
        else:
            tested, out = _make(copy, ["test"], timeout, ws.nice)
            found = SUMMARY.findall(out)
            mutant.summary = f"{found[-1][0]} passed, {found[-1][1]} failed" if found else ""
            if tested is None:
                mutant.status = Status.TIMEOUT
            else:
                mutant.status = Status.SURVIVED if tested == 0 else Status.KILLED
    finally:
        mutant.seconds = time.monotonic() - started
        shutil.rmtree(copy.parent, ignore_errors=True)


def run(mutants: Sequence[Mutant], *, jobs: int, nice: int, budget_s: float) -> float:
    """Check every mutant on ``jobs`` workers until the budget; returns the wall time."""
    started = time.monotonic()
    ws = prepare(nice, sorted({m.path for m in mutants}))
    deadline = time.monotonic() + budget_s
    done = 0

    def one(mutant: Mutant) -> None:
        nonlocal done
        if time.monotonic() < deadline:
            check(ws, mutant)
        with ws.lock:
            done += 1
            if done % 50 == 0 or done == len(mutants):
                minutes = (time.monotonic() - started) / 60
                print(f"  {done} of {len(mutants)} mutants, {minutes:.1f} min", flush=True)

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            for future in [pool.submit(one, m) for m in mutants]:
                future.result()
    finally:
        shutil.rmtree(ws.root, ignore_errors=True)
    return time.monotonic() - started


# --- the report -------------------------------------------------------------------------


def documented(doc: Path) -> set[tuple[str, str, str, str]]:
    """(path, function, before, after) of every survivor docs/c_mutation.md lists."""
    if not doc.exists():
        return set()
    return {
        (m["path"], m["function"], m["before"], m["after"])
        for m in map(LISTED.match, doc.read_text().splitlines())
        if m
    }


def key(mutant: Mutant) -> tuple[str, str, str, str]:
    """How docs/c_mutation.md names a mutant: no line number, so edits elsewhere in the
    file do not unlist it."""
    return (mutant.path, mutant.function, mutant.before, mutant.after)


def scores(mutants: Sequence[Mutant]) -> list[FileScore]:
    by_path: dict[str, FileScore] = {}
    for m in mutants:
        score = by_path.setdefault(m.path, FileScore(m.path))
        score.total += 1
        if m.status is Status.NOT_VIABLE:
            score.not_viable += 1
        elif m.status in (Status.KILLED, Status.TIMEOUT):
            score.killed += 1
        elif m.status is Status.NOT_CHECKED:
            score.not_checked += 1
        else:
            score.survivors.append(m)
    return list(by_path.values())


def report(mutants: Sequence[Mutant], listed: set[tuple[str, str, str, str]]) -> int:
    """Print the table and the survivors; 1 if a survivor is unlisted, a score is too low
    or a mutant was not checked."""
    status = 0
    header = f"{'file':<22} {'mutants':>7} {'n/viable':>8} {'killed':>6} {'listed':>6} {'open':>5}"
    print(f"{header} {'score':>7}")
    for s in scores(mutants):
        explained = sum(1 for v in s.survivors if key(v) in listed)
        unexplained = len(s.survivors) - explained
        counted = s.total - s.not_viable - s.not_checked - explained
        score = 100.0 * s.killed / counted if counted else 100.0
        if unexplained or score < GOAL_PERCENT or s.not_checked:
            status = 1
        note = f"  ({s.not_checked} not checked)" if s.not_checked else ""
        print(
            f"{s.path:<22} {s.total:>7} {s.not_viable:>8} {s.killed:>6} {explained:>6}"
            f" {unexplained:>5} {score:>6.1f}%{note}"
        )
    counts = {st: sum(1 for m in mutants if m.status is st) for st in Status}
    print(
        f"all: {len(mutants)} mutants, {counts[Status.NOT_VIABLE]} not viable,"
        f" {counts[Status.KILLED] + counts[Status.TIMEOUT]} killed"
        f" ({counts[Status.TIMEOUT]} by timeout), {counts[Status.SURVIVED]} survived,"
        f" {counts[Status.NOT_CHECKED]} not checked"
    )
    for m in mutants:
        if m.status is Status.SURVIVED:
            mark = "[equivalent]" if key(m) in listed else "[NOT LISTED]"
            where = f"{m.path}:{m.line}"
            print(f"{mark} #{m.number} {m.operator} in {m.function}")
            print(f"    {where}: {m.before}\n    {' ' * len(where)}  -> {m.after}")
    return status


def _print_list(mutants: Sequence[Mutant]) -> None:
    for m in mutants:
        print(f"#{m.number} {m.path}:{m.line} {m.operator} ({m.function}): {m.before} -> {m.after}")
    per_file: dict[str, int] = {}
    for m in mutants:
        per_file[m.path] = per_file.get(m.path, 0) + 1
    print(", ".join(f"{path} {count}" for path, count in per_file.items()))
    print(f"{len(mutants)} mutants")


def _iter_json(mutants: Sequence[Mutant]) -> Iterator[dict[str, object]]:
    for m in mutants:
        yield {k: v for k, v in asdict(m).items() if k not in ("start", "end")}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    parser.add_argument(
        "--only", action="append", default=[], metavar="FILE", help="only this file (repeatable)"
    )
    parser.add_argument("--budget-min", type=float, default=40.0, help="stop after (minutes)")
    parser.add_argument("--nice", type=int, default=0, help="run make at this niceness")
    parser.add_argument("--json", metavar="FILE", help="save every mutant and its result")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    known = set(TARGETS) | set(LIMIT_HEADERS)
    for name in args.only:
        if name.removeprefix("firmware/") not in known:
            parser.error(f"--only: {name} is not mutated (one of: {', '.join(sorted(known))})")
    return args


def main(argv: list[str] | None = None) -> int:
    """List or run the mutants, print the scores, return the exit status."""
    args = _parse(argv)
    mutants = all_mutants(FIRMWARE, args.only)
    if args.list:
        _print_list(mutants)
        return 0
    print(f"{len(mutants)} mutants on {args.jobs} jobs")
    wall = run(mutants, jobs=args.jobs, nice=args.nice, budget_s=args.budget_min * 60)
    checked = [m for m in mutants if m.status is not Status.NOT_CHECKED]
    per = sum(m.seconds for m in checked) / len(checked) if checked else 0.0
    print(f"wall time {wall / 60:.1f} min, {per:.2f} s per mutant on one job")
    if args.json:
        Path(args.json).write_text(json.dumps(list(_iter_json(mutants)), indent=1) + "\n")
    return report(mutants, documented(DOC))


if __name__ == "__main__":
    sys.exit(main())
