"""A hostile template reaches nothing but its context: refused by `check`, and refused
again by the run-time sandbox when a template is rendered without being checked."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from frontend_helpers import HEADER, diagnose_source

from ocpispec.check.compiler import compile_source
from ocpispec.plan.ir import Render
from ocpispec.plan.planner import plan
from ocpispec.render import CustomTemplate, RenderContext, RenderError, render
from ocpispec.diagnostics.source import SourceFile

CANARY = "CANARY-4e1f9"
COLUMNS = ("energy_kwh", "area")
BODY = ('from sessions\n  join locations on location_id\nselect round(kwh, 1) as energy_kwh\n'
        '  prefix(location.postal_code, 4) as area\n'
        'output template "report.md.j2" to "exports/report.md"\n')

ESCAPES = [
    # Jinja internals and globals
    "{{ self }}",
    "{{ self.__init__ }}",
    "{{ self._TemplateReference__context }}",
    "{% block b %}{{ super() }}{% endblock %}",
    "{{ range(10) }}",
    "{{ range(10**9)|list }}",
    "{{ lipsum(1000) }}",
    "{{ cycler(1, 2).next() }}",
    "{{ joiner() }}",
    "{% set ns = namespace(a=1) %}{% set ns.a = 2 %}{{ ns.a }}",
    "{{ dict(a=1) }}",
    "{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}x{% endcall %}",
    "{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, a=2) }}",
    "{% for r in rows recursive %}{{ loop(r) }}{% endfor %}",
    "{% for r in rows %}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{% for r in rows %}{{ loop.__class__ }}{% endfor %}",
    # Python object traversal
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ columns.__class__ }}",
    "{{ export.__class__.__init__.__globals__ }}",
    "{{ export['__class__'] }}",
    "{{ run.items.__self__ }}",
    "{{ (columns|first).__len__() }}",
    "{{ export.items().__class__ }}",
    "{% for row in rows %}{{ row.items.__func__ }}{% endfor %}",
    # a key computed from a row under a name that also loops over `columns`: a miss
    # names the key, the row's value, in the error
] + (COMPUTED_KEYS := [
    "{% for c in columns %}{% set c = rows[0].area %}{{ export[c] }}{% endfor %}",
    "{% for c in columns %}{% with c = rows[0].area %}{{ export[c] }}{% endwith %}"
    "{% endfor %}",
    "{% for c in columns %}{% for c in rows|map(attribute='area') %}{{ export[c] }}"
    "{% endfor %}{% endfor %}",
    "{% macro m(c) %}{{ export[c] }}{% endmacro %}{% for c in columns %}"
    "{{ m(rows[0].area) }}{% endfor %}",
]) + [
    "{{ (1).real }}",
    "{{ columns.copy() }}",
    "{{ columns.append(1) }}",
    "{{ columns.index }}",
    "{{ export.items }}",
    "{% for row in rows %}{{ row.get }}{% endfor %}",
    "{{ rows.written }}",
    "{{ export.name.index }}",
    "{{ rows|upper(attribute='__class__') }}",
    "{{ export.name|upper(attribute='x', attribute='y') }}",
    "{{ export.update({}) }}",
    "{{ export.pop('name') }}",
    # formatting
    "{{ '{0.__class__}'.format(columns) }}",
    "{{ '{0}'.format(export) }}",
    "{{ ''.format_map(export) }}",
    "{{ '%(name)s' % export }}",
    "{{ '%s' % columns }}",
    "{% for row in rows %}{{ row.area|format(1) }}{% endfor %}",
    "{{ export.name|format }}",
    # attribute-reading filters on names that are not columns or keys
    "{% for row in rows %}{{ row|attr('__class__') }}{% endfor %}",
    "{{ columns|attr('__class__') }}",
    "{{ rows|map(attribute='driver')|list }}",
    "{{ rows|map(attribute='__class__')|list }}",
    "{{ columns|map('attr', '__class__')|list }}",
    "{{ columns|map('format', 1)|list }}",
    "{{ rows|selectattr('driver')|list }}",
    "{{ rows|rejectattr('driver.__class__')|list }}",
    "{{ rows|groupby('driver') }}",
    "{{ rows|sort(attribute='driver') }}",
    "{{ rows|sum(attribute='__class__') }}",
    "{{ rows|unique(attribute='uid')|list }}",
    "{{ rows|join(',', attribute='driver') }}",
    "{{ rows|min(attribute='driver') }}",
    "{% set a = 'driver' %}{{ rows|map(attribute=a)|list }}",
    "{% set a = '__cla' ~ 'ss__' %}{{ columns|attr(a) }}",
    "{% filter attr('__class__') %}x{% endfilter %}",
    # dynamic item access
    "{{ columns[''.join(['__cla', 'ss__'])] }}",
    "{% set k = '_' ~ '_class__' %}{{ columns[k] }}",
    "{% for row in rows %}{% for k in ['driver'] %}{{ row[k] }}{% endfor %}{% endfor %}",
    "{{ export[export.name] }}",
    # filters and tests outside the list
    "{{ export|pprint }}",
    "{{ columns|random }}",
    "{{ export.name|safe }}",
    "{{ export.name|urlize }}",
    "{{ export|xmlattr }}",
    "{{ columns is callable }}",
    "{{ columns|select('callable')|list }}",
    "{{ columns|select('sameas', none)|list }}",
    "{{ columns|selectattr('x', 'callable')|list }}",
    # denial of service
    "{{ 9**9**9 }}",
    "{{ columns * 1000000000 }}",
    "{{ 'x' * 1000000000 }}",
    "{{ 'x'|center(1000000000) }}",
    "{{ rows|batch(1000000000)|list }}",
    "{{ export.name|wordwrap(width=1000000000) }}",
    "{% macro m(n) %}{{ m(n) }}{{ m(n) }}{% endmacro %}{{ m(1) }}",
    "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}",
    # other variables and tags
    "{{ config }}",
    "{{ request }}",
    "{{ environ }}",
    "{{ secret }}",
    "{% autoescape false %}{{ export.name }}{% endautoescape %}",
    "{% debug %}",
    "{% do columns.append(1) %}",
    "{% for r in rows %}{% break %}{% endfor %}",
    "{{ export.name|f(*columns) }}",
    "{{ columns|join(*columns) }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(*columns) }}",
    # run-time template names
    "{% include export.name %}",
    "{% include 'part' ~ '.j2' %}",
    "{% include ['part.j2', export.name] %}",
    "{% extends export.name %}",
    "{% import export.name as m %}",
    "{% from export.name import x %}",
    # a row read that is not a released column, also through aliases
    "{% for row in rows %}{{ row.driver }}{% endfor %}",
    "{% for row in rows %}{% set r = row %}{{ r.driver }}{% endfor %}",
    "{% for row in rows %}{{ row['driver'] }}{% endfor %}",
    "{% for a, b in rows|groupby('area') %}{{ b.driver }}{% endfor %}",
]

SAFE = [
    "{{ export.name }} {{ run.date }} {{ columns|join(',') }}",
    "{% for row in rows %}{{ row.energy_kwh }} {{ row['area'] }}{% endfor %}",
    "{% for row in rows %}{% for k, v in row.items() %}{{ k }}={{ v }}{% endfor %}{% endfor %}",
    "{% for row in rows %}{% for c in columns %}{{ row[c] }}{% endfor %}{% endfor %}",
    '{% for row in rows %}{{ "%.1f"|format(row.energy_kwh) }}{% endfor %}',
    "{% for row in rows %}{{ loop.index }}/{{ loop.length }}{% endfor %}",
    "{% for g in rows|groupby('area') %}{{ g.grouper }}: {{ g.list|sum(attribute='energy_kwh') }}"
    "{% endfor %}",
    "{{ rows|map(attribute='energy_kwh')|map('round', 1)|join(' ') }}",
    "{% macro cell(v) %}[{{ v|default('-') }}]{% endmacro %}"
    "{% for row in rows %}{{ cell(row.area) }}{% endfor %}",
    "{% set total = 0 %}{{ export|dictsort|length }} {{ export.name|upper|truncate(20) }}",
    "{% for row in rows|selectattr('energy_kwh', 'gt', 1) %}{{ row.area }}{% endfor %}",
]


def _spec(tmp_path: Path, template: str, files: dict[str, str] | None = None,
          body: str = BODY) -> SourceFile:
    (tmp_path / "report.md.j2").write_text(template)
    for name, text in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return SourceFile(str(tmp_path / "spec.ocx"), HEADER + body)


def _errors(source: SourceFile) -> list[str]:
    return [d.code for d in diagnose_source(source) if d.is_error]


def _sandboxed(tmp_path: Path, template: str) -> str:
    """Render without any check, with the demo context and a canary everywhere near."""
    (tmp_path / "report.md.j2").write_text(template)
    (tmp_path / "part.j2").write_text("part")
    rows = iter([{"energy_kwh": 1.5, "area": "3511"}, {"energy_kwh": 2.0, "area": "1012"}])
    context = RenderContext(COLUMNS, {"name": "report.md.j2", "consumer": "c", "purpose": "p",
                                      "legal_basis": "b", "retention": "1 year"},
                            {"date": "2026-01-01"})
    out = io.StringIO()
    render("template", rows, context, out, template=CustomTemplate(tmp_path, "report.md.j2"))
    return out.getvalue()


@pytest.mark.parametrize("template", ESCAPES)
def test_check_refuses_every_escape(tmp_path: Path, template: str) -> None:
    codes = _errors(_spec(tmp_path, template, {"part.j2": "part"}))
    assert codes and set(codes) <= {"OCX404", "OCX405", "OCX414"}, codes


@pytest.mark.parametrize("template", ESCAPES)
def test_sandbox_refuses_or_reveals_nothing(tmp_path: Path, template: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCX_CANARY", CANARY)
    try:
        text = _sandboxed(tmp_path, template)
    except RenderError as exc:
        assert CANARY not in str(exc)
        return
    assert CANARY not in text and "class" not in text and "<" not in text, text


@pytest.mark.parametrize("template", COMPUTED_KEYS)
def test_a_missing_key_computed_from_a_row_is_not_named(tmp_path: Path, template: str) -> None:
    """The run-time sandbox too: the error says a computed name was missing, not which."""
    with pytest.raises(RenderError) as caught:
        _sandboxed(tmp_path, template)
    assert "3511" not in str(caught.value) and "1012" not in str(caught.value)
    assert "not shown: it may be a row's value" in str(caught.value)


def test_a_missing_name_the_template_may_write_is_named(tmp_path: Path) -> None:
    with pytest.raises(RenderError) as caught:
        _sandboxed(tmp_path, "{{ export.licence }}")
    assert "has no attribute 'licence'" in str(caught.value)


@pytest.mark.parametrize("template", SAFE)
def test_documented_context_is_allowed(tmp_path: Path, template: str) -> None:
    assert _errors(_spec(tmp_path, template)) == []
    assert _sandboxed(tmp_path, template) is not None


def test_refusal_names_the_template_line_and_the_way_out(tmp_path: Path) -> None:
    found = diagnose_source(_spec(tmp_path, "ok\n{{ ''.__class__ }}"))
    [diagnostic] = found
    assert diagnostic.code == "OCX414"
    assert diagnostic.message == "template `report.md.j2` reads the attribute `__class__`"
    assert diagnostic.notes == ("line 2",)
    assert diagnostic.help == "attributes starting with `_` reach Python internals"
    assert diagnostic.labels[0].span.start == (HEADER + BODY).index('"report.md.j2"')


GROWTH = [
    "{{ 'x'" + "|replace('x', 'xxxxxxxxxx')" * 9 + " }}",
    "{% set a = 'xxxxxxxxxx' %}" + "".join(
        f"{{% set {b} = {'~'.join([a] * 10)} %}}" for a, b in zip("abcdefgh", "bcdefghi"))
    + "{{ i|length }}",
    "{% set a = 'xxxxxxxxxx' %}" + "".join(
        f"{{% set {b} = {'+'.join([a] * 10)} %}}" for a, b in zip("abcdefgh", "bcdefghi"))
    + "{{ i|length }}",
    "{% set a = columns * 10000 %}{% set b = a + a + a + a + a + a + a + a + a + a %}"
    "{{ (b + b + b + b + b + b + b + b + b + b)|length }}",
]


@pytest.mark.parametrize("template", GROWTH)
def test_values_that_grow_without_bound_fail_the_render(tmp_path: Path, template: str) -> None:
    """Each step is small enough to pass the check; the sandbox stops the growth."""
    with pytest.raises(RenderError, match="a value longer than"):
        _sandboxed(tmp_path, template)


_LONG = ("{% set a = 'xxxxxxxxxx' * 10000 %}{% set s = a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a %}"
         "{% set n = '\\n' * 10000 %}{% set lines = n ~ n ~ n ~ n ~ n ~ n ~ n ~ n ~ n %}")
# one step that multiplies: each would ask for gigabytes to terabytes before a check of
# its result could see it (MemoryError, an internal error, or the machine's memory)
MULTIPLYING = [
    _LONG + "{{ s|replace('x', s)|length }}",
    _LONG + "{{ lines|indent(s)|length }}",
    _LONG + "{{ s|wordwrap(1, true, s)|length }}",
    _LONG + "{{ ([s] * 10 * 1000)|join|length }}",
    _LONG + "{{ [s, s]|join(s * 0 ~ s)|length }}",
    _LONG + "{{ ([a] * 1000 * 1000)|length }}",
    _LONG + "{% set l = [s, s, s, s, s, s, s, s, s, s, s, s] %}{{ l|length }}",
    _LONG + "{% set l = [s] %}{% set m = l + l %}{{ (m + m + m + m + m + m)|length }}",
    _LONG + "{{ [1, 2]|batch(10000, s)|list|length }}",
    _LONG + "{{ ([[s]] * 1000)|string|length }}",
    "{{ '%999999999999d'|format(1) }}",
    "{{ '%.999999999f'|format(1.5) }}",
    "{{ '%*d'|format(columns|length * 1000000000000, 1) }}",
    "{{ ([[1]] * 10000 * 10)|sum(start=[])|length }}",
    "{% set a = 9999 * 9999 %}" + "".join(
        f"{{% set {b} = {a} * {a} %}}" for a, b in zip("abcdefghijklmnopqrstuvw",
                                                        "bcdefghijklmnopqrstuvwx"))
    + "{{ x > 1 }}",
]


@pytest.mark.parametrize("template", MULTIPLYING)
def test_a_step_that_would_multiply_a_value_is_refused_before_it_runs(
        tmp_path: Path, template: str) -> None:
    with pytest.raises(RenderError) as failure:
        _sandboxed(tmp_path, template)
    assert "would build" in str(failure.value) or "`format`" in str(failure.value) \
        or "`sum`" in str(failure.value), failure.value


@pytest.mark.parametrize("template", [
    "{{ '%999999999999d'|format(1) }}", "{{ '%*d'|format(8, 1) }}", "{{ '%(a).20000f'|format(a=1) }}"])
def test_check_refuses_a_format_of_unbounded_width(tmp_path: Path, template: str) -> None:
    assert _errors(_spec(tmp_path, template)) == ["OCX414"]


def test_a_template_may_not_write_without_end(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Nested loops over the rows write rows squared; the output has a ceiling."""
    import ocpispec.render as rendering
    monkeypatch.setattr(rendering, "MAX_TEMPLATE_OUTPUT", 10_000)
    with pytest.raises(RenderError, match="wrote more than 10,000 characters"):
        _sandboxed(tmp_path, "{% for a in columns * 100 %}{% for b in columns * 100 %}"
                   "{{ a }}{{ b }}{% endfor %}{% endfor %}")


