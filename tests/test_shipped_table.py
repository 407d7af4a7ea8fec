"""The spec parser's table shipped in the package (ocpispec/language/shipped_table.py):
it is what the grammar, the lexer and lark give now, and a fresh install's first `check`
uses it, so that it neither imports lark nor builds a parser (about a second) nor
writes one into the user's cache. tests/test_fast_parser.py compares the trees it gives
with lark's."""

from __future__ import annotations

import os
import subprocess
import sys

from fixtures_cli import REPO

from ocpispec.language import shipped_table
from ocpispec.language.fast_table import shipped_key
from ocpispec.language.parser import fast_table, grammar_text
from ocpispec.language.table_source import SHIPPED, current_source


def test_the_shipped_table_is_what_the_grammar_gives_now():
    shipped = (REPO / "ocpispec" / "language" / SHIPPED).read_text(encoding="utf-8")
    assert shipped == current_source(), "run `.venv/bin/python tools/ship_parse_table.py`"


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


def test_the_first_parse_with_an_empty_cache_loads_no_lark(tmp_path):
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", _PARSE, str(SPEC)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "Spec []"
