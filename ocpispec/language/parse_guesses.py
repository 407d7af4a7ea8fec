"""The mistakes a syntax error most often stands for, each with its own code and a
precise help: a name written with `-`, a number with an exponent, SQL words, a missing
column name after `as`, commas between columns, a missing `output` or `source`, a
misspelt keyword."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Token
from ocpispec.language.parse_aliases import column_name
from ocpispec.language.parse_layout import source_below
from ocpispec.language.parse_terminals import describe_token, expected_list, inside, keyword_text

_OUTPUT_EXAMPLE = 'output csv to "exports/{export}-{run.date}.csv"'


def tokens_before(token: Token, history: list[Token]) -> list[Token]:
    """The tokens before `token`: the lexer's history may already hold it."""
    if history and history[-1].start_pos == token.start_pos:
        return history[:-1]
    return history


_PUNCTUATED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[-.][A-Za-z0-9_]+)+")
_NAMED_AFTER = {"AS": "as", "EXPORT": "export"}


def punctuated_name(token: Token, history: list[Token],
                     source: SourceFile) -> Diagnostic | None:
    """`export my-export`, `as energy-kwh`, `as weekly.sessions`: a name written with
    `-` or `.` reads as a name and then an operator, which the parser reports far from
    the cause (even as a missing `source`). Names are one word."""
    following = [*history[-3:], token]
    for position, name in enumerate(following[1:], start=1):
        before = following[position - 1]
        if name.type != "NAME" or before.type not in _NAMED_AFTER:
            continue
        word = _PUNCTUATED.match(source.text, name.start_pos or 0)
        if word is None:
            continue
        written, fixed = word.group(), re.sub(r"[-.]", "_", word.group())
        keyword = _NAMED_AFTER[before.type]
        return error("OCX001", f"`{written}` is not a name", Span(word.start(), word.end()),
                     "a name is one word",
                     notes=["names are letters, digits and `_`; `-` and `.` would be "
                            "read as operators"],
                     help=f"write `{keyword} {fixed}`")
    return None


_EXPONENT = re.compile(r"-?\d+(?:\.\d+)?[eE][+-]?\d+")


def exponent_number(token: Token, history: list[Token],
                     source: SourceFile) -> Diagnostic | None:
    """`1e3`: a number with an exponent reads as the number `1` and a name `e3`."""
    before = [seen for seen in history[-2:] if seen.start_pos != token.start_pos]
    number = before[-1] if before else None
    if number is None or number.type != "NUMBER" or token.start_pos != number.end_pos \
            or not str(token).lower().startswith("e"):
        return None
    written = _EXPONENT.match(source.text, number.start_pos or 0)
    if written is None:
        return None
    return error("OCX001", f"`{written.group()}` is not a number the spec language reads",
                 Span(written.start(), written.end()), "a number with an exponent",
                 notes=["numbers are written out in digits, with an optional decimal point"],
                 help=f"write `{plain}`" if (plain := _plain(written.group())) else
                 "write the number out in digits (at most 15 before and 15 after the "
                 "decimal point)")


def _plain(written: str) -> str | None:
    """`1e3` -> `1000`, `2.5e-3` -> `0.0025`, exactly (decimal, not binary); None when
    it would have more digits than a number in a spec may (OCX013)."""
    from decimal import Decimal

    exponent = written.lower().partition("e")[2]
    if abs(int(exponent)) > 30:
        return None
    text = format(Decimal(written), "f")
    text = text.rstrip("0").rstrip(".") if "." in text else text
    whole, _, fraction = text.lstrip("-").partition(".")
    return text if len(whole) <= 15 and len(fraction) <= 15 else None


def sql_habit(token, expected, span, history, parser,
              source: SourceFile | None = None) -> Diagnostic | None:
    """`order by`, `having count() > 5`, `count(distinct x)`: SQL words just before the
    place the parser stopped (OCX014 says what ocpispec does instead)."""
    from ocpispec.check.habits import sql_word

    if token.type == "NAME" and str(token).lower() == "offset" and history \
            and history[-1].type in ("INT", "NUMBER"):
        # `limit 10 offset 5`: the word the parser stopped at is the SQL, not `limit`
        return sql_word(str(token), Span(token.start_pos, token.end_pos))
    following = [*history[-5:], token]
    for position, seen in enumerate(following):
        if seen.type not in ("NAME", "ORDER", "LIMIT"):
            continue
        if position > 0 and following[position - 1].type == "AS":
            continue  # `as order`: a column named with a reserved word (OCX005 says so)
        if position > 0 and following[position - 1].type == "SUPPRESSION":
            continue  # `suppression limit 5`: the k rule's limit, without its `%`
        after = following[position + 1] if position + 1 < len(following) else None
        word = sql_word(str(seen), Span(seen.start_pos, seen.end_pos),
                        str(after).lower() if after is not None else None,
                        source.text if source is not None else "")
        if word is not None:
            return word
    return None


