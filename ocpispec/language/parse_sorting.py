"""`order by` as other languages write it: a source field (`order by location.city`),
a minus for descending (`order by -kwh`), and `sort by` (a comma between the keys,
`order by a, b`, is allowed). These stop the parser inside the clause, where the SQL-word rule would say
`order by` is in the wrong place; the help writes the clause to paste instead."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Token

_SORT = ("sort", "sorted", "sorting", "arrange")
_KEYS = re.compile(r"[ \t]*((?:[-A-Za-z0-9_.,]+[ \t]*)+)")
_WORD = re.compile(r"(-?)([A-Za-z_][A-Za-z0-9_.]*)")


def order_habit(token: Token, history: list[Token], source: SourceFile) -> Diagnostic | None:
    before = [seen for seen in history if seen.start_pos != token.start_pos]
    if token.type == "BY" and before and str(before[-1]).lower() in _SORT:
        said = before[-1]
        return error("OCX001", f"`{said} by` is written `order by`",
                     Span(said.start_pos or 0, token.end_pos or 0), "sorts the rows",
                     help="write `order by`")
    opened = _order_start(before)
    if opened is not None and (first := _first_rows(token, source)) is not None:
        return first
    if opened is not None and str(token).isdigit():
        return _ordered_by_position(token, opened, before, source)
    if opened is not None and token.type == "LPAR" and before[-1] is not opened:
        return _ordered_by_a_call(before[-1], opened, before, source)
    if opened is None or token.type not in ("DOT", "MINUS"):
        return None
    line_end = source.text.find("\n", opened.end_pos or 0)
    line_end = len(source.text) if line_end == -1 else line_end
    keys = _KEYS.match(source.text, opened.end_pos or 0, line_end)
    if keys is None:
        return None
    names = [_name(minus, word, source) for minus, word in _WORD.findall(keys.group(1))]
    fixed = "order by " + " ".join(names)
    what = {"DOT": "a released column's name, not the field it reads",
            "MINUS": "a key followed by `desc` for descending"}[token.type]
    start = (before[_index(before, opened) - 1].start_pos or 0)
    return error("OCX001", f"`order by` takes {what}", Span(start, keys.end(1)),
                 "not a column name" if token.type == "DOT" else "not how keys are written",
                 notes=["`order by` names released columns by their output name (the `as` "
                        "name, or a plain field's last segment), each optionally `desc`"],
                 help=f"write `{fixed}`")


def _ordered_by_a_call(name: Token, opened: Token, before: list[Token],
                       source: SourceFile) -> Diagnostic | None:
    """`order by count() desc`, `order by sum(kwh)`: the measure as SQL orders by it.
    It is named by the column that computes it (`count() as sessions`), when one does."""
    start = name.start_pos or 0
    call = re.match(r"[A-Za-z_]\w*\([^()\n]*\)", source.text[start:])
    if call is None:
        return None
    end = start + call.end()
    if call.group().split("(")[0].lower() in RANDOM_CALLS:  # `order by random() limit 100`
        rest = re.match(r"[ \t]*(?:limit[ \t]+(\d+))?", source.text[end:], re.IGNORECASE)
        begin = before[_index(before, opened) - 1].start_pos or 0
        count = rest.group(1) or "N"
        return error("OCX014", "a random sample is not part of a spec",
                     Span(begin, end + rest.end()), "rows in a random order",
                     notes=[SAMPLE_NOTE],
                     help="leave it out and write `sample 10%` (the share you want) under "
                          f"`from`, or run `ocpispec run SPEC --limit {count}` for a trial")
    desc = re.match(r"[ \t]*desc\b", source.text[end:], re.IGNORECASE)
    direction = " desc" if desc else ""
    end += desc.end() if desc else 0
    named = re.search(rf"^[ \t]*{re.escape(call.group())}[ \t]+as[ \t]+([A-Za-z_]\w*)",
                      source.text, re.MULTILINE)
    begin = before[_index(before, opened) - 1].start_pos or 0
    return error("OCX001", "`order by` takes a released column's name, not the measure it "
                 "computes", Span(begin, end),
                 "a measure written again",
                 notes=["`order by` names released columns by their output name (the `as` "
                        "name, or a plain field's last segment), each optionally `desc`"],
                 help=f"write `order by {named.group(1)}{direction}`" if named else
                 f"name the measure in `compute` (`{call.group()} as NAME`) and write "
                 f"`order by NAME{direction}`")


def _ordered_by_position(token: Token, opened: Token, before: list[Token],
                         source: SourceFile) -> Diagnostic:
    """`order by 3 desc`: SQL's column position, named by the column at that place."""
    from ocpispec.language.parse_select_groups import column_at

    start = token.start_pos or 0
    desc = re.match(r"\d+[ \t]*(desc\b)?", source.text[start:], re.IGNORECASE)
    block = source.text[source.text.rfind("\nfrom ", 0, start) + 1:start]
    name = column_at(int(str(token)), block)
    direction = " desc" if desc.group(1) else ""
    begin = before[_index(before, opened) - 1].start_pos or 0
    return error("OCX001", f"`order by {token}` is SQL's column position",
                 Span(begin, start + desc.end()), "a position, not a column",
                 notes=["`order by` names released columns by their output name (the `as` "
                        "name, or a plain field's last segment), each optionally `desc`"],
                 help=f"write `order by {name}{direction}`" if name else
                 f"write the name of column {token} of the file: `order by NAME{direction}`")


