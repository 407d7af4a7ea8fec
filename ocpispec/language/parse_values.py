"""Values and conditions written as other languages write them: `kwh between 5 and 10`
and `in ("A", "B")` in a condition, `-kwh` for a negated field, a CSV delimiter written
unquoted or by its name (`delimiter tab`, `delimiter ;`). The help writes the user's own
field and values in the language's form."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span


# `kwh between 5 and 10` and `in ("A", "B")`, read from the line as the user wrote them
_BETWEEN = re.compile(r"(?:^|\bwhere|\band|\bor|\bnot|\()\s*([\w.]+(?:\([^()]*\))?)\s*"
                      r"between\s+(\S+)\s+and\s+([^\s()#]+)")
_PARENTHESISED = re.compile(r"\(([^()#]*)\)")


def condition_habit(token, expected, span: Span, history,
                    source: SourceFile) -> Diagnostic | None:
    """`kwh between 5 and 10`, `status in ("A", "B")`: the help writes the user's own
    condition in the language's form, `kwh >= 5 and kwh <= 10`, `in ["A", "B"]`."""
    previous = history[-1] if history else None
    line_start = source.text.rfind("\n", 0, span.start) + 1
    line_end = source.text.find("\n", span.start)
    line = source.text[line_start:line_end if line_end != -1 else len(source.text)]
    at = span.start - line_start
    if token.type == "BETWEEN" and "COMPARATOR" in expected:
        found = next((m for m in _BETWEEN.finditer(line) if m.start(0) <= at < m.end(0)), None)
        value, low, high = found.groups() if found else ("kwh", "5", "10")
        both = f"{value} >= {low} and {value} <= {high}"
        negated = found is not None and line[:found.start(1)].rstrip().endswith("not")
        return error("OCX001", "`between` is a time window, not a condition", span,
                     "not a comparison",
                     notes=["`between DATE and DATE` under `from` selects the records "
                            "changed in that range"],
                     help=f"compare twice: `{f'not ({both})' if negated else both}`")
    if token.type == "LPAR" and previous is not None and previous.type == "IN" \
            and expected == {"LSQB"}:
        found = _PARENTHESISED.match(line, at)
        items = found.group(1).strip() if found else '"COMPLETED", "ACTIVE"'
        return error("OCX001", "a list is written in square brackets", span, "expected `[`",
                     help=f"write `in [{items}]`")
    return None


_DELIMITERS = {"tab": "\\t", "tabs": "\\t", "comma": ",", "semicolon": ";", "pipe": "|",
               "space": " "}


def named_delimiter(word: str, source: SourceFile, span: Span) -> Diagnostic | None:
    """`delimiter tab`: the character, quoted (`delimiter "\\t"`)."""
    if not source.text[:span.start].rstrip().endswith("delimiter") \
            or word.lower() not in _DELIMITERS:
        return None
    return error("OCX001", f"the delimiter is written as the character, not `{word}`",
                 span, "not a quoted character",
                 notes=["a CSV option's value is quoted: `delimiter \";\"`; a tab is "
                        "`\"\\t\"`, or write the dialect `tab-separated`"],
                 help=f'write `delimiter "{_DELIMITERS[word.lower()]}"`')


def delimiter_token(token, expected: set[str], span: Span,
                    source: SourceFile) -> Diagnostic | None:
    """`delimiter ,`: a character the language reads as a token of its own, unquoted."""
    if "STRING" not in expected or len(str(token)) != 1 \
            or not source.text[:span.start].rstrip().endswith("delimiter"):
        return None
    return error("OCX001", f"the delimiter `{token}` is not quoted", span,
                 "a delimiter is quoted", help=f'write `delimiter "{token}"`')


def negated_field(token, expected: set[str], span: Span, history,
                  source: SourceFile) -> Diagnostic | None:
    """`-kwh`, `round(-total_cost.excl_vat, 1)`: a minus sign makes a negative number,
    not the negation of a field."""
    previous = history[-1] if history else None
    if token.type != "NAME" or expected != {"NUMBER"} or previous is None \
            or previous.type != "MINUS":
        return None
    field = re.match(r"[A-Za-z_][\w.]*\w|[A-Za-z_]", source.text[span.start:])
    name = field.group() if field else str(token)
    return error("OCX001", f"`-{name}` is not a value: a minus sign starts a negative number",
                 Span(previous.start_pos or span.start, span.start + len(name)),
                 "a field after a minus sign",
                 help=f"subtract it from zero: write `0 - {name}`")
