"""Turn a lark syntax error into one human OCX0xx diagnostic.

lark reports terminal names (`NAME`, `STRING`, `__ANON_3`); a spec author wants to
read "a name" and "`select`". Common mistakes get their own code and a precise help:
an unterminated string, a comma between columns, a keyword used as a column name,
a missing `output`, a missing `source`, a misspelled keyword.
"""

from __future__ import annotations

import re
from functools import partial
from collections.abc import Callable

from ocpispec.language.lark_without_regex import (
    Lark,
    PatternStr,
    Token,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
)

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.language.parse_header import header_habit
from ocpispec.language.parse_values import (
    condition_habit, delimiter_token, indexed_path, jmespath_join, negated_field,
    number_with_unit, number_word, number_word_before, percent_share, written_date)
from ocpispec.language.parse_schedules import schedule_habit
from ocpispec.language.parse_windows import window_habit as spoken_window
from ocpispec.language.parse_shapes import dataset_shape
from ocpispec.language.parse_sorting import order_habit
from ocpispec.language.parse_nulls import null_habit
from ocpispec.language.parse_k_words import k_words_habit
from ocpispec.language.parse_table_rules import table_rule_habit
from ocpispec.language.parse_typos import misspelt_clause
from ocpispec.language.parse_layout import misplaced_section, source_below, yaml_key
from ocpispec.language.parse_phrases import grammar_phrases, keyword_habit, phrase_habit
from ocpispec.language.parse_outputs import decimal_text, output_habit
from ocpispec.language.parse_words import bare_secret, glued_keywords, upper_case_keywords
from ocpispec.language.parse_columns import (
    because_before_as, comment_habit, extract_habit, group_size_habit, join_without_key,
    missing_comma, sql_join, two_modules)
from ocpispec.language.parse_habits import (
    aggregate_shape,
    character_habit,
    guessed_form,
    operator_habit,
    window_habit,
    time_with_offset,
    unquoted_text,
)
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.characters import describe_character
from ocpispec.language.parse_order import (
    aggregate_order,
    bare_condition,
    from_clause_late,
    k_rule_habit,
    missing_dataset,
    spread_habit,
    written_time,
)

_CLASSES = {
    "NAME": "a name",
    "STRING": "a quoted string",
    "INT": "a whole number",
    "NUMBER": "a number",
    "DATE": "a date such as `2026-01-31`",
    "TIME": "a time such as `06:00`",
    "VERSION": "an OCPI version (`2.1.1`, `2.2.1`, `2.3.0` or `auto`)",
    "PARTY": "a party id such as `NL-TNM`",
    "PERCENT": "a percentage such as `5%`",
    "COMPARATOR": "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`)",
    "DIALECT": "a CSV dialect such as `excel-nl`",
    "$END": "the end of the file",
}

_OUTPUT_EXAMPLE = 'output csv to "exports/{export}-{run.date}.csv"'


def syntax_error(exc: UnexpectedInput, source: SourceFile, history: list[Token],
                 parser: Lark, respaced: Callable[[str], Diagnostic | None] | None = None
                 ) -> Diagnostic:
    """`respaced(text)`: the first diagnostic of another text (None: it parses), for a
    mistake judged by the spec with a word split in two (`lastmonth`)."""
    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc, source, history, parser, respaced)
    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(exc, source)
    return error("OCX001", "the spec could not be parsed", Span(0, 0))


# ---- lexer errors --------------------------------------------------------------------


_SHELL_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")


