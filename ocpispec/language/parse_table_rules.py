"""A statistics office's table rules after `compute` in other words: `dominance 85%`,
`dominance 1 0.85`, `dominance (1, 85%)`, `rounding 5`, `round counts 5`, `round to
base 5`. They stopped the parser with 'expected a whole number' or 'expected `counts`';
the line now gets one diagnostic over its words, whose help writes the rule."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)\s*(%?)")
_DOMINANCE = re.compile(r"dominan\w*\b", re.IGNORECASE)
_ROUNDING = re.compile(r"round(?:ing|ed)?\b(?!\s*\()", re.IGNORECASE)


def table_rule_habit(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """The diagnostic for a `dominance` or `round counts to` line after `compute`
    that the parser could not read; None for any other error."""
    if token.type == "$END" or not any(seen.type == "COMPUTE" for seen in history):
        return None
    # `dominance 1 85` then a line break: the parser stops at the next line's word
    last = history[-1].start_pos if history and history[-1].start_pos is not None else None
    at = last if last is not None and last < span.start else span.start
    for where in dict.fromkeys((at, span.start)):
        found = _rule_on_line(source, where)
        if found is not None:
            return found
    return None


def _rule_on_line(source: SourceFile, at: int) -> Diagnostic | None:
    start = source.text.rfind("\n", 0, at) + 1
    end = source.text.find("\n", at)
    line = source.text[start:len(source.text) if end == -1 else end].split("#")[0].rstrip()
    indent = len(line) - len(line.lstrip())
    if _DOMINANCE.match(line, indent):
        fixed = _dominance(line[indent:])
        notes = ["`dominance N K%` withholds a group where the N largest drivers (1 to 3) "
                 "give more than K% (50 to 99) of a `sum` or `avg`"]
    elif _ROUNDING.match(line, indent):
        fixed = _rounding(line[indent:])
        notes = ["`round counts to B` releases each count as the nearest multiple of B "
                 "(2 to 100)"]
    else:
        return None
    if fixed is None or fixed == " ".join(line.split()):
        return None
    return error("OCX001", f"the rule is written `{fixed}`", Span(start + indent,
                 start + len(line)), "the rule, in other words", notes=notes,
                 help=f"write `{fixed}`")


def _numbers(words: str) -> list[tuple[float, bool]]:
    return [(float(value.replace(",", ".")), bool(percent))
            for value, percent in _NUMBER.findall(words)]


def _dominance(words: str) -> str | None:
    """`dominance 85%` (one driver), `dominance 1 0.85`, `dominance 2 90`."""
    numbers = _numbers(words)
    match numbers:
        case [(share, _)]:
            drivers = 1
        case [(count, False), (share, _)] if count.is_integer() and 1 <= count <= 3:
            drivers = int(count)
        case _:
            return None
    percent = share * 100 if share <= 1 else share
    if not percent.is_integer():
        return None
    return f"dominance {drivers} {int(percent)}%"


def _rounding(words: str) -> str | None:
    """`rounding 5`, `round counts 5`, `round to base 5`, `round counts to 5%`."""
    numbers = _numbers(words)
    if len(numbers) != 1 or not numbers[0][0].is_integer():
        return None
    return f"round counts to {int(numbers[0][0])}"


# the rules that close `compute`, as the grammar has them
_CLOSING_RULE = re.compile(r"\s*(?P<rule>minimum\s+group\s+size\s+\d+|dominance\s+\d+\s+\d+\s*%"
                           r"|\w+\s+counts\s+to\s+\d+)\s*(?:#.*)?$")


def measure_after_rules(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """`minimum group size 10` then `avg(kwh) as avg_kwh`: the measure's first word was
    read as the start of `round counts to`, and the parser said 'expected `counts`'."""
    if token.type == "$END" or not any(seen.type == "COMPUTE" for seen in history):
        return None
    start = source.text.rfind("\n", 0, span.start) + 1
    end = source.text.find("\n", span.start)
    line = source.text[start:len(source.text) if end == -1 else end].split("#")[0].rstrip()
    words = line.strip()
    if not words or _CLOSING_RULE.match(line) or not ("(" in words or " as " in words):
        return None
    first = words.split()[0].split("(")[0]
    if (sql := _sql_word(first, start + len(line) - len(line.lstrip()),
                         source.text)) is not None:
        return sql  # `having count() > 10` after the rules: SQL's, not a measure to move
    compute = next(seen.start_pos for seen in reversed(history) if seen.type == "COMPUTE")
    rule = next((found.group("rule") for found in map(_CLOSING_RULE.match, source.text[
        compute:start].splitlines()) if found is not None), None)
    if rule is None:
        return None
    rule = " ".join(rule.split())
    indent = len(line) - len(line.lstrip())
    return error("OCX001", f"the measure `{words}` comes after `{rule}`",
                 Span(start + indent, start + len(line)), "a measure below the table's rules",
                 notes=["`compute` lists its measures first, then `minimum group size N`, "
                        "then `dominance` and `round counts to`"],
                 help=f"move `{words}` above `{rule}`")


def _sql_word(word: str, at: int, text: str) -> Diagnostic | None:
    from ocpispec.check.habits import sql_word  # an error's help only

    return sql_word(word, Span(at, at + len(word)), text=text)
