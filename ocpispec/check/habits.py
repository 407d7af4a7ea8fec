"""Habits from SQL, and a column name written without `as`.

Line breaks carry no meaning in a spec, so `having`, `order by` or `limit` after the
columns parse as more columns, and `status session_status` as two. Such words get their
own diagnostic (OCX014) saying what ocpispec does instead, and a bare name after a column
on the same line gets OCX015 (`write status as session_status`), before the checker would
report an unknown field."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ocpispec.language import syntax
from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

# word -> (what it is, what to do instead)
SQL_WORDS: dict[str, tuple[str, str]] = {
    "having": ("`having` filters groups in SQL; ocpispec releases a group only when it "
               "holds at least `minimum group size` distinct drivers",
               "state `minimum group size N` under `compute`; to keep or drop records before "
               "grouping, write `where ...` under `from`"),
    "order": ("`order by` sorts by released columns and comes after the columns (after "
              "`compute` and `minimum group size` in an aggregate), just before `output`",
              "move `order by COLUMN [desc]` to just before `output`"),
    "limit": ("`limit N` keeps the first N groups of an aggregate (after `order by`) and "
              "comes just before `output`; a row export takes no `limit`, a sample is the "
              "run option `--limit N`",
              "move `limit N` to just before `output`, after `order by`"),
    "offset": ("`offset` skips rows in SQL; ocpispec delivers every record of the window",
               "leave it out; narrow the window instead (`since`, `between`, `last`)"),
    "distinct": ("`distinct` is SQL; `count()` counts records, and the minimum group size "
                 "already counts distinct drivers",
                 "to release one row per value, group by it; to count the different values "
                 "in each group, write `count(distinct x)` under `compute`"),
    **{word: (f"`{word}` adds total rows to the groups in SQL; in ocpispec a total is an "
              "aggregate of its own, whose one group the run holds back where it would give "
              "a suppressed group away (the total less the groups released)",
              "leave it out, and add a dataset with the same `from` and `compute`, grouped "
              "by `constant(\"total\") as KEY` (KEY: the name of the key it totals)")
       for word in ("rollup", "cube", "grouping")},
    "top": ("`top` takes the first rows in SQL; in ocpispec a sample is a run option",
            "leave it out and run `ocpispec run SPEC --limit N` for a sample"),
    **{word: (f"`{word}` draws a sample in SQL or a dataframe; a spec's random sample is "
              "`sample P%` under `from`, a share of the records drawn with the pseudonym key "
              "(the same ones on every run), and `ocpispec run SPEC --limit N` reads the first "
              "N records for a trial",
              "write `sample 10%` (the share you want) under `from`, or leave it out and run "
              "`ocpispec run SPEC --limit N` for a trial")
       for word in ("sample", "tablesample", "head")},
}


# a wide table's words: an aggregate is long, its columns fixed by the spec whatever the
# data holds (a class with no released group would drop a wide table's column)
_WIDE = ("pivot", "crosstab")


def _wide(word: str, key: str | None) -> tuple[str, str]:
    column = key if key is not None and key.isidentifier() else "KEY"
    return (f"`{word}` turns a key's values into columns in SQL or a spreadsheet; an "
            "aggregate releases one row per group, each key a column (a long table: its "
            "columns stay the same whichever groups a run releases, and each row holds the "
            "minimum group size)",
            f"leave it out; the consumer makes the wide table from the file, in pandas "
            f"`df.pivot_table(index=[the other keys], columns=\"{column}\")`, in Excel a "
            "PivotTable")


def sql_word(word: str, span, next_word: str | None = None,
             text: str = "") -> Diagnostic | None:
    """OCX014 for a SQL keyword where the spec language has none (`text`: the spec, for
    what its dataset states already)."""
    found = _wide(word.lower(), next_word) if word.lower() in _WIDE else \
        SQL_WORDS.get(word.lower())
    if found is None or (word.lower() == "order" and next_word not in (None, "by")):
        return None
    what, instead = found
    if word.lower() == "having" and (size := _stated_size(text, span.start)) is not None:
        instead = (f"leave it out: the dataset's `minimum group size {size}` already holds "
                   f"back every group of fewer than {size} drivers (raise the number to "
                   "release only larger groups); to keep or drop records before grouping, "
                   "write `where ...` under `from`")
    shown = "order by" if word.lower() == "order" else word
    if (share := _sample_share(word, span, text)) is not None:
        span, instead = share
    if word.lower() in _PLACED:
        return error("OCX014", f"`{shown}` is not allowed here", span,
                     "in the wrong place", notes=[what], help=instead)
    return error("OCX014", f"`{shown}` is SQL, not part of the spec language", span,
                 "not an ocpispec clause", notes=[what], help=instead)


# SQL's `tablesample bernoulli (10)`, `tablesample system (10 percent)`: its share
_TABLESAMPLE = re.compile(r"tablesample\s+(?:bernoulli\s*|system\s*)?\(\s*(\d{1,2}(?:\.\d+)?)"
                          r"\s*(?:percent)?\s*\)", re.IGNORECASE)


def _sample_share(word: str, span, text: str) -> tuple[Span, str] | None:
    """The whole `tablesample ... (P)` and `sample P%` for it (the help, pasted over what
    the caret covered, left `(10)` behind)."""
    found = _TABLESAMPLE.match(text, span.start) if word.lower() == "tablesample" else None
    if found is None or float(found.group(1)) <= 0:
        return None
    return Span(span.start, found.end()), f"write `sample {found.group(1)}%`"


_DATASET_START = re.compile(r"^[ \t]*from\b", re.MULTILINE)
_DATASET_END = re.compile(r"^[ \t]*(?:from|output)\b", re.MULTILINE)
_GROUP_SIZE = re.compile(r"^[ \t]*minimum\s+group\s+size\s+(\d+)", re.MULTILINE)


def _stated_size(text: str, at: int) -> str | None:
    """The `minimum group size N` the dataset around `at` states, if it does."""
    starts = [found.start() for found in _DATASET_START.finditer(text, 0, at)]
    if not starts:
        return None
    end = _DATASET_END.search(text, at)
    found = _GROUP_SIZE.search(text, starts[-1], end.start() if end else len(text))
    return found.group(1) if found else None


# SQL words the language has, in one place of a dataset
_PLACED = ("order", "limit", "sample")


def column_habits(columns: Sequence[syntax.Column], source: SourceFile | None,
                  known) -> list[tuple[syntax.Column, Diagnostic | None]]:
    """Columns that are really a SQL word or a name written without `as` (with their
    diagnostic), and the words after a SQL word on its line (None: nothing more to say).
    `known(ref)` says whether a field reference resolves; only unknown names are judged."""
    found = _rule_in_words(columns, source) + _window_calls(columns, source)
    previous: syntax.Column | None = None
    shouted_line: int | None = None  # `ORDER BY RANDOM() LIMIT 100`: said once, for the line
    for column in columns:
        if any(column is seen for seen, _ in found):
            previous = column
            continue
        if shouted_line is not None and source is not None \
                and source.line_col(column.span.start)[0] == shouted_line:
            found.append((column, None))
            previous = column
            continue
        if any(seen is previous and said is not None and said.code == "OCX008"
               for seen, said in found[-2:]) and _same_line(previous, column, source):
            found.append((column, None))  # `AS value`: the name the `as` names
            previous = column
            continue
        if _totals_after(column, source):  # MySQL's `with rollup`: `rollup` is told
            found.append((column, None))
            previous = column
            continue
        diagnostic = _judge(column, previous, source, known)
        if diagnostic is not None and diagnostic.code == "OCX008" and source is not None:
            shouted_line = source.line_col(column.span.start)[0]
        if diagnostic is not None:
            found.append((column, diagnostic))
            if diagnostic.code in ("OCX015", "OCX008"):  # `AS`: the name it misses
                found.append((previous, None))  # its missing name is the same mistake
        elif found and found[-1][0] is previous and diagnostic is None and found[-1][1] \
                and found[-1][1].code == "OCX014" and _same_line(previous, column, source):
            found.append((column, None))  # `limit 10`: the 10 belongs to the SQL word
        previous = column
    return [(column, d) for column, d in found]


def _rule_in_words(columns: Sequence[syntax.Column],
                   source: SourceFile | None) -> list[tuple[syntax.Column, Diagnostic | None]]:
    """`min size 10`, `minimum_group_size 10`, `k-anonymity 5`: the group size rule or the
    k rule in words the grammar reads as columns (`min`, `size`, `10`; `k - anonymity`,
    `5`). The line gets the rule's diagnostic, once, and its columns none of their own."""
    found: list[tuple[syntax.Column, Diagnostic | None]] = []
    said: set[int] = set()
    for column in columns:
        # every column of every spec passes here: the rules' patterns (and their
        # modules) only for a line whose first word may start one
        if source is None or not _may_be_a_rule(source, column.span.start):
            continue
        from ocpispec.language.parse_columns import group_size_words
        from ocpispec.language.parse_k_words import k_rule_words

        line = source.line_col(column.span.start)[0]
        diagnostic = group_size_words(source, column.span.start) \
            or k_rule_words(source, column.span.start)
        if diagnostic is None or diagnostic.primary_span is None \
                or diagnostic.primary_span.end < column.span.end:
            continue
        found.append((column, None if line in said else diagnostic))
        said.add(line)
    return found