def _unexpected_character(exc: UnexpectedCharacters, source: SourceFile) -> Diagnostic:
    pos = exc.pos_in_stream
    char = source.text[pos] if pos < len(source.text) else ""
    if char == '"':
        end = source.text.find("\n", pos)
        span = Span(pos, len(source.text) if end == -1 else end)
        return error("OCX004", "unterminated string", span, "this string has no closing `\"`",
                     notes=["a quoted string ends on the line where it starts"],
                     help='close the string with `"` on the same line')
    if (offset := time_with_offset(source, pos)) is not None:
        return offset
    shown = describe_character(char)
    if source.text[:pos].rstrip().endswith("delimiter") and char.isprintable() and char != " ":
        return error("OCX002", f"unexpected character {shown}", Span(pos, pos + 1),
                     "a delimiter is quoted", help=f'write `delimiter "{char}"`')
    line_start = source.text.rfind("\n", 0, pos) + 1
    before = source.text[line_start:pos]
    if char == ";" and before.count("(") > before.count(")"):
        # `round(kwh; 1)`: a spreadsheet's argument separator where the locale uses `,`
        return error("OCX002", f"unexpected character {shown}", Span(pos, pos + 1),
                     "arguments are separated by `,`", help="write `,`")
    if char == ":" and (keyed := yaml_key(pos, source)) is not None:
        return keyed
    if char == "$" and (variable := _SHELL_VARIABLE.match(source.text, pos)) is not None:
        name = variable.group(1) or variable.group(2)
        return error("OCX002", f"unexpected character {describe_character(char)}",
                     Span(pos, variable.end()), "a shell's variable",
                     notes=["a secret or URL from the environment is written `env NAME`"],
                     help=f"write `env {name}`")
    habit = character_habit(char, source.text[pos + 1:pos + 2])
    if habit is not None:
        label, help = habit
        return error("OCX002", f"unexpected character {shown}", Span(pos, pos + 1), label,
                     help=help)
    return error("OCX002", f"unexpected character {shown}", Span(pos, pos + 1),
                 "not part of the spec language",
                 help="remove it, or put it inside a quoted string")


def _unexpected_token(exc: UnexpectedToken, source: SourceFile, history: list[Token],
                      parser: Lark, respaced: Callable[[str], Diagnostic | None] | None
                      ) -> Diagnostic:
    keywords = {word: t.name for t in parser.terminals if (word := _keyword(t.name, parser))}
    token = _as_name(exc.token, source, parser)
    expected = _acceptable(exc)
    span = _token_span(token, source, history)
    if (extract := extract_habit(token, span, source)) is not None:
        return extract  # before `FROM` is taken for a keyword in upper case
    if (shouted := upper_case_keywords(token, source, set(keywords))) is not None:
        return shouted
    if (offset := time_with_offset(source, span.start)) is not None:
        return offset
    if (punctuated := _punctuated_name(token, history, source)) is not None:
        return punctuated
    if (exponent := _exponent_number(token, history, source)) is not None:
        return exponent
    for found in (misspelt_clause(token, history, source),
                  misplaced_section(token, expected, span, history, source),
                  order_habit(token, history, source),
                  null_habit(token, history, source),
                  group_size_habit(token, span, history, source),
                  percent_share(token, history, source),
                  table_rule_habit(token, span, history, source),
                  written_date(token, expected, span, source),
                  number_word(token, expected, span),
                  number_word_before(token, _before(token, history)),
                  number_with_unit(token, history, source),
                  output_habit(token, span, history, source),
                  decimal_text(token, span, history, source),
                  because_before_as(token, span, history, source),
                  sql_join(token, span, history, source),
                  join_without_key(token, expected, span, history, source),
                  two_modules(token, span, history, source),
                  comment_habit(token, span, history, source)):
        if found is not None:
            return found
    if (secret := bare_secret(token, expected, span)) is not None:
        return secret
    glued = glued_keywords(token, keywords, getattr(exc, "state", None), span,
                           lambda at: respaced(f"{source.text[:at]} {source.text[at:]}")
                           if respaced is not None else None)
    if glued is not None:
        return glued
    phrases = grammar_phrases(parser.rules, lambda name: _keyword(name, parser))
    phrase = phrase_habit(token, phrases,
                          keywords, getattr(exc, "state", None), source,
                          _before(token, history)[-1] if _before(token, history) else None)
    if phrase is not None:
        return phrase
    if (unquoted := unquoted_text(token, expected, span, source)) is not None:
        return unquoted
    if (guessed := guessed_form(token, expected, span, history, source)) is not None:
        return guessed
    said = _before(token, history)
    for found in (written_time(token, expected, said, source),
                  missing_dataset(token, expected, span, said),
                  jmespath_join(token, source),
                  from_clause_late(token, said, source),
                  aggregate_order(token, said, source),
                  k_rule_habit(token, said, source),
                  k_words_habit(token, span, history, source),
                  bare_condition(token, expected, said, source),
                  spread_habit(token, said, source),
                  condition_habit(token, expected, span, history, source),
                  indexed_path(token, expected, span, history, source),
                  delimiter_token(token, expected, span, source),
                  negated_field(token, expected, span, history, source),
                  spoken_window(token, expected, span, history, source),
                  header_habit(token, expected, span, history, source),
                  dataset_shape(token, expected, span, history, source),
                  schedule_habit(token, expected, span, history, source)):
        if found is not None:
            return found
    for rule in (operator_habit, window_habit, aggregate_shape, _sql_habit, _missing_name_after_as, _comma_between_columns,
                 _missing_output, partial(_missing_source, source=source), _misspelled_keyword):
        found = rule(token, expected, span, history, parser)
        if found is not None:
            return found
    if (comma := missing_comma(token, expected, span, history, source)) is not None:
        return comma  # the last resort before the generic help: more specific rules first
    said = _before(token, history)
    if (word := keyword_habit(token, keywords, getattr(exc, "state", None), span,
                              said[-1] if said else None, source)) is not None:
        return word
    if token.type == "$END" and not history:
        return error("OCX003", "the spec is empty", span, "expected `export NAME`",
                     help="start with `export NAME`, then `consumer`, `purpose`, `source`, "
                          "`from` and `select`; `specs/` has complete examples")
    if token.type == "$END":
        return error("OCX003", "unexpected end of file", span,
                     f"expected {_expected_list(expected, parser)}",
                     help="the spec stops in the middle of a clause; complete it")
    return error("OCX001", f"expected {_expected_list(expected, parser)}, found "
                 f"{_describe_token(token)}", span,
                 f"unexpected {_describe_token(token)}",
                 help="write one of the expected items here, or fix the clause before it "
                      "(the shape of every clause is in `docs/language.md`)")


