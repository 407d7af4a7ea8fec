"""Rendering released rows with jinja2, streaming.

Built-in formats are templates in `render/templates/` (csv, ndjson, json, geojson,
markdown, html; CSV and NDJSON are written as their templates write them without loading
jinja2, `_LINE_FORMATS`); a spec may name its own template, which loads only from the spec's folder
(`render/confine.py`), renders in a restricted sandbox (`render/sandbox.py`) with
`StrictUndefined` and sees only this context:

- `rows`: a sequence of dicts holding the released columns, in column order; a
  template may loop it more than once, index it, count it (`rows | length`) or print
  it (`rows | tojson`), so its rows are held in memory (built-in formats stream)
- `columns`: the column names
- `export`: name, consumer, purpose, legal_basis, retention
- `run`: date, time, timestamp, window_start, window_end, ocpi_version, plan_fingerprint

Templates are rendered with `Template.generate()`, chunk by chunk into the output, so
no document is ever held in memory.
"""

from __future__ import annotations

import posixpath
import traceback
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ocpispec.frozen import frozen
from ocpispec.formats import describe
from ocpispec.plan.ir import CsvDialect
from ocpispec.render import confine
from ocpispec.render.values import (
    CsvLines,
    cell,
    geojson_feature,
    html_cell,
    inert_values,
    json_output,
    markdown_cell,
    ndjson_chunks,
)

if TYPE_CHECKING:
    import jinja2

EXTENSIONS = {"csv": "csv", "ndjson": "ndjson", "json": "json", "geojson": "geojson",
              "markdown": "md", "html": "html", "parquet": "parquet",
              "xlsx": "xlsx"}
# a custom template's output at most: a report, not a copy of the rows for each row
# (`{% for a in rows %}{% for b in rows %}` over a large window would fill the disk)
MAX_TEMPLATE_OUTPUT = 1 << 30
# files a browser, a GIS or an XML parser reads as markup: a custom template writing one
# is autoescaped, so a `<` or `&` in a platform's text (a location's name) stays text
# instead of becoming a tag, a script, or a KML file QGIS cannot open
MARKUP_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".xml", ".svg", ".kml", ".gpx",
                             ".gml", ".rss", ".atom", ".xsl", ".xslt"})
# Markdown: the texts a template prints are escaped as the built-in format escapes them
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
# CSV, which the consumer opens in Excel: texts that would run there are made inert
SPREADSHEET_SUFFIXES = frozenset({".csv", ".tsv"})


class RenderError(Exception):
    """A custom template failed; the message names the template and the problem,
    never a row value."""


@frozen
class RenderContext:
    columns: tuple[str, ...]
    export: Mapping[str, Any]
    run: Mapping[str, Any]
    geometry: str | None = None
    dialect: CsvDialect | None = None


@dataclass(slots=True, repr=False)
class RowCounter:
    """Counts rows as the template pulls them; built-in summaries read `written`
    after their loop, when it is final."""

    rows: Iterable[Mapping[str, Any]]
    written: int = field(default=0)

    def __repr__(self) -> str:  # what `{{ rows }}` prints: nothing of Python's insides
        return "(rows)"

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for row in self.rows:
            self.written += 1
            yield row


def render(format: str, rows: Iterable[Mapping[str, Any]], context: RenderContext,
           out: TextIO, *, template: CustomTemplate | None = None) -> int:
    """Write `rows` to `out` as `format` (or through `template`); returns the row count."""
    counter = RowCounter(rows)
    if template is not None:
        chunks = _custom(template, counter, context)
    else:
        chunks = _builtin(format, counter, context)
    write = out.write
    for chunk in chunks:
        write(chunk)
    return counter.written


def _builtin(format: str, counter: RowCounter, context: RenderContext) -> Iterator[str]:
    if format in _LINE_FORMATS:
        return _LINE_FORMATS[format](counter, context)
    variables = {
        "rows": counter, "columns": context.columns, "export": context.export,
        "run": context.run, "stats": counter,
        "geometry": context.geometry, "csv": CsvLines(context.columns, context.dialect),
        "ndjson_chunks": ndjson_chunks,
    }
    return _builtin_environment().get_template(f"{format}.j2").generate(variables)


def _csv_lines(counter: RowCounter, context: RenderContext) -> Iterator[str]:
    """What `csv.j2` writes, without jinja2: the header, then the rows' chunks."""
    lines = CsvLines(context.columns, context.dialect)
    yield lines.header()
    yield from lines.chunks(counter)


def _ndjson_lines(counter: RowCounter, context: RenderContext) -> Iterator[str]:
    """What `ndjson.j2` writes, without jinja2."""
    return ndjson_chunks(counter)


# the built-in formats whose template only prints a header and the rows' chunks, written
# here as it would write them: importing jinja2 (and building its environment) cost a
# run of a CSV spec some 20 ms before its first request (`_LINE_FORMATS[f]` and the
# template `f.j2` agree byte for byte: tests/test_render.py)
_LINE_FORMATS = {"csv": _csv_lines, "ndjson": _ndjson_lines}

