"""A column or comment written as other languages write it: `because "..."` before the
column's `as NAME`, and comments started with `--` (SQL) or `//` (C, JavaScript)."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_AS_NAME = re.compile(r"as\s+([A-Za-z_]\w*)")


def because_before_as(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """`contract_id because "..." as driver`: the name belongs to the column, the
    justification follows it."""
    if token.type != "AS" or len(history) < 2:
        return None
    before = [seen for seen in history if seen.start_pos != token.start_pos]
    if len(before) < 2 or before[-1].type != "STRING" or before[-2].type != "BECAUSE":
        return None
    name = _AS_NAME.match(source.text, span.start)
    if name is None:
        return None
    start = before[-2].start_pos or 0
    reason = source.text[before[-1].start_pos or 0:before[-1].end_pos or 0]
    return error("OCX001", "`as NAME` comes before `because`", Span(start, name.end()),
                 "the name after the justification",
                 notes=["a column is `EXPRESSION as NAME because \"...\"`"],
                 help=f"write `as {name.group(1)} because {reason}`")


def comment_habit(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """`-- note` or `// note`: a comment starts with `#`."""
    text = source.text
    at = span.start
    if token.type == "MINUS" and text[at:at + 2] != "--" and text[at - 1:at + 1] == "--":
        at -= 1
    marker = text[at:at + 2]
    if marker not in ("--", "//"):
        return None
    return error("OCX001", f"`{marker}` does not start a comment", Span(at, at + 2),
                 "a comment starts with `#`",
                 notes=["`#` starts a comment that runs to the end of the line"],
                 help="write `#`")