# SQL's `fetch first 10 rows only` and pandas' `.head(10)`, `.nlargest(10, "x")` after
# `order by`: read as more keys, they were told as a column position (`order by 10`) or
# as a field's path, with the `order by` already written as the help
_FIRST_ROWS = re.compile(r"(?i)(?:\bfetch[ \t]+(?:first|next)[ \t]+(?P<fetched>\d+)[ \t]+"
                         r"rows?(?:[ \t]+only)?|\.[ \t]*(?P<call>head|nlargest|nsmallest)"
                         r"[ \t]*\([ \t]*(?:n[ \t]*=[ \t]*)?(?P<head>\d+)[^()\n]*\))")


def _first_rows(token: Token, source: SourceFile) -> Diagnostic | None:
    """OCX014 for a first-N phrase of SQL or pandas where the parse stopped in it."""
    at = token.start_pos or 0
    line_start = source.text.rfind("\n", 0, at) + 1
    line_end = source.text.find("\n", at)
    line_end = len(source.text) if line_end == -1 else line_end
    found = next((m for m in _FIRST_ROWS.finditer(source.text, line_start, line_end)
                  if m.start() <= at < m.end()), None)
    if found is None:
        return None
    count = found.group("fetched") or found.group("head")
    written = " ".join(found.group().split())
    what = f"pandas' `.{found.group('call')}(...)`" if found.group("call") else f"`{written}`"
    return error("OCX014", f"{what} is not part of the spec language",
                 Span(found.start(), found.end()), "the first rows in other words",
                 notes=["`limit N`, after `order by`, keeps the first N groups of an "
                        "aggregate in that order: a top N"],
                 help=f"write `limit {count}`")


_SORT_VALUES = re.compile(r"(?i)(?:\b[A-Za-z_]\w*[ \t]*)?\.?[ \t]*\bsort_values[ \t]*\([ \t]*(?:by[ \t]*=[ \t]*)?\[?[ \t]*"
                          r"['\"](?P<key>[A-Za-z_]\w*)['\"][^()\n]*\)")


def pandas_sort(at: int, source: SourceFile) -> Diagnostic | None:
    """OCX014 for pandas' `sort_values("sessions", ascending=False)` on the line of `at`:
    it was told as a measure below `minimum group size`, to move above it."""
    line_start = source.text.rfind("\n", 0, at) + 1
    line_end = source.text.find("\n", at)
    line_end = len(source.text) if line_end == -1 else line_end
    found = _SORT_VALUES.search(source.text, line_start, line_end)
    if found is None or not found.start() <= at <= found.end():
        return None
    descending = "ascending=false" in found.group().replace(" ", "").lower()
    keys = f"{found.group('key')}{' desc' if descending else ''}"
    return error("OCX014", "pandas' `sort_values(...)` is not part of the spec language",
                 Span(found.start(), found.end()), "sorts the rows in pandas",
                 notes=["`order by` names released columns, each optionally `desc`, just "
                        "before `output`"],
                 help=f"write `order by {keys}`")


RANDOM_CALLS = frozenset({"random", "rand", "newid", "uuid", "shuffle"})
SAMPLE_NOTE = ("a spec's random sample is `sample P%` under `from`: a share of the records "
               "drawn with the pseudonym key, the same ones on every run; for a trial, "
               "`ocpispec run SPEC --limit N` reads the first N records of each dataset into "
               "the file")


def _order_start(before: list[Token]) -> Token | None:
    """The `by` of the `order by` the parse is in (nothing but keys after it)."""
    for index in range(len(before) - 1, 0, -1):
        seen = before[index]
        if seen.type == "BY" and before[index - 1].type == "ORDER":
            return seen
        if seen.type not in ("NAME", "ASCENDING", "DESCENDING"):
            return None
    return None


def _index(tokens: list[Token], token: Token) -> int:
    return next(i for i, seen in enumerate(tokens) if seen is token)


def _name(minus: str, word: str, source: SourceFile) -> str:
    """A key as a released column's name: a field a column reads (`location.city`) is
    that column's `as` name, or its last segment; `-kwh` is `kwh desc`."""
    if "." in word:
        named = re.search(rf"^[ \t]*{re.escape(word)}[ \t]+as[ \t]+([A-Za-z_]\w*)",
                          source.text, re.MULTILINE)
        word = named.group(1) if named else word.rsplit(".", 1)[-1]
    return f"{word} desc" if minus else word