# ---- where templates come from -----------------------------------------------------


def _outside(tmp_path: Path) -> tuple[Path, Path]:
    """A spec folder and, beside it, another consumer's export holding a canary."""
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    exports = tmp_path / "exports"
    exports.mkdir()
    other = exports / "other_consumer.csv"
    other.write_text(f"driver\n{CANARY}\n")
    return spec_dir, other


def _with_output(template: str) -> str:
    return BODY.replace('"report.md.j2"', f'"{template}"')


@pytest.mark.parametrize("written", [
    "../exports/other_consumer.csv",
    "../exports/other_consumer.csv.j2",
    "/proc/self/environ",
    "/etc/passwd",
    "templates/../../exports/x.j2",
    "C:/x.j2",
    "templates\\\\x.j2",
    "report.md",
    "",
])
def test_template_path_must_stay_in_the_spec_folder(tmp_path: Path, written: str) -> None:
    spec_dir, _ = _outside(tmp_path)
    source = SourceFile(str(spec_dir / "spec.ocx"), HEADER + _with_output(written))
    assert _errors(source) == ["OCX413"]


def _link_case(tmp_path: Path, kind: str) -> tuple[SourceFile, Path]:
    spec_dir, other = _outside(tmp_path)
    profile = tmp_path / "config" / "profiles" / "demo.json"
    profile.parent.mkdir(parents=True)
    profile.write_text(f'{{"token": "{CANARY}"}}')
    main = spec_dir / "report.md.j2"
    main.write_text("# Report\n{% include 'footer.md.j2' %}\n")
    footer = spec_dir / "footer.md.j2"
    match kind:
        case "include-symlink-to-export":
            footer.symlink_to(other)
        case "include-symlink-to-profile":
            footer.symlink_to(profile)
        case "main-symlink-out":
            main.unlink()
            main.symlink_to(other)
        case "folder-symlink-out":
            (spec_dir / "templates").symlink_to(other.parent, target_is_directory=True)
            other.rename(other.with_suffix(".j2"))
            main.write_text("{% include 'templates/other_consumer.j2' %}")
        case "hard-link":
            os.link(profile, footer)
        case "fifo":
            os.mkfifo(footer)
        case "directory":
            footer.mkdir()
        case "too-big":
            footer.write_text("x" * (256 * 1024 + 1))
    return SourceFile(str(spec_dir / "spec.ocx"), HEADER + BODY), spec_dir


