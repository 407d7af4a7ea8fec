"""A row's sort key and its CSV line in one generated function, for the worker
processes of a CSV row export in value order (`execute.workers`).

A worker used to run four functions on every row it sent: the sort key
(`value_key.ascending_key`), the columns the row fills (`EmptyColumns.filled`), the
range test of its numbers (`writers.range_check`) and the line (`CsvLines.liner`),
each reading every column again and testing its class again. Here each column is read
once, its class tested once, and the key's part, the cell and the column's bit are
made in the same branch:

    keyed = keyed_liner(columns, ranks, csv_lines, number_columns, slow)
    key, rendered = keyed(row)      # rendered: (line, bits), or None

Only the plain cases are written here: texts, floats, ints, nulls, in a line none of
whose cells needs quoting. Anything else (a boolean, a list, a number beyond range, a
cell with a quote, a delimiter or a line break) returns `slow(row)`, the four
functions as they were, so the result is the same for every row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ocpispec.execute.value_key import KeyBranches, key_branches, key_env
from ocpispec.execute.value_order import Rank
from ocpispec.render.values import CsvLines
from ocpispec.generated_code import code_of

Keyed = Callable[[dict], tuple[bytes, tuple[str, int] | None]]


def keyed_liner(columns: Sequence[str], ranks: Mapping[str, Rank], lines: CsvLines,
                numbers: tuple[tuple[str, ...], tuple[str, ...]], slow: Keyed,
                largest: int) -> Keyed | None:
    """`numbers`: the columns typed number and integer (`writers.number_columns`), whose
    values beyond range (inf, nan; an int beyond +-`largest`) leave the row to `slow`.
    None where the dialect's lines are not written plainly (`CsvLines.plain_form`), or
    a typed number is no column."""
    env: dict[str, Any] = {"SLOW": slow}
    body = keyed_body(columns, ranks, lines, numbers, largest, env, "return SLOW(row)")
    if body is None:
        return None
    code = ["def keyed(row):", "  try:", "    get = row.get", *body,
            "    return key, (text + END, found)",
            "  except UnicodeEncodeError:", "    return SLOW(row)", ""]
    exec(code_of("\n".join(code), kept=False), env)  # noqa: S102 - built from column names, written with repr
    return env["keyed"]  # type: ignore[no-any-return]


def keyed_body(columns: Sequence[str], ranks: Mapping[str, Rank], lines: CsvLines,
               numbers: tuple[tuple[str, ...], tuple[str, ...]], largest: int,
               env: dict[str, Any], slow: str, kept: Sequence[str] = (),
               read: Callable[[int, str], str] = lambda index, column: f"get({column!r})"
               ) -> list[str] | None:
    """The statements (indented for a `try` in a function) that read a row's columns
    with `get` and set `key`, `text` (the line without its end) and `found` (the bits),
    or run `slow` (`return SLOW(row)`) for a row the plain cases do not cover; the
    names they read go into `env`. A column of `kept` leaves its value in `c{index}`
    as read (`fused_rows`); `read` writes how column `index` is read. None where
    `keyed_liner` is None."""
    form = lines.plain_form()
    doubles, wholes = numbers
    if form is None or not set(doubles) | set(wholes) <= set(columns) or not columns:
        return None
    delimiter, end, inert, starts = form
    env.update(key_env() | {"INERT": inert, "STARTS": starts, "LARGEST": largest,
                            "EXACT": 2 ** 53, "DELIMITER": delimiter, "END": end,
                            "WIDTH": len(columns) - 1})
    code = ["    found = 0"]
    parts = []
    for index, column in enumerate(columns):
        branches = key_branches(index, column, ranks, env)
        s, bit = f"s{index}", 1 << index
        if column not in ranks:
            branches = _framed(index, branches)
        parts += _key_parts(index, column in ranks)
        double_check = (f"if v - v != 0: {slow}",) if column in doubles else ()
        whole_check = (f"if not -LARGEST <= v <= LARGEST: {slow}",) \
            if column in wholes else ()
        code += [f"    v = {read(index, column)}", "    c = v.__class__"]
        if column in kept:
            code.append(f"    c{index} = v")
        for test, body in (
                # an empty text is released as missing (`EmptyColumns`): no bit
                ("if c is str", (*branches.text, f"{s} = INERT(v) if v[:1] in STARTS else v",
                                 f"if v: found |= {bit}")),
                ("elif c is float", (*double_check, *_remembered(index, column not in ranks, branches, env),
                                     f"found |= {bit}")),
                ("elif v is None", (*branches.null, f"{s} = ''")),
                ("elif c is int", (*whole_check, *_whole(branches), f"{s} = repr(v)",
                                   f"found |= {bit}")),
                ("else", (slow,))):
            code += [f"    {test}:", *(f"        {line}" for line in body)]
    cells = "".join(f"s{i}, " for i in range(len(columns)))
    # a NUL in a text would be escaped in its key part (`value_key`): such a row, and
    # a text that is no UTF-8 (a lone surrogate), is the slow path's
    return code + [
        f"    text = DELIMITER.join(({cells}))",
        "    if text.count(DELIMITER) != WIDTH or '\"' in text or '\\n' in text "
        "or '\\r' in text or '\\x00' in text or not (WIDTH or text):",
        f"        {slow}",
        f"    key = b''.join(({''.join(part + ', ' for part in parts)}))"]


def _remembered(index: int, framed: bool, branches: KeyBranches, env: dict[str, Any]) -> tuple[str, ...]:
    """A double's key part and cell, kept by its value (`FLOAT{index}`): a rounded
    measure (`round(kwh, 1)`, a cost) repeats from row to row, and its packing and
    `repr` cost 2.7k instructions a realistic session. Equal doubles other than zero
    have the same bits, so the same part and cell; a zero (0.0 or -0.0, equal but
    written apart) is never kept."""
    env[f"FLOAT{index}"] = {}
    k, s = f"k{index}", f"s{index}"
    frame = (f"p{index}, q{index} = b'\\x00', b'\\x80'",) if framed else ()
    return (f"if (fm := FLOAT{index}.get(v)) is not None:",
            *(f"    {line}" for line in frame),
            f"    {k}, {s} = fm",
            "else:",
            *(f"    {line}" for line in branches.double),
            f"    {s} = repr(v)",
            "    if v:",
            f"        if len(FLOAT{index}) >= MEMO: FLOAT{index}.clear()",
            f"        FLOAT{index}[v] = ({k}, {s})")


def _framed(index: int, branches: KeyBranches) -> KeyBranches:
    """An unranked column's branches with a text's key part as its bytes alone, between
    the frame `p{index}` and `q{index}` (`_key_parts`; empty for any other value): the
    bytes `value_key` writes (`\\x02`, the UTF-8, `\\x00\\x00`) without two concatenations
    per text, and a double's 8 bytes between its own frame. A NUL, which `value_key`
    escapes, and a lone surrogate, which it writes with `surrogatepass`, leave the row
    to the slow path (`keyed_liner`)."""
    frame, empty = f"p{index}, q{index} = b'\\x02', b'\\x00\\x00'", f"p{index} = q{index} = b''"
    # a double's part is b'\\x00' + its order-preserving 8 bytes + b'\\x80' (`value_key`)
    double = ("p = PACK(v + 0.0)", f"p{index}, q{index} = b'\\x00', b'\\x80'",
              f"k{index} = p.translate(INVERT) if p[0] & 128 else TOP[p[0]] + p[1:]")
    return KeyBranches((f"k{index} = v.encode()", frame), double,
                       (empty, *branches.null), (empty, *branches.whole), branches.other)


def _key_parts(index: int, ranked: bool) -> tuple[str, ...]:
    """The names whose bytes, joined, make column `index`'s part of the key."""
    return (f"k{index}",) if ranked else (f"p{index}", f"k{index}", f"q{index}")


def _whole(branches: KeyBranches) -> tuple[str, ...]:
    """An int's part of the key: an int of at most 53 bits is its double exactly, as
    `value_key._int` finds (the double's part, no difference after it), inline; any
    other through `INT`."""
    return ("if -EXACT <= v <= EXACT:", *(f"    {line}" for line in branches.double),
            "else:", *(f"    {line}" for line in branches.whole))


def slow_keyed(order: Callable[[dict], bytes], render: Callable[[dict], Any]) -> Keyed:
    """The key and the rendered row as the separate functions make them."""
    return lambda row: (order(row), render(row))