_ENVIRONMENT: jinja2.Environment | None = None


def _builtin_environment() -> jinja2.Environment:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        import jinja2

        environment = jinja2.Environment(
            loader=jinja2.PackageLoader("ocpispec.render", "templates"),
            autoescape=lambda name: name == "html.j2", keep_trailing_newline=True,
            undefined=jinja2.StrictUndefined)
        environment.filters.update(json=json_output, geojson_feature=geojson_feature,
                                   md=markdown_cell, cell=cell, shown=html_cell)
        _ENVIRONMENT = environment
    return _ENVIRONMENT


@frozen
class CustomTemplate:
    """A spec's own template: `name` as the spec writes it (relative to `root`, the
    spec's folder), the sha256 of every file it may load (None: not pinned), and the
    name of the file it writes (`output`; None: stdout)."""

    root: Path
    name: str
    digests: Mapping[str, str] | None = None
    output: str | None = None


def writes_markup(template: CustomTemplate, kinds: frozenset[str] = MARKUP_SUFFIXES) -> bool:
    """Whether the template writes HTML or XML (or another of `kinds`): its own name says
    so (`page.html.j2`), or the file it writes does (`x.kml`, `x.html.gz`), whatever the
    template is called."""
    named = (suffix.lower() for suffix in Path(template.name).suffixes)
    written = describe(template.output).extension if template.output else None
    return any(suffix in kinds for suffix in (*named, written))


def verify_template(template: CustomTemplate) -> None:
    """Before any output: every pinned file is still there, confined and unchanged.
    Raises RenderError."""
    for key in sorted(template.digests or {}):
        try:
            loaded = confine.read(confine.locate(template.root, "", key))
        except confine.ConfinementError as exc:
            raise RenderError(f"template `{key}` may not be read: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RenderError(f"template `{key}` cannot be read ({type(exc).__name__})") \
                from None
        if loaded.sha256 != (template.digests or {})[key]:
            raise RenderError(f"template `{key}` changed since the spec was checked")


def _custom(template: CustomTemplate, counter: RowCounter,
            context: RenderContext) -> Iterator[str]:
    import jinja2

    from ocpispec.render.sandbox import ConfinedLoader, sandbox_environment

    base, main = posixpath.split(posixpath.normpath(template.name))
    loader = ConfinedLoader(template.root, base, template.digests)
    escape = writes_markup(template)
    markdown = not escape and writes_markup(template, MARKDOWN_SUFFIXES)
    spreadsheet = not (escape or markdown) and writes_markup(template, SPREADSHEET_SUFFIXES)
    names = frozenset((*context.columns, *context.export, "licence", *context.run))
    environment = sandbox_environment(loader, autoescape=escape, names=names,
                                      markdown=markdown, spreadsheet=spreadsheet)
    # a sequence, not the stream: a second loop, `length`, `last`, `rows[0]` or `tojson`
    # over an iterator would see nothing (or fail) after the first pass. A template
    # writing CSV sees the texts already inert: one joining a row's values into cells
    # (`row.values() | join(",")`) prints a text whose first cell alone the printing
    # would make inert, and Excel ran the others
    rows = tuple(map(inert_values, counter)) if spreadsheet else tuple(counter)
    variables = {"rows": rows, "columns": list(context.columns),
                 "export": dict(context.export), "run": dict(context.run)}
    written = 0
    try:
        for chunk in environment.get_template(main).generate(variables):
            # a `{% filter %}` block may yield an undefined value instead of text
            text = chunk if isinstance(chunk, str) else str(chunk)
            written += len(text)
            if written > MAX_TEMPLATE_OUTPUT:
                raise RenderError(f"template `{template.name}` wrote more than "
                                  f"{MAX_TEMPLATE_OUTPUT:,} characters")
            yield text
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"syntax error in template `{template.name}` line {exc.lineno}: "
                          f"{exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template `{exc.name}` not found") from None
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {failed_at(exc, template.name)}: {exc.message}") \
            from None
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError,
            SyntaxError) as exc:
        # the exception's own text may quote a row value, so only its kind is shown
        raise RenderError(f"template {failed_at(exc, template.name)}: "
                          f"{type(exc).__name__}") from None


def failed_at(exc: BaseException, name: str) -> str:
    """Where a template failed: "`t.j2` failed at line 3", the innermost template line
    of the traceback (an included template's own name), or "`t.j2` failed"."""
    from ocpispec.render.sandbox import TEMPLATE_PREFIX

    frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
              if frame.filename.startswith(TEMPLATE_PREFIX) and frame.lineno]
    if not frames:
        return f"`{name}` failed"
    where = frames[-1]
    return f"`{where.filename.removeprefix(TEMPLATE_PREFIX)}` failed at line {where.lineno}"