@pytest.mark.parametrize("kind", ["include-symlink-to-export", "include-symlink-to-profile",
                                  "main-symlink-out", "folder-symlink-out", "hard-link", "fifo",
                                  "directory", "too-big"])
def test_links_and_special_files_are_refused(tmp_path: Path, kind: str) -> None:
    source, spec_dir = _link_case(tmp_path, kind)
    found = diagnose_source(source)
    assert [d.code for d in found] == ["OCX413"], [(d.code, d.message) for d in found]
    assert CANARY not in found[0].message
    with pytest.raises(RenderError) as caught:
        render("template", iter([]), RenderContext(COLUMNS, {}, {}), io.StringIO(),
               template=CustomTemplate(spec_dir, "report.md.j2"))
    assert CANARY not in str(caught.value)


def test_a_symlink_that_stays_inside_is_fine(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "real.j2").write_text("{{ export.name }}")
    (tmp_path / "footer.j2").symlink_to(tmp_path / "parts" / "real.j2")
    assert _errors(_spec(tmp_path, "{% include 'footer.j2' %}")) == []


@pytest.mark.parametrize("include", ["../x.j2", "/etc/passwd", "/abs/x.j2", "footer.md",
                                     "sub/../../x.j2"])
def test_include_names_are_confined_like_the_template(tmp_path: Path, include: str) -> None:
    assert _errors(_spec(tmp_path, f"{{% include '{include}' %}}")) == ["OCX413"]


