"""Property: for any template built from Jinja's grammar and the names an attacker
would try, `check` ends in diagnostics (never a crash), and a template it accepts
renders only context values: no Python object, no file, no environment variable."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from frontend_helpers import HEADER, diagnose_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocpispec.render import CustomTemplate, RenderContext, RenderError, render
from ocpispec.diagnostics.source import SourceFile

CANARY = "CANARY-fuzz-31c"
BODY = ('from sessions\nselect round(kwh, 1) as energy_kwh\n'
        'output template "t.md.j2" to "exports/report.md"\n')
# what the text of a Python object an escape reached looks like
PYTHON_OBJECTS = ("<class", "<function", "<built-in", "<bound", "<module", "mappingproxy",
                  "<jinja2", "TemplateReference", "Environment", "environ", "<method",
                  "object at 0x", "RowCounter")
NAMES = ["rows", "columns", "export", "run", "row", "loop", "self", "caller", "varargs",
         "range", "lipsum", "cycler", "joiner", "namespace", "dict", "config", "x", "m"]
ATTRIBUTES = ["energy_kwh", "name", "date", "items", "keys", "get", "index", "cycle",
              "__class__", "__init__", "__globals__", "mro", "format", "format_map",
              "__subclasses__", "grouper", "list", "real", "append", "update", "_x"]
FILTERS = ["attr", "map", "format", "join", "upper", "tojson", "list", "first", "sum",
           "selectattr", "groupby", "sort", "pprint", "center", "batch", "default", "int",
           "string", "items", "safe", "random"]
CONSTANTS = ["'__class__'", "'energy_kwh'", "'%s'", "'{0.__class__}'", "'upper'", "1",
             "10**9", "1000000000", "'part.j2'", "'../x.j2'", "'/etc/passwd.j2'", "none"]


def expressions() -> st.SearchStrategy[str]:
    atoms = st.one_of(st.sampled_from(NAMES), st.sampled_from(CONSTANTS))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        args = st.lists(st.one_of(inner, st.sampled_from(CONSTANTS).map(
            lambda c: f"attribute={c}")), max_size=2).map(", ".join)
        return st.one_of(
            st.builds(lambda e, a: f"{e}.{a}", inner, st.sampled_from(ATTRIBUTES)),
            st.builds(lambda e, k: f"{e}[{k}]", inner, inner),
            st.builds(lambda e, f, a: f"{e}|{f}({a})", inner, st.sampled_from(FILTERS), args),
            st.builds(lambda e, a: f"{e}({a})", inner, args),
            st.builds(lambda a, op, b: f"({a} {op} {b})", inner,
                      st.sampled_from(["~", "%", "*", "**", "+"]), inner))

    return st.recursive(atoms, extend, max_leaves=6)


def templates() -> st.SearchStrategy[str]:
    expr = expressions()
    statement = st.one_of(
        expr.map(lambda e: "{{ " + e + " }}"),
        expr.map(lambda e: "{% for row in rows %}{{ " + e + " }}{% endfor %}"),
        expr.map(lambda e: "{% set x = " + e + " %}"),
        expr.map(lambda e: "{% if " + e + " %}y{% endif %}"),
        expr.map(lambda e: "{% include " + e + " %}"),
        expr.map(lambda e: "{% macro m(a) %}{{ " + e + " }}{% endmacro %}{{ m(1) }}"),
        st.just("{% import 'part.j2' as m %}"))
    return st.lists(statement, min_size=1, max_size=4).map("\n".join)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(template=templates())
def test_an_accepted_template_renders_only_its_context(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
        template: str) -> None:
    monkeypatch.setenv("OCX_CANARY", CANARY)
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "t.md.j2").write_text(template)
    (folder / "part.j2").write_text("{{ export.name }}")
    (folder.parent / "x.j2").write_text(CANARY)
    found = diagnose_source(SourceFile(str(folder / "spec.ocx"), HEADER + BODY))
    if any(d.is_error for d in found):
        return
    context = RenderContext(("energy_kwh",), {"name": "export"}, {"date": "2026-01-01"})
    out = io.StringIO()
    try:
        render("template", iter([{"energy_kwh": 1.5}]), context, out,
               template=CustomTemplate(Path(folder), "t.md.j2"))
    except RenderError as exc:
        assert CANARY not in str(exc)
        return
    text = out.getvalue()
    assert CANARY not in text, template
    assert not any(marker in text for marker in PYTHON_OBJECTS), (template, text)
