"""One case file per diagnostic code (tests/cases/OCXnnn_slug.ocx): the code is emitted,
and its full, concise and JSON renderings are snapshotted."""

from __future__ import annotations

import json

import pytest
from frontend_helpers import CASES, REPO, diagnose

from ocpispec.diagnostics import report
from ocpispec.diagnostics import Diagnostic, Severity


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case_emits_its_code(path) -> None:
    diagnostics, _, _ = diagnose(path)
    assert path.name.split("_")[0] in [d.code for d in diagnostics]


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case_renderings(path, snapshot) -> None:
    diagnostics, sources, name = diagnose(path)
    blocks = [f"----- {fmt} -----\n" + report.render(diagnostics, sources, format=fmt, file=name)
              for fmt in report.FORMATS]
    assert "\n".join(blocks) == snapshot


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_messages_follow_the_style(path) -> None:
    diagnostics, sources, _ = diagnose(path)
    for d in diagnostics:
        assert d.message[0].islower() or d.message[0] == "`", d.message
        assert not d.message.endswith("."), d.message
        assert d.help, f"{d.code} has no help"
        assert all(label.span.start <= label.span.end for label in d.labels)
        for source in sources.values():
            assert all(label.span.end <= len(source.text) for label in d.labels)


def test_json_document_has_the_documented_shape() -> None:
    diagnostics, sources, name = diagnose(REPO / "tests/cases/OCX104_unknown_field.ocx")
    document = json.loads(report.render(diagnostics, sources, format="json", file=name))
    assert document["format_version"] == "1"
    assert (document["valid"], document["error_count"], document["warning_count"]) == (False, 1, 0)
    record = document["diagnostics"][0]
    assert record["code"] == "OCX104" and record["slug"] == "unknown-field"
    assert record["range"]["start"] == {"line": 9, "column": 17, "offset": 222}
    assert record["explain"] == "ocpispec explain OCX104"
    assert record["file"] == "tests/cases/OCX104_unknown_field.ocx"


def test_runtime_diagnostic_without_labels_renders(snapshot) -> None:
    fault = Diagnostic("OCX000", Severity.ERROR, "the platform refused the token",
                       notes=("GET https://ocpi.example.com/versions answered 401",),
                       help="log in again with `ocpispec login`")
    text = "\n".join(report.render([fault], {}, format=fmt) for fmt in report.FORMATS)
    assert text == snapshot


def test_color_only_when_asked() -> None:
    diagnostics, sources, name = diagnose(REPO / "tests/cases/OCX104_unknown_field.ocx")
    plain = report.render(diagnostics, sources, file=name)
    colored = report.render(diagnostics, sources, file=name, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1m\x1b[31merror" in colored


def test_tabs_are_expanded_before_the_caret() -> None:
    from ocpispec.check.compiler import compile_source
    from ocpispec.diagnostics import CompileError
    from ocpispec.diagnostics.source import SourceFile

    text = (CASES[0].read_text().split("from sessions")[0] +
            "from sessions\n\tselect\tround(kwh, 1)\toutput csv to stdout\n")
    source = SourceFile("tabs.ocx", text)
    with pytest.raises(CompileError) as caught:
        compile_source(source)
    rendered = report.render(caught.value.diagnostics, {"tabs.ocx": source})
    line, caret = [ln for ln in rendered.splitlines() if "|" in ln][1:3]
    assert "\t" not in line
    assert caret.index("^") == line.index("round")


def test_summary_lines() -> None:
    diagnostics, _, _ = diagnose(REPO / "tests/cases/OCX104_unknown_field.ocx")
    warning = Diagnostic("OCX303", Severity.WARNING, "w")
    assert report.summary_line(diagnostics, "x.ocx") == "Found 1 error in x.ocx."
    assert report.summary_line([*diagnostics, warning, warning], "x.ocx") == \
        "Found 1 error and 2 warnings in x.ocx."
    assert report.summary_line([warning], "x.ocx") == "Success: x.ocx is valid, with 1 warning."
    assert report.summary_line([], "x.ocx") == "Success: x.ocx is valid."