def _window_calls(columns: Sequence[syntax.Column],
                  source: SourceFile | None) -> list[tuple[syntax.Column, Diagnostic | None]]:
    """`percent_rank() over w as p`: SQL's window function over a named window, which
    parses as three columns (`percent_rank()`, `over`, `w as p`). The call gets the window
    function's diagnostic, the words after it none."""
    found: list[tuple[syntax.Column, Diagnostic | None]] = []
    for index, column in enumerate(columns):
        if source is None or index == 0 or not isinstance(column.expr, syntax.FieldRef) \
                or column.expr.path[0].lower() != "over" or len(column.expr.path) != 1:
            continue
        from ocpispec.language.parse_window_functions import window_function

        said = window_function(column.span.start, source)
        if said is None or said.primary_span is None:
            continue
        found.append((columns[index - 1], said))
        found.extend((later, None) for later in columns[index:]
                     if later.span.start < said.primary_span.end)
    return found


# how the group size rule's (`parse_columns`) and the k rule's (`parse_k_words`) other
# words may begin: `min size`, `smallest group`, `group size`, `threshold`, `suppress`,
# `cell size`; `k-anonymity`, `require`, `at least`
_RULE_STARTS = ("min", "smallest", "group", "k", "require", "at", "thresh", "suppress",
                "cell")


