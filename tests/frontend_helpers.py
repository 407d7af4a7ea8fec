"""Shared by the front-end tests: run a spec through the front end, render the result."""

from __future__ import annotations

from pathlib import Path

from ocpispec.check.checked import CheckedSpec
from ocpispec.check.compiler import compile_source, read_source
from ocpispec.diagnostics import CompileError, Diagnostic
from ocpispec.diagnostics.source import SourceFile

REPO = Path(__file__).resolve().parents[1]
CASES = sorted((REPO / "tests" / "cases").glob("*.ocx"))
SPECS = sorted((REPO / "specs").glob("*.ocx"))

HEADER = '''export test_export
  consumer "Test consumer"
  purpose "Exercise the checker in a unit test"
  legal basis legitimate interests
  retention 1 year
  pseudonym key env TEST_KEY
source profile demo
'''


def diagnose(path: Path) -> tuple[list[Diagnostic], dict[str, SourceFile], str]:
    """All diagnostics of a spec file (relative to the repo root, which must be the cwd).
    A case of a code about two specs has the other one in `cases/across/`, of the same
    name: checked before it, as `ocpispec check OTHER CASE` does."""
    name = path.relative_to(REPO).as_posix()
    try:
        source = read_source(name)
    except CompileError as exc:
        return list(exc.diagnostics), {}, name
    other = path.parent / "across" / path.name
    if other.exists():
        from ocpispec.check.across import check_across

        first = compile_source(read_source(other.relative_to(REPO).as_posix()))
        checked = compile_source(source)
        return [*checked.warnings, *check_across([first, checked])[1]], {name: source}, name
    return diagnose_source(source), {name: source}, name


def diagnose_source(source: SourceFile) -> list[Diagnostic]:
    try:
        return list(compile_source(source).warnings)
    except CompileError as exc:
        return list(exc.diagnostics)


def check_text(body: str, header: str = HEADER) -> CheckedSpec:
    """Check a spec made of the test header and `body`; raise CompileError if invalid."""
    return compile_source(SourceFile("test.ocx", header + body))


def codes_of(body: str, header: str = HEADER) -> list[str]:
    return [d.code for d in diagnose_source(SourceFile("test.ocx", header + body))]


def only(body: str, header: str = HEADER) -> Diagnostic:
    """The single diagnostic a spec produces."""
    found = diagnose_source(SourceFile("test.ocx", header + body))
    assert len(found) == 1, [(d.code, d.message) for d in found]
    return found[0]