@pytest.mark.parametrize("name", ["x\x1b[2K.j2", "x\r.j2", "x\u202e2j.j2"])
def test_include_names_with_control_characters_are_refused(tmp_path: Path, name: str) -> None:
    """An included template's name is shown in plans, reviews and diffs (with its sha256):
    an escape sequence or a direction control in it rewrote what they show."""
    source = _spec(tmp_path, f"{{% include '{name}' %}}", {name: "x"})
    assert _errors(source) == ["OCX413"]
    assert any("control character" in d.message for d in diagnose_source(source))


@pytest.mark.parametrize("tag", ["include", "import", "extends"])
def test_loaded_templates_are_checked_recursively(tmp_path: Path, tag: str) -> None:
    statement = {"include": "{% include 'a.j2' %}", "import": "{% import 'a.j2' as a %}",
                 "extends": "{% extends 'a.j2' %}"}[tag]
    files = {"a.j2": "{% include 'b.j2' %}", "b.j2": "{{ ''.__class__ }}"}
    found = diagnose_source(_spec(tmp_path, statement, files))
    assert [(d.code, d.message) for d in found] == [
        ("OCX414", "template `b.j2` reads the attribute `__class__`")]


def test_include_cycles_are_refused(tmp_path: Path) -> None:
    found = diagnose_source(_spec(tmp_path, "{% include 'a.j2' %}",
                                  {"a.j2": "{% include 'report.md.j2' %}"}))
    assert [(d.code, d.notes) for d in found] == [
        ("OCX414", ("report.md.j2 -> a.j2 -> report.md.j2",))]