def _may_be_a_rule(source: SourceFile, at: int) -> bool:
    start = source.text.rfind("\n", 0, at) + 1
    return source.text[start:start + 80].lstrip()[:8].lower().startswith(_RULE_STARTS)


def group_size_in_words(columns: Sequence[syntax.Column], source: SourceFile | None) -> bool:
    """Whether some of `columns` are the group size rule in other words."""
    return bool(_rule_in_words(columns, source))


def _name_in_words(previous: syntax.Column, word: syntax.FieldRef) -> Diagnostic:
    """`round(kwh, 1) as energy in kwh`... `as duration min`: an output name in two words,
    the second read as a column of its own (an unknown field)."""
    alias = previous.alias
    fixed = f"{alias.name}_{word.path[0]}"
    return error("OCX015", "a column's name is one word",
                 Span(alias.span.start, word.span.end), f"`{word.path[0]}` read as a column",
                 notes=["line breaks carry no meaning, so a word after a column's name is a "
                        "column of its own"],
                 help=f"write `{fixed}`")


def _same_line(first: syntax.Column | None, second: syntax.Column,
               source: SourceFile | None) -> bool:
    if first is None or source is None:
        return False
    return source.line_col(first.span.end)[0] == source.line_col(second.span.start)[0]


def _comma_between(first: syntax.Column, second: syntax.Column,
                   source: SourceFile | None) -> bool:
    return source is not None and "," in source.text[first.span.end:second.span.start]


