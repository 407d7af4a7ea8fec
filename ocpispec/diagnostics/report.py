"""Render diagnostics for people and for CI: full (rustc/ruff style), concise, JSON.

A stage never formats text; it hands `Diagnostic` values here together with the
source files their spans point into.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ocpispec.diagnostics import Diagnostic, Label, Severity
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.frozen import frozen
from ocpispec.text import count

FORMATS = ("full", "concise", "json")

_RESET, _BOLD, _RED, _YELLOW, _BLUE, _CYAN = (
    "\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[34m", "\x1b[36m")


@frozen
class _Style:
    color: bool

    def paint(self, text: str, *codes: str) -> str:
        return f"{''.join(codes)}{text}{_RESET}" if self.color and text else text

    def severity(self, severity: Severity) -> str:
        colour = _RED if severity is Severity.ERROR else _YELLOW
        return self.paint(severity.value, _BOLD, colour)

    def gutter(self, text: str) -> str:
        return self.paint(text, _BOLD, _BLUE)


def render(diagnostics: Sequence[Diagnostic], sources: Mapping[str, SourceFile], *,
           format: str = "full", color: bool = False, file: str | None = None) -> str:
    """All diagnostics of one file (or none) in one of `FORMATS`.

    `file` names the entry of `sources` the spans point into; with one source it may
    be omitted. Diagnostics without labels (runtime faults) render without a snippet.
    """
    source = _masked(_pick_source(sources, file), diagnostics)
    name = file or (source.name if source else None)
    match format:
        case "full":
            return "".join(_full(d, source, name, _Style(color)) + "\n\n" for d in diagnostics)
        case "concise":
            return "".join(_concise(d, source, name) + "\n" for d in diagnostics)
        case "json":
            return json_document([(d, source, name) for d in diagnostics]) + "\n"
    raise ValueError(f"unknown diagnostic format {format!r}; expected one of {FORMATS}")


def _masked(source: SourceFile | None, diagnostics: Sequence[Diagnostic]) -> SourceFile | None:
    """The source with every secret any diagnostic names replaced by `*` (offsets, lines
    and columns unchanged), so no snippet shows a token or a password."""
    spans = [span for d in diagnostics for span in d.secrets]
    if source is None or not spans:
        return source
    text = list(source.text)
    for span in spans:
        for offset in range(max(span.start, 0), min(span.end, len(text))):
            if text[offset] != "\n":
                text[offset] = "*"
    return SourceFile(source.name, "".join(text))


def summary_line(diagnostics: Sequence[Diagnostic], file: str) -> str:
    """`Found 2 errors and 1 warning in specs/x.ocx.` or `Success: specs/x.ocx is valid.`"""
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if errors:
        counted = count(errors, "error")
        if warnings:
            counted += f" and {count(warnings, 'warning')}"
        return f"Found {counted} in {file}."
    if warnings:
        return f"Success: {file} is valid, with {count(warnings, 'warning')}."
    return f"Success: {file} is valid."


def _pick_source(sources: Mapping[str, SourceFile], file: str | None) -> SourceFile | None:
    if file is not None:
        return sources.get(file)
    if len(sources) == 1:
        return next(iter(sources.values()))
    return None


# ---- full ------------------------------------------------------------------------------


def _full(d: Diagnostic, source: SourceFile | None, name: str | None, style: _Style) -> str:
    head = f"{style.severity(d.severity)}{style.paint(f'[{d.code}]: {d.message}', _BOLD)}"
    labels = [label for label in d.labels if source is not None]
    if not labels:
        lines = [head] + ([f"{style.gutter(' -->')} {name}"] if name else [])
        lines += [f"  {style.gutter('=')} note: {note}" for note in d.notes]
        lines += [f"{style.paint('help', _BOLD, _CYAN)}: {d.help}"] if d.help else []
        return "\n".join(lines)
    assert source is not None
    snippet, width = _snippet(d, source, name or source.name, style)
    return "\n".join([head, *snippet, *_footer(d, style, width)])


def _snippet(d: Diagnostic, source: SourceFile, name: str,
             style: _Style) -> tuple[list[str], int]:
    primary = d.primary_span or d.labels[0].span
    line, col = source.line_col(primary.start)
    by_line: dict[int, list[Label]] = {}
    for label in d.labels:
        by_line.setdefault(source.line_col(label.span.start)[0], []).append(label)
    width = len(str(max(by_line)))
    pad = " " * width
    out = [f"{pad}{style.gutter('-->')} {name}:{line}:{col}", f"{pad} {style.gutter('|')}"]
    previous = None
    for number in sorted(by_line):
        if previous is not None and number > previous + 1:
            out.append(style.gutter("..."))
        out.extend(_annotated_line(source, number, by_line[number], width, style))
        previous = number
    return out, width


def _annotated_line(source: SourceFile, number: int, labels: list[Label], width: int,
                    style: _Style) -> list[str]:
    raw = source.line_text(number)
    shown = raw.expandtabs(4).translate(_DIRECTION_SHOWN)
    out = [f"{style.gutter(str(number).rjust(width) + ' |')} {shown}".rstrip()]
    for label in sorted(labels, key=lambda lb: (not lb.primary, lb.span.start)):
        line_start = label.span.start - source.line_col(label.span.start)[1] + 1
        start, end = _columns(raw, label.span, line_start)
        mark = "^" if label.primary else "-"
        colour = _RED if label.primary else _BLUE
        underline = style.paint(mark * (end - start), _BOLD, colour)
        message = style.paint(label.message, _BOLD, colour)
        out.append(f"{' ' * width} {style.gutter('|')} {' ' * start}{underline} {message}".rstrip())
    return out


# a source line is shown as stored: a direction control would reorder it on the terminal,
# and a control character rewrite it on the terminal,
# so each shows as one replacement character (the caret columns stay as they are)
_DIRECTION_SHOWN = str.maketrans(dict.fromkeys(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    + "".join(map(chr, (*range(0, 9), *range(11, 32), *range(0x7f, 0xa0)))), "\ufffd"))


def _columns(raw: str, span: Span, line_start: int) -> tuple[int, int]:
    """Display columns (tabs expanded) of a span on one line; at least one caret wide."""
    start = max(0, span.start - line_start)
    end = min(len(raw), max(start, span.end - line_start))
    shown_start = len(raw[:start].expandtabs(4))
    shown_end = len(raw[:end].expandtabs(4))
    return shown_start, max(shown_end, shown_start + 1)


def _footer(d: Diagnostic, style: _Style, width: int) -> list[str]:
    out = []
    if d.notes:
        out.append(f"{' ' * width} {style.gutter('|')}")
        out += [f"{' ' * width} {style.gutter('=')} note: {note}" for note in d.notes]
    if d.help:
        out.append(f"{style.paint('help', _BOLD, _CYAN)}: {d.help}")
    return out


# ---- concise ----------------------------------------------------------------------------


def _concise(d: Diagnostic, source: SourceFile | None, name: str | None) -> str:
    where = name
    span = d.primary_span
    if span is not None and source is not None:
        line, col = source.line_col(span.start)
        where = f"{name}:{line}:{col}"
    prefix = f"{where}: " if where else ""
    return f"{prefix}{d.severity.value}[{d.code}]: {d.message}"


# ---- json --------------------------------------------------------------------------------


def json_document(entries: Sequence[tuple[Diagnostic, SourceFile | None, str | None]],
                  files: Sequence[dict] | None = None) -> str:
    """The CI envelope over diagnostics of one or more files; `files`, when given, is the
    result of each file checked (`ocpispec check`)."""
    records = [json_record(d, source, name) for d, source, name in entries]
    errors = sum(1 for d, _, _ in entries if d.is_error)
    document = {"format_version": "1", "valid": errors == 0, "error_count": errors,
                "warning_count": len(entries) - errors, "diagnostics": records}
    if files is not None:
        document["files"] = list(files)
    import json

    return json.dumps(document, indent=2, ensure_ascii=False)


def json_record(d: Diagnostic, source: SourceFile | None, name: str | None) -> dict:
    from ocpispec.diagnostics import codes

    doc = codes.lookup(d.code)
    span = d.primary_span
    return {
        "code": d.code,
        "slug": doc.slug if doc else None,
        "severity": d.severity.value,
        "message": d.message,
        "file": name,
        "range": _range(source, span),
        "labels": [{"message": lb.message, "primary": lb.primary, "range": _range(source, lb.span)}
                   for lb in d.labels],
        "notes": list(d.notes),
        "help": d.help,
        "explain": f"ocpispec explain {d.code}",
    }


def _range(source: SourceFile | None, span: Span | None) -> dict | None:
    if source is None or span is None:
        return None
    return {"start": _position(source, span.start), "end": _position(source, span.end)}


def _position(source: SourceFile, offset: int) -> dict:
    line, column = source.line_col(offset)
    return {"line": line, "column": column, "offset": offset}