# ---- the plan pins what was checked ------------------------------------------------------


def _fingerprint(source: SourceFile) -> str:
    return plan(compile_source(source)).fingerprint


def test_changing_an_included_template_changes_the_fingerprint(tmp_path: Path) -> None:
    source = _spec(tmp_path, "{% include 'parts/footer.j2' %}",
                   {"parts/footer.j2": "{{ export.name }}"})
    before = _fingerprint(source)
    assert _fingerprint(source) == before
    (tmp_path / "parts" / "footer.j2").write_text("{{ export.name }}!")
    assert _fingerprint(source) != before


def test_the_run_refuses_a_template_changed_after_the_check(tmp_path: Path) -> None:
    source = _spec(tmp_path, "{% include 'footer.j2' %}", {"footer.j2": "{{ export.name }}"})
    [render_step] = plan(compile_source(source)).datasets[0].all(Render)
    digests = {item.path: item.sha256 for item in render_step.templates}
    assert sorted(digests) == ["footer.j2", "report.md.j2"]
    (tmp_path / "footer.j2").write_text(CANARY)
    template = CustomTemplate(tmp_path, "report.md.j2", digests)
    with pytest.raises(RenderError, match="changed since the spec was checked"):
        render("template", iter([]), RenderContext(COLUMNS, {"name": "x"}, {}), io.StringIO(),
               template=template)


