"""A dataset missing one of its parts, as a hurried user leaves it: the columns
(`from sessions` straight into the next `from`, a `select` without columns), the format
of `output` (`output to "x.csv"`, `output "x.csv"`), `output` itself (`to "x.csv"`), or
the destination (`output csv` and nothing after it). The help writes the part, from
what the spec says around it (the destination's extension names the format)."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".ndjson": "ndjson",
            ".jsonl": "ndjson", ".json": "json", ".geojson": "geojson", ".parquet": "parquet",
            ".xlsx": "xlsx", ".md": "markdown", ".html": "html"}
_DESTINATION = re.compile(r'\s*(?:to\s+)?("[^"\n]*")')
_EXAMPLE = '"exports/{export}-{run.date}.csv"'
_ENDS = {"FROM", "$END", "SCHEDULE"}


def dataset_shape(token, expected: set[str], span: Span, history,
                  source: SourceFile) -> Diagnostic | None:
    previous = history[-1] if history else None
    if token.type in _ENDS and "SELECT" in expected and "OUTPUT" not in expected:
        return error("OCX001", "the dataset has no columns", span,
                     "expected `select` or `group by` before this",
                     notes=["a dataset is `from MODULE`, its columns (`select ...` or "
                            "`group by ... compute ...`) and `output ... to ...`"],
                     help="add the columns and the output after the `from` block, e.g. "
                          f"`select round(kwh, 1) as energy_kwh output csv to {_EXAMPLE}`")
    if token.type == "STAR" and previous is not None and previous.type in ("SELECT", "DOT"):
        # `select *`, `select location.*`: every field, which a spec never releases
        module = next((str(history[i + 1]) for i in range(len(history) - 1)
                       if history[i].type == "FROM"), "sessions")
        return error("OCX001", "a spec names every column it releases", span,
                     "no `*`",
                     notes=["a field nobody named and reviewed never leaves, so there is no "
                            "`*`; `ocpispec schema MODULE` lists the fields with their "
                            "privacy classes"],
                     help=f"list the columns one per line, e.g. `status`, `round(kwh, 1) as "
                          f"energy_kwh`; run `ocpispec schema {module}` for the fields")
    if previous is not None and previous.type == "SELECT" and token.type == "OUTPUT":
        return error("OCX001", "`select` lists no column", span, "expected a column",
                     help="name the columns to release after `select`, one per line, "
                          "e.g. `round(kwh, 1) as energy_kwh`")
    if previous is not None and previous.type == "OUTPUT" and token.type in ("TO", "STRING"):
        return _format_late(previous.start_pos or 0, span.start, source)
    if previous is not None and previous.type == "NAME" and token.type == "TO" \
            and str(previous).lower() in _NAMES:  # `ndjson to "x.ndjson"`
        destination = _destination(source, span.start)
        end = source.text.index(destination, span.start) + len(destination) \
            if destination != _EXAMPLE else span.end
        return error("OCX001", "the clause starts with `output`",
                     Span(previous.start_pos or 0, end), "expected `output` before the format",
                     help=f"write `output {str(previous).lower()} to {destination}`")
    if token.type == "TO" and "OUTPUT" in expected:
        destination = _destination(source, span.start)
        if (glued := _glued_output(previous, destination)) is not None:
            return glued
        return error("OCX001", "a destination follows `output FORMAT`", span,
                     "expected `output` before this",
                     help=f"write `output {_format(destination)} to {destination}`")
    if token.type in _ENDS and "TO" in expected and previous is not None \
            and (written := _output_format(history)) is not None:
        extension = _EXTENSIONS.get(written, written if written in _FORMATS.values() else "csv")
        last = history[-1]
        if last.type == "STRING" and not str(last).strip('"').endswith((".j2", ".jinja")) \
                and str(last) != f'"{written}"':  # `output csv "x.csv"`: read as a template
            return error("OCX001", "`to` comes before the destination",
                         Span(last.start_pos or 0, last.end_pos or 0),
                         "read as a template name", help=f"write `to {last}`")
        return error("OCX003" if token.type == "$END" else "OCX001",
                     "`output` needs a destination", span, "expected `to` before this",
                     help=f"end the clause with `to \"exports/{{export}}-{{run.date}}."
                          f"{extension}\"` (or `to stdout`)")
    return None


_NAMES = {*_FORMATS.values(), "markdown", "template"}
# `output to "x" ndjson`, `output "x" as ndjson`, `output to ndjson "x"`: the format
# written after `to`, or after the destination (alone, or after `as`, `format`, `in`)
_LATE = re.compile(r'\s*(?:to\s+)?(?:(?P<before>[A-Za-z]+)\s+)?(?P<destination>"[^"\n]*"|stdout\b)'
                   r'(?:[ \t]+(?:(?:as|format|in)[ \t]+)?(?P<after>[A-Za-z]+)\b)?')


_QUOTED_FORMAT = re.compile(r'\s*("([A-Za-z]+)")(?=\s+(?:to\b|[a-z]))')


def _format_late(start: int, at: int, source: SourceFile) -> Diagnostic:
    """`output to "x.ndjson"`: the format is missing, or written after `to` or after the
    destination. The caret covers the clause up to the words the help writes again, so
    the help pasted over it leaves no second format behind."""
    quoted = _QUOTED_FORMAT.match(source.text, at)
    if quoted is not None and quoted.group(2).lower() in _NAMES:  # `output "csv" to ...`
        return error("OCX001", "a format is written without quotes",
                     Span(quoted.start(1), quoted.end(1)), "a format in quotes",
                     notes=["a quoted text after the format names a template; the "
                            "destination follows `to`"],
                     help=f"write `{quoted.group(2).lower()}`")
    found = _LATE.match(source.text, at)
    named = [word.lower() for word in (found.group("before"), found.group("after"))
             if word and word.lower() in _NAMES] if found else []
    if found is None or (found.group("before") and not named):
        destination = _destination(source, at)
        end = at + len(source.text[at:].split("\n", 1)[0].split("#")[0].rstrip()) \
            if found is None else found.end("destination")
    else:
        destination = found.group("destination")
        end = found.end() if named and found.group("after") else found.end("destination")
    format_ = named[0] if named else _format(destination)
    options = ""
    if found is not None and named and found.group("after"):
        # `output to "x.csv" csv excel-nl`: the dialect and options go before `to` too
        line_end = source.text.find("\n", end)
        rest = source.text[end:len(source.text) if line_end == -1 else line_end].split("#")[0]
        options = " ".join(rest.split())
        end += len(rest.rstrip())
    clause = " ".join(("output", format_, *([options] if options else []), "to", destination))
    return error("OCX001", "`output` names its format first", Span(start, max(end, at)),
                 "expected a format such as `csv`",
                 notes=["formats are `csv`, `ndjson`, `json`, `geojson`, `markdown`, "
                        "`html`, `parquet`, `xlsx` and `template`"],
                 help=f"write `{clause}`")


def _destination(source: SourceFile, start: int) -> str:
    found = _DESTINATION.match(source.text, start)
    return found.group(1) if found else _EXAMPLE


def _format(destination: str) -> str:
    name = destination.strip('"').lower().removesuffix(".gz").removesuffix(".zst")
    return next((fmt for suffix, fmt in _FORMATS.items() if name.endswith(suffix)), "csv")


_EXTENSIONS = {"markdown": "md", "template": "md"}


def _glued_output(previous, destination: str) -> Diagnostic | None:
    """`outputcsv to "x.csv"`: read as a column named `outputcsv`, then `to`."""
    written = str(previous or "")
    format_ = written[len("output"):]
    if previous is None or previous.type != "NAME" or not written.startswith("output") \
            or format_ not in (*_FORMATS.values(), "template"):
        return None
    return error("OCX008", f"unknown keyword `{written}`",
                 Span(previous.start_pos or 0, previous.end_pos or 0),
                 f"`output` and `{format_}` run together",
                 notes=["keywords are words of their own, apart from what follows"],
                 help=f"write `output {format_} to {destination}`")


def _output_format(history) -> str | None:
    """The format of the `output` clause being written (no `to` yet), or None when the
    spec is not in one."""
    for index in range(len(history) - 1, -1, -1):
        seen = history[index]
        if seen.type == "OUTPUT":
            following = history[index + 1] if index + 1 < len(history) else None
            return str(following).lower() if following is not None else ""
        if seen.type in ("TO", "FROM", "SELECT", "COMPUTE"):
            return None
    return None
