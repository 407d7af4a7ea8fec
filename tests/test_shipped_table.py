"""The parsers shipped in the package: the lark-free parser's table
(ocpispec/language/shipped_table.py) and lark's parser serialized (shipped_lark.py). Both
are what the grammar, the lexer and lark give now; a fresh install's first `check` uses
the table, so that it neither imports lark nor builds a parser (about a second) nor
writes one into the user's cache, and its first spec with a syntax error loads lark's
parser rather than building it. tests/test_fast_parser.py compares the trees the table
gives with lark's."""

from __future__ import annotations

import os
import subprocess
import sys

from fixtures_cli import REPO

import lark
import pytest
from test_lean_lexer import SPECS, outcome, stock_parser

from ocpispec.language import parser as parser_module
from ocpispec.language import shipped_lark, shipped_table
from ocpispec.language.fast_table import shipped_key
from ocpispec.language.parser import fast_table, grammar_text
from ocpispec.language.table_source import (SHIPPED, SHIPPED_LARK, current_lark_source,
                                            current_source)


def test_the_shipped_table_is_what_the_grammar_gives_now():
    shipped = (REPO / "ocpispec" / "language" / SHIPPED).read_text(encoding="utf-8")
    assert shipped == current_source(), "run `.venv/bin/python tools/ship_parse_table.py`"


# lark's serialized form is lark's own: with another lark the parser is built, not loaded
SHIPPED_LARK_IS_USED = pytest.mark.skipif(
    lark.__version__ != shipped_lark.LARK_VERSION,
    reason=f"shipped_lark.py is for lark {shipped_lark.LARK_VERSION}, not {lark.__version__}")


def test_the_shipped_lark_parser_is_for_the_grammar_read_now():
    assert shipped_lark.GRAMMAR_KEY == shipped_key(grammar_text()), \
        "run `.venv/bin/python tools/ship_parse_table.py`"


@SHIPPED_LARK_IS_USED
def test_the_shipped_lark_parser_is_what_the_grammar_gives_now():
    shipped = (REPO / "ocpispec" / "language" / SHIPPED_LARK).read_text(encoding="utf-8")
    assert shipped == current_lark_source(), "run `.venv/bin/python tools/ship_parse_table.py`"


@pytest.fixture(scope="module")
def loaded():
    parser = parser_module._shipped_lark(grammar_text())
    assert parser is not None
    return parser


@SHIPPED_LARK_IS_USED
@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_the_shipped_lark_parser_parses_and_fails_as_a_built_one(loaded, path):
    text = path.read_text(encoding="utf-8-sig")
    assert outcome(loaded, text) == outcome(stock_parser(), text)
    damaged = text[: len(text) // 2] + " = (" + text[len(text) // 2:]
    assert outcome(loaded, damaged) == outcome(stock_parser(), damaged)


@SHIPPED_LARK_IS_USED
def test_the_shipped_lark_parser_is_used_only_for_its_grammar_and_lark(monkeypatch):
    assert parser_module._shipped_lark(grammar_text() + "\n// a comment\n") is None
    monkeypatch.setattr(shipped_lark, "LARK_VERSION", "0.1")
    assert parser_module._shipped_lark(grammar_text()) is None


@SHIPPED_LARK_IS_USED
def test_a_shipped_lark_parser_lark_cannot_read_means_building_it(monkeypatch):
    monkeypatch.setattr(shipped_lark, "DATA", {**shipped_lark.DATA, "parser": {}})
    assert parser_module._shipped_lark(grammar_text()) is None
    built = parser_module.build_lark(grammar_text(), False)
    text = (REPO / "tests" / "cases" / "OCX001_unexpected_token.ocx").read_text(encoding="utf-8")
    assert outcome(built, text) == outcome(stock_parser(), text)


def test_the_parser_uses_the_shipped_table_only_for_the_grammar_it_was_made_from():
    assert fast_table() is shipped_table.TABLE
    assert shipped_key(grammar_text()) == shipped_table.GRAMMAR_KEY
    assert shipped_key(grammar_text() + "\n// a comment\n") != shipped_table.GRAMMAR_KEY


_PARSE = """
import sys
from ocpispec.language import parse
from ocpispec.diagnostics.source import SourceFile
spec = parse(SourceFile.read(sys.argv[1]))
print(type(spec).__name__, sorted(m for m in ("lark", "click") if m in sys.modules))
"""
SPEC = REPO / "specs" / "municipality_sessions.ocx"


def test_the_first_check_with_an_empty_cache_builds_and_writes_no_parser(tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-m", "ocpispec", "check", str(SPEC)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "valid" in done.stderr, done.stderr
    assert sorted(path.name.split("-")[0] for path in cache.iterdir()) == ["catalogue"]


_BUILDS = """
import sys
from lark import Lark
built = []
Lark.__init__ = lambda *args, **kwargs: built.append(1) or sys.exit("lark built a parser")
from ocpispec.language import parse
from ocpispec.diagnostics import CompileError
from ocpispec.diagnostics.source import SourceFile
try:
    parse(SourceFile.read(sys.argv[1]))
except CompileError as exc:
    print(exc.diagnostics[0].code)
"""


@SHIPPED_LARK_IS_USED
def test_the_first_syntax_error_with_an_empty_cache_builds_no_parser(tmp_path):
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(tmp_path / "cache")}
    spec = REPO / "tests" / "cases" / "OCX001_unexpected_token.ocx"
    done = subprocess.run([sys.executable, "-c", _BUILDS, str(spec)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "OCX001"), done.stderr
    assert [path.name.split("-")[0] for path in (tmp_path / "cache").iterdir()] == ["parser"]


def test_the_first_parse_with_an_empty_cache_loads_no_lark(tmp_path):
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", _PARSE, str(SPEC)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "Spec []"


def _files(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")
                  if "__pycache__" not in path.parts)


def test_check_writes_nothing_beside_the_package_even_without_a_usable_cache(tmp_path):
    """The package folder may be read-only: a check (of a valid spec, of a syntax error)
    with no usable cache folder writes neither there nor lark's cache in the temporary
    folder."""
    package = REPO / "ocpispec"
    before = _files(package)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(blocker / "cache"), "TMPDIR": str(temporary),
           "PYTHONDONTWRITEBYTECODE": "1"}
    for spec, status in ((SPEC, 0), (REPO / "tests" / "cases" / "OCX001_unexpected_token.ocx", 1)):
        done = subprocess.run([sys.executable, "-m", "ocpispec", "check", str(spec)], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == status, done.stderr
    assert _files(package) == before
    if lark.__version__ == shipped_lark.LARK_VERSION:
        assert list(temporary.iterdir()) == []  # lark's own cache: not built, not written