_SORT_WORDS = re.compile(r"\b(order|by|desc|asc|limit)\b", re.IGNORECASE)


def _shouted_order(word: syntax.FieldRef, source: SourceFile) -> Diagnostic:
    """`ORDER BY started DESC` after the columns of a row export parses as four columns:
    it was 'not allowed here' with 'move it to just before `output`', where it stood."""
    end = source.text.find("\n", word.span.start)
    line = source.text[word.span.start:len(source.text) if end == -1 else end]
    line = line.split("#")[0].rstrip()
    fixed = _SORT_WORDS.sub(lambda m: m.group().lower(), line)
    return error("OCX008", f"`{word.path[0]}` is written `{word.path[0].lower()}`",
                 Span(word.span.start, word.span.start + len(line)), "a keyword in capitals",
                 notes=["keywords are lower case; field names and values keep their case"],
                 help=f"write `{fixed}`")


def _totals_after(column: syntax.Column, source: SourceFile | None) -> bool:
    """Whether the column is `with` and `rollup` or `cube` follows it on its line."""
    expr = column.expr
    if source is None or not isinstance(expr, syntax.FieldRef) or \
            expr.path != ("with",) and expr.path != ("WITH",):
        return False
    rest = source.text[column.span.end:].split("\n", 1)[0].split()
    return bool(rest) and rest[0].lower() in ("rollup", "cube")


def _judge(column: syntax.Column, previous: syntax.Column | None, source: SourceFile | None,
           known) -> Diagnostic | None:
    expr = column.expr
    if not isinstance(expr, syntax.FieldRef) or len(expr.path) != 1:
        return None
    if known(expr) and previous is not None and previous.alias is not None \
            and _same_line(previous, column, source) and not _comma_between(previous, column,
                                                                            source):
        # `round(kwh, 1) as energy kwh`: a name in two words, the second a field that
        # would leave raw as a column nobody meant (a public one without a warning)
        return _name_in_words(previous, expr)
    if known(expr) and (previous is None or isinstance(previous.expr, syntax.FieldRef)
                        or previous.alias is not None):
        return None  # `round(kwh, 1) kwh`: a field after an unnamed computed column names it
    if expr.path[0] in ("ORDER", "LIMIT", "Order", "Limit") and source is not None:
        return _shouted_order(expr, source)
    if (habit := sql_word(expr.path[0], expr.span,
                          text=source.text if source is not None else "")) is not None:
        return habit
    if expr.path[0] == "AS":  # `round(kwh, 1) AS kwh`: SQL's capitals
        return error("OCX008", "`AS` is written `as`", expr.span, "a keyword in capitals",
                     notes=["keywords are lower case; field names and values keep their case"],
                     help="write `as`")
    if previous is not None and previous.alias is not None and _same_line(previous, column,
                                                                          source):
        return _name_in_words(previous, expr)
    if previous is None or previous.alias is not None or not _same_line(previous, column, source):
        return None
    before = source.snippet(previous.expr.span)
    name = expr.path[0]
    # the caret spans both, which the help writes again with `as` between them
    return error("OCX015", f"`{name}` follows `{before}` without `as`",
                 Span(previous.expr.span.start, expr.span.end),
                 "read as a second column", notes=[
                     "line breaks carry no meaning, so two expressions in a row are two "
                     "columns; a column's output name comes after `as`"],
                 help=f"write `{before} as {name}`")
