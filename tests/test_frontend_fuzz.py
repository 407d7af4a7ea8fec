"""Property: no input text, however mangled, makes the front end raise anything but
diagnostics, and every diagnostic it produces renders in every format."""

from __future__ import annotations

import re

import pytest
from frontend_helpers import CASES, REPO, SPECS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocpispec.diagnostics import report
from ocpispec.check.compiler import compile_source
from ocpispec.diagnostics import CompileError, Diagnostic
from ocpispec.diagnostics.source import SourceFile

CORPUS = [path for path in (*SPECS, *CASES) if not path.name.startswith("OCX010")]
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\"[^\"\n]*\"|\s+|.", re.S)
VOCABULARY = ["from", "select", "as", "because", "group", "by", "compute", "output", "to",
              "where", "join", "on", "and", "or", "not", "in", "is", "null", "(", ")", "[",
              "]", ",", ".", "=", "<", "-", "*", '"', '"x"', "#", "\t", "\n", "kwh",
              "cdr_token", "location", "jmespath", "pseudonymize", "2026-01-01", "06:00",
              "999999999999", "é", "\x00", "{", "}", "'", "`"]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def front_end(source: SourceFile) -> list[Diagnostic]:
    try:
        return list(compile_source(source).warnings)
    except CompileError as exc:
        assert exc.diagnostics, "a CompileError must carry diagnostics"
        return list(exc.diagnostics)


def assert_renders(source: SourceFile, diagnostics: list[Diagnostic]) -> None:
    for fmt in report.FORMATS:
        assert isinstance(report.render(diagnostics, {source.name: source}, format=fmt), str)


@st.composite
def mangled_spec(draw) -> SourceFile:
    path = draw(st.sampled_from(CORPUS))
    tokens = TOKEN.findall(path.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        tokens = _mutate(draw, tokens)
    return SourceFile(path.relative_to(REPO).as_posix(), "".join(tokens))


def _mutate(draw, tokens: list[str]) -> list[str]:
    if not tokens:
        return [draw(st.sampled_from(VOCABULARY))]
    i = draw(st.integers(0, len(tokens) - 1))
    j = draw(st.integers(0, len(tokens) - 1))
    match draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "chars"])):
        case "delete":
            return tokens[:i] + tokens[i + 1:]
        case "duplicate":
            return tokens[:i] + [tokens[i]] + tokens[i:]
        case "swap":
            tokens = list(tokens)
            tokens[i], tokens[j] = tokens[j], tokens[i]
            return tokens
        case "insert":
            return tokens[:i] + [draw(st.sampled_from(VOCABULARY))] + tokens[i:]
    text = tokens[i]
    k = draw(st.integers(0, len(text)))
    return tokens[:i] + [text[:k] + draw(st.text(max_size=3)) + text[k + 1:]] + tokens[i + 1:]


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    source = SourceFile("fuzz.ocx", text)
    assert_renders(source, front_end(source))


@FUZZ
@given(mangled_spec())
def test_mangled_specs(source: SourceFile) -> None:
    assert_renders(source, front_end(source))