def _before(token: Token, history: list[Token]) -> list[Token]:
    """The tokens before `token`: the lexer's history may already hold it."""
    if history and history[-1].start_pos == token.start_pos:
        return history[:-1]
    return history


_PUNCTUATED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[-.][A-Za-z0-9_]+)+")
_NAMED_AFTER = {"AS": "as", "EXPORT": "export"}


def _punctuated_name(token: Token, history: list[Token],
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


def _exponent_number(token: Token, history: list[Token],
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


def _sql_habit(token, expected, span, history, parser) -> Diagnostic | None:
    """`order by`, `having count() > 5`, `count(distinct x)`: SQL words just before the
    place the parser stopped (OCX014 says what ocpispec does instead)."""
    from ocpispec.check.habits import sql_word

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
                        str(after).lower() if after is not None else None)
        if word is not None:
            return word
    return None


def _missing_name_after_as(token, expected, span, history, parser) -> Diagnostic | None:
    if not history or history[-1].type != "AS" or expected != {"NAME"}:
        return None
    found = _describe_token(token)
    help = "write the column's output name after `as`, e.g. `round(kwh, 1) as energy_kwh`"
    if token.type == "$END":
        note = "the spec ends after `as`"
    elif (keyword := _keyword(token.type, parser)) and token.line == history[-1].line:
        # `as order` on one line: the word was meant as the name
        note = f"found {found}, a reserved word, which cannot name a column"
        help = f"choose another name, e.g. `as {keyword}_name`"
    elif token.type == "STRING" and token.line == history[-1].line:
        # `as "energy kWh"`: names are words, written without quotes
        name = re.sub(r"[^A-Za-z0-9]+", "_", str(token)[1:-1]).strip("_").lower()
        name = name if name[:1].isalpha() else f"column_{name}".rstrip("_")
        note = "a column name is a word, not a quoted text"
        help = f"write `as {name}`"
        span = Span(history[-1].start_pos or span.start, span.end)
    elif keyword:
        note = f"found {found}, a keyword, which cannot name a column"
    else:
        note = f"found {found}; a column name is a word such as `energy_kwh`"
    return error("OCX005", "missing column name after `as`", span, "expected a name here",
                 notes=[note], help=help)


def _comma_between_columns(token, expected, span, history, parser) -> Diagnostic | None:
    if token.type != "COMMA" or not _inside(history, {"SELECT", "BY", "COMPUTE"}):
        return None
    return error("OCX006", "columns are not separated by commas", span, "remove this `,`",
                 notes=["columns are listed one after another, usually one per line"],
                 help="remove the `,` and put each column on its own line")


def _missing_output(token, expected, span, history, parser) -> Diagnostic | None:
    if "OUTPUT" not in expected or token.type not in {"$END", "FROM", "SCHEDULE"}:
        return None
    return error("OCX007", "dataset has no `output` clause", span,
                 "expected `output` before this", notes=[
                     "every `from` block ends with where its rows go"],
                 help=f"add an output clause after the columns, e.g. `{_OUTPUT_EXAMPLE}`")


def _missing_source(token, expected, span, history, parser, *,
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


def _misspelled_keyword(token, expected, span, history, parser) -> Diagnostic | None:
    if token.type != "NAME":
        return None
    words = sorted(_keyword(name, parser) for name in expected if _keyword(name, parser))
    if not words or any(_keyword(name, parser) is None for name in expected - {"$END"}):
        return None
    import difflib  # only for a misspelt keyword

    close = difflib.get_close_matches(str(token), words, n=1, cutoff=0.6)
    if not close:
        return None
    return error("OCX008", f"unknown keyword `{token}`", span, f"did you mean `{close[0]}`?",
                 notes=[f"expected {_expected_list(expected, parser)}"],
                 help=f"write `{close[0]}`")


# ---- describing terminals ------------------------------------------------------------


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _as_name(token: Token, source: SourceFile, parser: Lark) -> Token:
    """lark's fallback lexer may read `selct` as a party id; a reader sees a word."""
    if token.type in {"NAME", "$END"} or _keyword(token.type, parser):
        return token
    word = _WORD.match(source.text, token.start_pos or 0)
    if word is None or word.end() < (token.end_pos or 0):
        return token
    keywords = {_keyword(t.name, parser): t.name for t in parser.terminals}
    kind = keywords.get(word.group(), "NAME")
    return Token(kind, word.group(), token.start_pos, token.line, token.column,
                 end_pos=word.end())


def _acceptable(exc: UnexpectedToken) -> set[str]:
    """The tokens that would really continue the parse (LALR tables over-approximate)."""
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is not None:
        try:
            return set(interactive.accepts())
        except Exception:  # noqa: BLE001 - fall back to the table's view
            pass
    return set(exc.expected or ())


_GROUPS = (
    ("an arithmetic operator", {"PLUS", "MINUS", "STAR", "SLASH"}, 3),
    ("an expression", {"LPAR", "LSQB", "NUMBER", "STRING", "DATE", "TRUE", "FALSE", "NULL",
                       "NAME"}, 5),
    ("a CSV dialect or option", {"DIALECT", "BOM", "DECIMAL", "DELIMITER", "LINES", "NO",
                                 "QUOTE"}, 4),
)


def _collapse(names: set[str]) -> tuple[set[str], list[str]]:
    rest, groups = set(names), []
    for label, members, threshold in _GROUPS:
        if len(rest & members) >= threshold:
            rest -= members
            groups.append(label)
    return rest, groups


def _inside(history: list[Token], openers: set[str]) -> bool:
    """Whether the nearest clause keyword before the error is one of `openers`."""
    clause_words = openers | {"FROM", "OUTPUT", "WHERE", "JOIN", "SCHEDULE", "SOURCE"}
    for token in reversed(history):
        if token.type in clause_words:
            return token.type in openers
    return False


def _token_span(token: Token, source: SourceFile, history: list[Token]) -> Span:
    if token.type == "$END":
        end = history[-1].end_pos if history else len(source.text)
        return Span(end, end)
    return Span(token.start_pos or 0, token.end_pos or 0)


def _keyword(name: str, parser: Lark) -> str | None:
    """The literal text of a keyword terminal, or None for a token class."""
    if name in _CLASSES:
        return None
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return None
    return pattern.value if isinstance(pattern, PatternStr) else None


def _describe_terminal(name: str, parser: Lark) -> str:
    word = _keyword(name, parser)
    if word is not None:
        return f"`{word}`"
    return _CLASSES.get(name, name.lower())


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    if token.type in {"NAME", "STRING", "NUMBER", "INT"}:
        return f"{_CLASSES[token.type].split(' ', 1)[1]} `{token}`"
    return f"`{token}`"


def _expected_list(names: set[str], parser: Lark) -> str:
    names, groups = _collapse(names)
    words = sorted({_describe_terminal(n, parser) for n in names if _keyword(n, parser)})
    classes = sorted({_describe_terminal(n, parser) for n in names if not _keyword(n, parser)})
    items = words + classes + groups
    if len(items) > 12:
        items = items[:12] + ["..."]
    if not items:
        return "nothing more"
    if len(items) == 1:
        return items[0]
    return "one of " + ", ".join(items[:-1]) + " or " + items[-1]