def test_the_run_loads_no_file_the_check_did_not_pin(tmp_path: Path) -> None:
    (tmp_path / "report.md.j2").write_text("{% include 'extra.j2' %}")
    (tmp_path / "extra.j2").write_text(CANARY)
    template = CustomTemplate(tmp_path, "report.md.j2", {})
    with pytest.raises(RenderError) as caught:
        render("template", iter([]), RenderContext(COLUMNS, {}, {}), io.StringIO(),
               template=template)
    assert CANARY not in str(caught.value)


@pytest.mark.parametrize("code", ["OCX413", "OCX414"])
def test_explain_documents_the_template_codes(run_cli, snapshot, code: str) -> None:
    assert cli_block(run_cli("explain", code)) == snapshot
    listed = run_cli("explain", "--list").stdout
    assert f"{code}  template-" in listed


def test_macros_from_another_template_work(tmp_path: Path) -> None:
    macros = {"macros.j2": "{% macro cell(v) %}[{{ v|default('-') }}]{% endmacro %}"}
    template = ('{% import "macros.j2" as m %}{% from "macros.j2" import cell %}'
                "{% for row in rows %}{{ m.cell(row.area) }}{{ cell(row.energy_kwh) }}"
                "{% endfor %}")
    assert _errors(_spec(tmp_path, template, macros)) == []
    assert _sandboxed(tmp_path, template) == "[3511][1.5][1012][2.0]"


def test_an_imported_template_offers_only_its_macros(tmp_path: Path) -> None:
    (tmp_path / "macros.j2").write_text("{% set hidden = 1 %}")
    with pytest.raises(RenderError):
        _sandboxed(tmp_path, '{% import "macros.j2" as m %}{{ m.hidden }}{{ m.__dict__ }}')


def test_a_configured_templates_root_replaces_the_spec_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library, specs = tmp_path / "library", tmp_path / "specs"
    library.mkdir()
    specs.mkdir()
    (library / "report.md.j2").write_text("{% include 'footer.j2' %}")
    (library / "footer.j2").write_text("{{ export.name }}")
    (specs / "report.md.j2").write_text(CANARY)
    monkeypatch.setenv("OCPISPEC_TEMPLATES_ROOT", str(library))
    source = SourceFile(str(specs / "spec.ocx"), HEADER + BODY)
    [step] = plan(compile_source(source)).datasets[0].all(Render)
    assert [item.path for item in step.templates] == ["footer.j2", "report.md.j2"]
    out = io.StringIO()
    digests = {item.path: item.sha256 for item in step.templates}
    render("template", iter([]), RenderContext(COLUMNS, {"name": "lib"}, {}), out,
           template=CustomTemplate(library, "report.md.j2", digests))
    assert out.getvalue() == "lib"
    (library / "escape.j2").symlink_to(specs / "report.md.j2")
    (library / "report.md.j2").write_text("{% include 'escape.j2' %}")
    assert _errors(source) == ["OCX413"]


def test_an_unknown_filter_is_one_error_with_a_suggestion(tmp_path: Path) -> None:
    """Jinja's own "no filter named" (OCX404) is not repeated beside the policy's
    refusal, which lists the filters a template may use (OCX414)."""
    [diagnostic] = diagnose_source(_spec(tmp_path, "{{ export.name|upper_case }}"))
    assert (diagnostic.code, diagnostic.message) == (
        "OCX414", "template `report.md.j2` uses the filter `upper_case`")
    assert diagnostic.help.startswith("did you mean `upper`? filters are `abs`, ")
    [unknown] = diagnose_source(_spec(tmp_path, "{{ export.name|zzzz }}"))
    assert unknown.code == "OCX414" and unknown.help.startswith("filters are `abs`, ")
