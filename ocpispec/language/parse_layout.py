"""A spec written as a config file is: a section where another goes (a header line
such as `retention 10 years` after the source, `schedule` before the datasets, `output`
before a dataset's columns, the `source` after the datasets), and YAML's `key: value`
(`consumer: "..."`, `compute:`, `district: prefix(...)`). The parser said 'expected one
of ...', 'missing `source` section' or 'unexpected character `:`, remove it'; the
diagnostic now says where the section goes (a spec is header, source, datasets,
schedule), or writes the line without the colon, a column as `EXPR as NAME`."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_HEADER = ("consumer", "purpose", "legal", "retention", "pseudonym", "licence", "license",
           "requires")
_LAYOUT = ("a spec is its header (`export NAME` and its lines), the `source`, one or more "
           "datasets (`from ...` to `output ...`) and an optional `schedule`, in that order")


def misplaced_section(token, expected: set[str], span: Span, history,
                      source: SourceFile) -> Diagnostic | None:
    word = str(token).lower()
    kinds = {seen.type for seen in history}
    if token.type == "$END" or word.upper() in expected:
        return None
    line = _line(source, span.start)
    if word in _HEADER and kinds & {"SOURCE", "FROM"}:
        return _move(line, f"`{word}` is a line of the header",
                     "after the source" if "FROM" not in kinds else "inside a dataset",
                     "move it up, under `export NAME` and before `source`")
    if token.type == "SOURCE" and "SOURCE" in kinds:
        return _second_source(line, history)
    if token.type == "SCHEDULE" and not {"OUTPUT", "SELECT", "GROUP"} & set(_since_from(history)):
        # (a dataset with its columns but no `output` is OCX007's)
        return _move(line, "`schedule` comes after the datasets",
                     "inside a dataset" if "FROM" in kinds else "before the datasets",
                     "move it to the end of the spec, after the last `output`")
    if token.type == "OUTPUT" and "FROM" in kinds \
            and not {"SELECT", "GROUP"} & set(_since_from(history)):
        return _move(line, "`output` ends a dataset, after its columns",
                     "before the columns", "move it below the columns (after `select ...` "
                     "or `compute ...`)")
    return None


def _second_source(line: tuple[Span, str], history) -> Diagnostic:
    """A second `source` (a regulator's one file of two platforms, or of an OCPI 2.1.1
    and a 2.3.0 one): the parser expected a source setting, the reader needs to hear
    that a spec reads one platform and what to write for the other."""
    span, written = line
    name = next((str(seen) for before, seen in zip(history, history[1:])
                 if before.type == "EXPORT"), "NAME")
    return error("OCX001", "a spec reads one platform: this is a second `source`", span,
                 "a second `source`",
                 notes=["each platform has its own `since last run` state, version and "
                        "credentials, so one export reads one source"],
                 help=f"move `{written}` into a spec of its own, with the same datasets "
                      f"and an export and file of its own (`export {name}_2`, `output ... "
                      "to \"...-2.csv\"`); the consumer receives a file per platform, "
                      "with the same columns whatever the OCPI version")


def source_below(span: Span, source: SourceFile) -> str | None:
    """The note for a spec whose `source` is written after the datasets: where it is."""
    found = re.search(r"(?m)^[ \t]*source\b", source.text[span.start:])
    if found is None:
        return None
    line = source.line_col(span.start + found.start())[0]
    return f"the `source` on line {line} comes after the datasets"


def _since_from(history) -> list[str]:
    found: list[str] = []
    for seen in reversed(history):
        if seen.type == "FROM":
            return found
        found.append(seen.type)
    return found


def _line(source: SourceFile, at: int) -> tuple[Span, str]:
    start = source.text.rfind("\n", 0, at) + 1
    end = source.text.find("\n", at)
    text = source.text[start:len(source.text) if end == -1 else end].split("#")[0].rstrip()
    indent = len(text) - len(text.lstrip())
    return Span(start + indent, start + len(text)), text.strip()


def _move(line: tuple[Span, str], message: str, label: str, where: str) -> Diagnostic:
    span, written = line
    return error("OCX001", message, span, label, notes=[_LAYOUT],
                 help=f"{where}: `{written}`")


# the words that start a line of a spec, which YAML would write as a key
_LINE_WORDS = frozenset((*_HEADER, "export", "source", "ocpi", "token", "party", "version",
                         "profile", "from", "where", "join", "select", "group", "compute",
                         "output", "schedule", "minimum", "dominance", "round", "order",
                         "limit", "each", "spread", "window", "include", "since", "previous",
                         "last", "between", "require", "pseudonym"))
_KEY = re.compile(r"[ \t]*([A-Za-z_][\w.]*(?:[ \t]+[A-Za-z_]+)*)[ \t]*:[ \t]*(.*)")


def yaml_key(at: int, source: SourceFile) -> Diagnostic | None:
    """`consumer: "Statistics office"`, `compute:`, `district: prefix(postal_code, 4)`: the
    `:` at `at` ends a YAML key. A keyword's line is written without it; a column's
    name after its expression, with `as`."""
    start = source.text.rfind("\n", 0, at) + 1
    end = source.text.find("\n", at)
    line = source.text[start:len(source.text) if end == -1 else end].split("#")[0].rstrip()
    found = _KEY.fullmatch(line)
    if found is None or start + found.end(1) > at or found.group(2).startswith("//"):
        return None
    key, value = found.group(1), found.group(2).strip()
    if key.split()[0].lower() in _LINE_WORDS:
        fixed = f"{key} {value}".strip()
    elif value and " " not in key and "." not in key:
        fixed = f"{value} as {key}"
    else:
        return None
    return error("OCX002", "unexpected character `:`", Span(start + found.start(1),
                 start + len(line)), "a YAML key",
                 notes=["a spec's lines are keywords and their values without `:`; a "
                        "column's name follows it after `as`"],
                 help=f"write `{fixed}`")



_JSON_KEY = re.compile(r"[ \t]*\"([A-Za-z_][\w ]*)\"[ \t]*(:)[ \t]*(.*?)[ \t]*,?[ \t]*$")
_QUOTED_VALUES = frozenset({"consumer", "purpose", "licence", "license"})


def json_key(at: int, source: SourceFile) -> Diagnostic | None:
    """`"consumer": "Bank, green-loan team",`: a line as a JSON object's member. The
    parser stopped at the quoted key ('missing `source` section'), or the lexer at its
    `:` (after a header line that takes a quoted text, which the key then was)."""
    start = source.text.rfind("\n", 0, at) + 1
    end = source.text.find("\n", start)
    line = source.text[start:len(source.text) if end == -1 else end].split("#")[0].rstrip()
    found = _JSON_KEY.fullmatch(line)
    if found is None or at not in (start + found.start(1) - 1, start + found.start(2)):
        return None
    key, value = found.group(1), found.group(3)
    if key.split()[0].lower() not in _LINE_WORDS:
        return None
    if key.lower() not in _QUOTED_VALUES and re.fullmatch(r"\"[^\"]*\"", value):
        value = value[1:-1]  # `"retention": "7 years"`: the value is words
    return error("OCX002", "a JSON key", Span(start + found.start(1) - 1, start + len(line)),
                 "a JSON object's member",
                 notes=["a spec's lines are keywords and their values, without quotes "
                        "around the keyword, `:` or `,`"],
                 help=f"write `{f'{key} {value}'.strip()}`")