def missing_name_after_as(token, expected, span, history, parser) -> Diagnostic | None:
    if not history or history[-1].type != "AS" or expected != {"NAME"}:
        return None
    found = describe_token(token)
    help = "write the column's output name after `as`, e.g. `round(kwh, 1) as energy_kwh`"
    if token.type == "$END":
        note = "the spec ends after `as`"
    elif (keyword := keyword_text(token.type, parser)) and token.line == history[-1].line:
        # `as order` on one line: the word was meant as the name
        note = f"found {found}, a reserved word, which cannot name a column"
        help = f"choose another name, e.g. `as {keyword}_name`"
    elif token.type == "STRING" and token.line == history[-1].line:
        # `as "energy kWh"`: names are words, written without quotes
        name = column_name(str(token)[1:-1])
        note = "a column name is a word, not a quoted text"
        help = f"write `as {name}`"
        span = Span(history[-1].start_pos or span.start, span.end)
    elif keyword:
        note = f"found {found}, a keyword, which cannot name a column"
    else:
        note = f"found {found}; a column name is a word such as `energy_kwh`"
    return error("OCX005", "missing column name after `as`", span, "expected a name here",
                 notes=[note], help=help)


def comma_between_columns(token, expected, span, history, parser) -> Diagnostic | None:
    """A comma between two columns is allowed (`select kwh, status`); one with no column
    on one side of it is not: `select, kwh`, `kwh,, status`, or after the last column."""
    if not inside(history, {"SELECT", "BY", "COMPUTE"}) or _nested(history):
        return None
    if token.type == "COMMA":
        return error("OCX006", "a comma with no column before it", span, "remove this `,`",
                     notes=["a comma may stand between two columns, and nowhere else in "
                            "the list"],
                     help="remove the `,`")
    if history and history[-1].type == "COMMA":
        comma = history[-1]
        return error("OCX006", "a comma after the last column",
                     Span(comma.start_pos or 0, comma.end_pos or 0), "no column follows it",
                     notes=[f"the list of columns ends here, before {describe_token(token)}"],
                     help="remove the `,`")
    return None


def _nested(history) -> bool:
    """Whether the error is inside parentheses or brackets opened after the clause's
    keyword (`round(kwh,)`: a function's arguments, not the list of columns)."""
    depth = 0
    for token in reversed(history):
        if token.type in {"SELECT", "BY", "COMPUTE"}:
            return depth > 0
        depth += {"LPAR": 1, "LSQB": 1, "RPAR": -1, "RSQB": -1}.get(token.type, 0)
    return False


def missing_output(token, expected, span, history, parser) -> Diagnostic | None:
    if "OUTPUT" not in expected or token.type not in {"$END", "FROM", "SCHEDULE"}:
        return None
    return error("OCX007", "dataset has no `output` clause", span,
                 "expected `output` before this", notes=[
                     "every `from` block ends with where its rows go"],
                 help=f"add an output clause after the columns, e.g. `{_OUTPUT_EXAMPLE}`")


def missing_source(token, expected, span, history, parser, *,
                    source: SourceFile) -> Diagnostic | None:
    if "SOURCE" not in expected or token.type in {"NAME", "SOURCE"} \
            or any(seen.type == "SOURCE" for seen in history):
        return None  # after a source, the merged LALR states still "expect" `source`
    below = source_below(span, source)
    return error("OCX011", "missing `source` section", span, "expected `source` before this",
                 notes=[below or "the header is followed by the OCPI interface to read from"],
                 help="move the `source` lines up, between the header and the first `from`"
                 if below else "add `source profile NAME`, or `source ocpi env VERSIONS_URL "
                               "token env OCPI_TOKEN version auto`")


def misspelled_keyword(token, expected, span, history, parser) -> Diagnostic | None:
    if token.type != "NAME":
        return None
    words = sorted(keyword_text(name, parser) for name in expected if keyword_text(name, parser))
    if not words or any(keyword_text(name, parser) is None for name in expected - {"$END"}):
        return None
    import difflib  # only for a misspelt keyword

    close = difflib.get_close_matches(str(token), words, n=1, cutoff=0.6)
    if not close:
        return None
    return error("OCX008", f"unknown keyword `{token}`", span, f"did you mean `{close[0]}`?",
                 notes=[f"expected {expected_list(expected, parser)}"],
                 help=f"write `{close[0]}`")
