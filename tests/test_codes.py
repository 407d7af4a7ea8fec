"""The code index: every front-end code has a doc with all sections and a case file;
`ocpispec explain` prints the docs."""

from __future__ import annotations

import re

import pytest
from fixtures_cli import cli_block
from frontend_helpers import CASES, REPO

from ocpispec.diagnostics import codes

FRONT_END = [doc for doc in codes.all_codes() if int(doc.code[3:]) < 500]
SOURCES = [REPO / "ocpispec" / name for name in (
    "language/parser.py", "language/parse_errors.py", "language/parse_guesses.py",
    "language/parse_character_errors.py",
    "language/parse_order.py",
    "language/syntax_builder.py", "language/syntax_leaves.py",
    "check/checker.py", "check/compiler.py")]
SOURCES += sorted((REPO / "ocpispec" / "check").glob("*.py"))


def _case_codes() -> set[str]:
    return {path.name.split("_")[0] for path in CASES}


def test_front_end_codes_are_documented() -> None:
    assert len(FRONT_END) >= 60


@pytest.mark.parametrize("doc", FRONT_END, ids=lambda d: d.code)
def test_every_code_has_a_case_file(doc) -> None:
    assert doc.code in _case_codes(), f"add tests/cases/{doc.code}_{doc.slug.replace('-', '_')}.ocx"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_case_names_a_registered_code(path) -> None:
    code, *slug = path.stem.split("_")
    doc = codes.lookup(code)
    assert doc is not None
    assert "_".join(slug).startswith(doc.slug.replace("-", "_"))


def test_every_emitted_code_is_documented() -> None:
    emitted = {code for path in SOURCES for code in re.findall(r'"(OCX\d{3})"', path.read_text())}
    assert emitted
    assert {code for code in emitted if codes.lookup(code) is None} == set()
    assert {doc.code for doc in FRONT_END} <= emitted


@pytest.mark.parametrize("doc", codes.all_codes(), ids=lambda d: d.code)
def test_doc_has_every_section(doc) -> None:
    positions = [doc.text.find(section) for section in codes.SECTIONS]
    assert all(p > 0 for p in positions) and positions == sorted(positions), doc.code
    assert doc.summary[:1].islower() or doc.summary.startswith("`")
    assert not doc.summary.endswith(".")


def test_every_doc_file_parses() -> None:
    files = sorted(path.stem for path in (REPO / "ocpispec" / "diagnostics" / "codes").glob("*.md"))
    assert files == [doc.code for doc in codes.all_codes()]


def test_lookup_is_case_insensitive_and_slugs_resolve() -> None:
    assert codes.lookup("ocx104").code == "OCX104"
    assert codes.by_slug("unknown-field").code == "OCX104"
    assert codes.lookup("OCX999") is None


def test_explain_prints_the_doc(run_cli) -> None:
    result = run_cli("explain", "OCX301")
    assert result.exit_code == 0
    assert result.stdout == codes.lookup("OCX301").text


@pytest.mark.parametrize("spelling", ["ocx104", "104", "unknown-field"])
def test_explain_accepts_other_spellings(run_cli, spelling) -> None:
    assert run_cli("explain", spelling).stdout == codes.lookup("OCX104").text


def test_explain_unknown_code(run_cli, snapshot) -> None:
    assert cli_block(run_cli("explain", "OCX199")) == snapshot


def test_explain_list(run_cli) -> None:
    result = run_cli("explain", "--list")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == [doc.code for doc in codes.all_codes()]
    assert "OCX104  unknown-field" in result.stdout


def test_explain_needs_a_code(run_cli) -> None:
    result = run_cli("explain")
    assert result.exit_code == 2
    assert "name a code" in result.stderr


@pytest.mark.parametrize("code", [doc.code for doc in codes.all_codes()])
def test_explain_of_every_code(run_cli, code: str, snapshot) -> None:
    """What `ocpispec explain` prints for each code is reviewed text: a changed page shows
    up as a snapshot diff."""
    result = run_cli("explain", code)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == snapshot
