"""The lark-free spec parser (ocpispec/language/fast_parser.py) accepts exactly what lark
accepts and builds the same tree, positions included: every spec in the repository and
damaged variants of them. Its table, read from the user's cache, needs no lark."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from fixtures_cli import REPO
from test_lean_lexer import SPECS

from ocpispec.language.fast_parser import parse_text
from ocpispec.language.fast_table import table_of
from ocpispec.language.lark_without_regex import UnexpectedInput
from ocpispec.language.parser import fast_table, lark_parser
from ocpispec.language.tree import Token, Tree, from_lark


def shape(node):
    """A node with everything the builder reads: names, token types and texts, spans."""
    if isinstance(node, Tree):
        span = None if node.meta.empty else (node.meta.start_pos, node.meta.end_pos)
        return node.data, span, [shape(child) for child in node.children]
    if isinstance(node, Token):
        return node.type, str(node), node.start_pos, node.end_pos
    assert node is None
    return None


def lark_shape(text: str):
    try:
        return shape(from_lark(lark_parser().parse(text)))
    except UnexpectedInput:
        return "error"


def fast_shape(text: str):
    tree = parse_text(fast_table(), text)
    return "error" if tree is None else shape(tree)


def test_the_table_is_built_and_carries_no_lark_object():
    table = table_of(lark_parser())
    assert table is not None and len(table.rules) > 100
    assert b"lark" not in pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_spec_parses_as_with_lark(path):
    text = path.read_text(encoding="utf-8-sig")
    assert fast_shape(text) == lark_shape(text)


def test_a_spec_that_parses_has_a_tree_with_spans():
    text = (REPO / "specs" / "municipality_sessions.ocx").read_text(encoding="utf-8")
    tree = parse_text(fast_table(), text)
    assert tree is not None and tree.data == "start"
    assert (tree.meta.start_pos, tree.meta.end_pos) != (0, 0)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SPECS), st.integers(0, 10_000), st.integers(0, 40),
       st.sampled_from(["", " ", "\n", '"', "x", "1", "-", ".", "(", ")", ",", "=", "%",
                        "select ", "where ", " as y", "2026-01-01", "NL-TNM", "#", "\\",
                        "é", "not ", "[", "]", " and ", "?"]))
def test_damaged_specs_parse_or_fail_as_with_lark(path, at, cut, insert):
    text = path.read_text(encoding="utf-8-sig")
    at %= len(text) + 1
    damaged = text[:at] + insert + text[at + cut:]
    assert fast_shape(damaged) == lark_shape(damaged)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SPECS), st.data())
def test_specs_with_a_span_moved_parse_as_with_lark(path, data):
    text = path.read_text(encoding="utf-8-sig")
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 80)))
    to = data.draw(st.integers(0, len(text) - (end - start)))
    rest = text[:start] + text[end:]
    moved = rest[:to] + text[start:end] + rest[to:]
    assert fast_shape(moved) == lark_shape(moved)


_PROBE = """
import sys
from ocpispec.language import parse
from ocpispec.diagnostics.source import SourceFile
spec = parse(SourceFile.read(sys.argv[1]))
print(type(spec).__name__, sorted(m for m in ("lark", "click") if m in sys.modules))
"""


def test_a_spec_parsed_from_a_cached_table_loads_no_lark(tmp_path):
    env = {**os.environ, "OCPISPEC_CACHE_DIR": str(tmp_path / "cache")}
    spec = REPO / "specs" / "municipality_sessions.ocx"
    first = subprocess.run([sys.executable, "-c", _PROBE, str(spec)], env=env,
                           capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", _PROBE, str(spec)], env=env,
                            capture_output=True, text=True, check=True)
    assert first.stdout.split()[0] == "Spec"
    assert second.stdout.strip() == "Spec []"  # read from the cache: neither lark nor click


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_without_an_exception(text):
    tree = parse_text(fast_table(), text)
    assert tree is None or tree.data == "start"
    if tree is None:
        assert lark_shape(text) == "error"
