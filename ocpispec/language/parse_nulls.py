"""A test for a missing value as other languages write it: `is empty`, `is None`,
`is not missing`, `not null` (SQL's column constraint), `exists`. The language has
`is null` and `is not null`; the help writes the test over the field and the words."""

from __future__ import annotations

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Token

_MISSING = {"empty", "none", "nil", "missing", "blank", "undefined", "na", "nan", "nothing",
            "unknown", "unset"}
_PRESENT = {"exists", "present", "set", "defined", "known", "filled"}


def null_habit(token: Token, history: list[Token], source: SourceFile) -> Diagnostic | None:
    before = [seen for seen in history if seen.start_pos != token.start_pos]
    kinds = [seen.type for seen in before[-2:]]
    word = str(token).lower()
    if token.type == "NAME" and word in _MISSING and kinds[-1:] == ["IS"]:
        return _fix(before[:-1], token, "is null", source)
    if token.type == "NAME" and word in _MISSING | _PRESENT and kinds == ["IS", "NOT"]:
        return _fix(before[:-2], token, "is null" if word in _PRESENT else "is not null",
                    source)
    if token.type == "NULL" and kinds[-1:] == ["NOT"]:
        return _fix(before[:-1], token, "is not null", source)
    if token.type == "NAME" and word in _PRESENT and kinds[-1:] == ["NAME"]:
        return _fix(before, token, "is not null", source)
    if token.type == "NAME" and word in _PRESENT and kinds[-1:] == ["IS"]:
        return _fix(before[:-1], token, "is not null", source)
    return None


def _fix(field: list[Token], token: Token, test: str, source: SourceFile) -> Diagnostic | None:
    """The help `FIELD is [not] null` over the field and the words after it."""
    start = _field_start(field)
    if start is None:
        return None
    written = " ".join(source.text[start:token.end_pos or 0].split())
    path = source.text[start:field[-1].end_pos or start]
    return error("OCX001", f"`{written}` is written `{path} {test}`",
                 Span(start, token.end_pos or 0), "a test for a missing value",
                 notes=["a field without a value is tested with `is null`, one with a "
                        "value with `is not null`"],
                 help=f"write `{path} {test}`")


def _field_start(tokens: list[Token]) -> int | None:
    """Where the field path that ends `tokens` starts (`location.evse.status`)."""
    if not tokens or tokens[-1].type != "NAME":
        return None
    index = len(tokens) - 1
    while index >= 2 and tokens[index - 1].type == "DOT" and tokens[index - 2].type == "NAME":
        index -= 2
    return tokens[index].start_pos
