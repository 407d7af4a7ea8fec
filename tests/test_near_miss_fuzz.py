"""Property: a spec one slip away from a clean one (a keyword or function name with a
typo, a quote left out, a stray Unicode character) ends in diagnostics, never a
traceback, and each of them points at the spec: `file:line:col` and a caret."""

from __future__ import annotations

import re

import pytest
from frontend_helpers import CASES, REPO, SPECS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocpispec.diagnostics import report
from test_frontend_fuzz import front_end
from ocpispec.diagnostics.source import SourceFile

WORDS = re.compile(r"[a-z_]{3,}")
# what a keyboard, a word processor or a copy from a web page slips into a line
STRAY = ["\u00a0", "\u200b", "\ufeff", "\u2019", "\u201c", "\u2014", "\u2026", "é", "ß",
         "\u00b4", "\u2212", "\t"]
# the shipped specs and the diagnostics' cases, without those reading files beside them
# (templates) or made of one unreadable byte (OCX010)
CLEAN = [path for path in (*SPECS, *CASES) if path.name != "monthly_report.ocx"
         and not path.name.startswith(("OCX010", "OCX4"))]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@st.composite
def near_miss(draw) -> SourceFile:
    path = draw(st.sampled_from(CLEAN))
    text = path.read_text(encoding="utf-8")
    slip = draw(st.sampled_from(["typo", "quote", "stray"]))
    if slip == "quote":
        quotes = [m.start() for m in re.finditer('"', text)]
        at = draw(st.sampled_from(quotes))
        text = text[:at] + text[at + 1:]
    elif slip == "stray":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(STRAY)) + text[at:]
    else:
        # a word outside comments and strings: keywords, function and field names
        code = re.sub(r'#[^\n]*|"[^"\n]*"', lambda m: " " * len(m.group(0)), text)
        word = draw(st.sampled_from(list(WORDS.finditer(code))))
        start, end = word.span()
        k = draw(st.integers(start, end - 1))
        edit = draw(st.sampled_from(["drop", "double", "swap", "replace"]))
        letter = draw(st.sampled_from("aeiourstnl"))
        typo = {"drop": text[start:k] + text[k + 1:end],
                "double": text[start:k + 1] + text[k:end],
                "swap": text[start:k] + text[k + 1:k + 2] + text[k] + text[k + 2:end]
                if k + 1 < end else text[start:end - 2] + text[end - 1] + text[end - 2],
                "replace": text[start:k] + letter + text[k + 1:end]}[edit]
        text = text[:start] + typo + text[end:]
    return SourceFile(path.relative_to(REPO).as_posix(), text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_miss())
def test_a_near_miss_gets_diagnostics_that_point_at_the_spec(source: SourceFile) -> None:
    diagnostics = front_end(source)
    for diagnostic in diagnostics:
        shown = report.render([diagnostic], {source.name: source})
        assert re.search(rf"--> {re.escape(source.name)}:\d+:\d+\n", shown), shown
        assert re.search(r"^\s*\d*\s*\|\s*\^+", shown, re.M), shown
