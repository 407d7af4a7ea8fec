"""Turn a lark syntax error into one human OCX0xx diagnostic.

lark reports terminal names (`NAME`, `STRING`, `__ANON_3`); a spec author wants to
read "a name" and "`select`". Common mistakes get their own code and a precise help:
an unterminated string, a comma between columns, a keyword used as a column name,
a missing `output`, a missing `source`, a misspelled keyword.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocpispec.language.lark_without_regex import (
    Lark,
    Token,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
)

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.language.parse_header import header_habit
from ocpispec.language.parse_values import (
    condition_habit, delimiter_token, indexed_path, jmespath_join, negated_field,
    number_word, number_word_before, percent_share, written_date)
from ocpispec.language.parse_units import number_with_unit
from ocpispec.language.parse_schedules import schedule_habit
from ocpispec.language.parse_windows import window_habit as spoken_window
from ocpispec.language.parse_shapes import dataset_shape
from ocpispec.language.parse_measures import conditional_measure
from ocpispec.language.parse_profiles import demo_source, punctuated_profile
from ocpispec.language.parse_method_chains import method_chain
from ocpispec.language.parse_sorting import order_habit, pandas_sort
from ocpispec.language.parse_nulls import null_habit
from ocpispec.language.parse_k_words import k_words_habit
from ocpispec.language.parse_table_rules import measure_after_rules, table_rule_habit
from ocpispec.language.parse_typos import misspelt_clause
from ocpispec.language.parse_layout import json_key, misplaced_section, yaml_key
from ocpispec.language.parse_phrases import grammar_phrases, keyword_habit, phrase_habit
from ocpispec.language.parse_outputs import called_format, decimal_text, output_habit
from ocpispec.language.parse_words import (
    bare_secret, glued_keywords, shouted_name, upper_case_keywords)
from ocpispec.language.parse_columns import (
    because_before_as, comment_habit, extract_habit, group_size_habit, join_without_key,
    missing_comma, sql_join, two_modules)
from ocpispec.language.parse_casts import case_habit, cast_habit
from ocpispec.language.parse_decimal_commas import decimal_comma_token
from ocpispec.language.parse_aliases import alias_as_written, alias_token
from ocpispec.language.quoted_calls import quoted_time_call
from ocpispec.language.parse_zones import at_time_zone
from ocpispec.language.parse_totals import totals_habit
from ocpispec.language.parse_window_functions import (
    ordered_set_aggregate, postgres_cast, window_function)
from ocpispec.language.parse_guessed_forms import guessed_form, unquoted_text
from ocpispec.language.parse_habits import (
    aggregate_shape,
    character_habit,
    operator_habit,
    window_habit,
    time_with_offset,
)
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.parse_guesses import (
    comma_between_columns,
    exponent_number,
    misspelled_keyword,
    missing_name_after_as,
    missing_output,
    missing_source,
    punctuated_name,
    sql_habit,
    tokens_before,
)
from ocpispec.language.parse_terminals import (
    acceptable,
    as_name,
    describe_token,
    expected_list,
    keyword_text,
    token_span,
)
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
_SINGLE_QUOTED = re.compile(r"'([^'\"`\\\n]*)'")
# `start_date_time >= now() - interval '30 days'`, `current_date - interval '1 month'`
_INTERVAL = re.compile(r"[A-Za-z_][\w.]*\s*>=?\s*(?:now\(\)|current_date|current_timestamp|"
                       r"getdate\(\)|today\(\))\s*-\s*interval\s*$", re.IGNORECASE)
_AMOUNT = re.compile(r"'\s*(\d+)\s*(minutes?|hours?|days?|weeks?|months?)\s*'", re.IGNORECASE)


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
    if char == "'" and (zoned := at_time_zone(pos, source)) is not None:
        return zoned  # `t AT TIME ZONE 'Europe/Amsterdam'`
    if (alias := alias_as_written(source, pos)) is not None:
        return alias  # `as énergie`, `as 'energie'`, `as €_total`
    if (sort := pandas_sort(pos, source)) is not None:
        return sort  # `sort_values('sessions', ascending=False)`
    if char == ":" and source.text[pos + 1:pos + 2] == ":" \
            and (cast := postgres_cast(pos, source)) is not None:
        return cast  # `avg(kwh)::numeric`
    if char == ":" and (keyed := json_key(pos, source) or yaml_key(pos, source)) is not None:
        return keyed
    if char == "$" and (variable := _SHELL_VARIABLE.match(source.text, pos)) is not None:
        name = variable.group(1) or variable.group(2)
        return error("OCX002", f"unexpected character {describe_character(char)}",
                     Span(pos, variable.end()), "a shell's variable",
                     notes=["a secret or URL from the environment is written `env NAME`"],
                     help=f"write `env {name}`")
    if char == "'" and (interval := _INTERVAL.search(before)) is not None \
            and (amount := _AMOUNT.match(source.text, pos)) is not None:
        # SQL's `start_date_time >= now() - interval '30 days'`: the window `last 30 days`
        unit = amount.group(2).lower().rstrip("s") + "s"
        return error("OCX002", f"unexpected character {shown}",
                     Span(line_start + interval.start(), amount.end()),
                     "a time relative to the run", notes=[
                         "a time relative to the run is the dataset's window, under `from`; "
                         "it filters the time a record was last updated, or with `window on "
                         "start_date_time` the start"],
                     help=f"write the window `last {amount.group(1)} {unit}` under `from`, "
                          "in place of the comparison")
    if char == "'" and (timed := quoted_time_call(source.text, pos)) is not None:
        # SQL's `date_trunc('quarter', t)`: the caret covers the call, the help writes ours
        return error("OCX002", f"unexpected character {shown}", timed[0],
                     "SQL's time function, its text in single quotes",
                     notes=['quoted strings use double quotes: `"..."`; a time is cut with '
                            "`truncate(t, unit)`, `hour_of_day(t)` or `weekday(t)`"],
                     help=f"write `{timed[1]}`")
    if char == "'" and (quoted := _SINGLE_QUOTED.match(source.text, pos)) is not None:
        # SQL's `'COMPLETED'`: the caret covers the text, and the help writes it
        return error("OCX002", f"unexpected character {shown}", Span(pos, quoted.end()),
                     "single quotes", notes=['quoted strings use double quotes: `"..."`'],
                     help=f"write `{_as_written(quoted.group(1), source.text[:pos])}`")
    habit = character_habit(char, source.text[pos + 1:pos + 2])
    if habit is not None:
        label, help = habit
        return error("OCX002", f"unexpected character {shown}", Span(pos, pos + 1), label,
                     help=help)
    return error("OCX002", f"unexpected character {shown}", Span(pos, pos + 1),
                 "not part of the spec language",
                 help="remove it, or put it inside a quoted string")


_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?Z?)?")
_TRUNCATE_UNITS = frozenset({"minute", "quarter_hour", "hour", "day", "week", "month",
                             "quarter", "year"})


def _as_written(text: str, before: str) -> str:
    """A single-quoted text as the language writes it: a date and a unit of `truncate`
    bare (`2025-06-01`, `hour`: quoted, each is an error of its own), else in `"`."""
    line = before[before.rfind("\n") + 1:]
    if _BARE_DATE.fullmatch(text) or text in _TRUNCATE_UNITS and "truncate(" in line:
        return text
    return f'"{text}"'


@dataclass(frozen=True, slots=True)
class _At:
    """Where the parser stopped, as each guess reads it."""

    token: Token
    expected: set[str]
    span: Span
    history: list[Token]
    said: list[Token]  # the tokens before `token`
    source: SourceFile
    parser: Lark
    keywords: dict[str, str]  # keyword text -> terminal name
    state: Any
    respaced: Callable[[str], Diagnostic | None] | None

    @property
    def last(self) -> Token | None:
        return self.said[-1] if self.said else None


def _unexpected_token(exc: UnexpectedToken, source: SourceFile, history: list[Token],
                      parser: Lark, respaced: Callable[[str], Diagnostic | None] | None
                      ) -> Diagnostic:
    token = as_name(exc.token, source, parser)
    at = _At(token, acceptable(exc), token_span(token, source, history), history,
             tokens_before(token, history), source, parser,
             {word: t.name for t in parser.terminals if (word := keyword_text(t.name, parser))},
             getattr(exc, "state", None), respaced)
    for guess in _GUESSES:
        if (found := guess(at)) is not None:
            return found
    return _unexpected(at)


def _glued(at: _At) -> Diagnostic | None:
    source, respaced = at.source, at.respaced
    return glued_keywords(at.token, at.keywords, at.state, at.span,
                          lambda cut: respaced(f"{source.text[:cut]} {source.text[cut:]}")
                          if respaced is not None else None)


def _phrase(at: _At) -> Diagnostic | None:
    phrases = grammar_phrases(at.parser.rules, lambda name: keyword_text(name, at.parser))
    return phrase_habit(at.token, phrases, at.keywords, at.state, at.source, at.last)


def _rule(rule: Callable[..., Diagnostic | None]) -> Callable[[_At], Diagnostic | None]:
    """A guess written as `rule(token, expected, span, history, parser)`."""
    return lambda at: rule(at.token, at.expected, at.span, at.history, at.parser)


# the guesses in the order they are tried: the more specific before the more general
_GUESSES: tuple[Callable[[_At], Diagnostic | None], ...] = (
    # SQL's totals: before `as` or `()` inside the call are taken for the mistake
    lambda at: totals_habit(at.token.start_pos or 0, at.source),
    # SQL's `... over (...)` and `... within group (...)`: before `order by` in them is
    # told to move before `output`
    lambda at: window_function(at.token.start_pos or 0, at.source),
    lambda at: ordered_set_aggregate(at.token.start_pos or 0, at.source),
    lambda at: pandas_sort(at.token.start_pos or 0, at.source),
    lambda at: method_chain(at.token.start_pos or 0, at.source),
    # before `FROM` is taken for a keyword in upper case
    lambda at: extract_habit(at.token, at.span, at.source),
    lambda at: cast_habit(at.token, at.span, at.source),
    lambda at: punctuated_profile(at.token, at.said, at.source),
    lambda at: demo_source(at.token, at.said),
    lambda at: conditional_measure(at.token, at.span, at.source),
    lambda at: case_habit(at.token, at.span, at.source),
    lambda at: at_time_zone(at.token.start_pos or 0, at.source),
    lambda at: json_key(at.token.start_pos or 0, at.source) if at.token.type == "STRING"
    else None,
    lambda at: upper_case_keywords(at.token, at.source, set(at.keywords)),
    lambda at: shouted_name(at.history, at.source, set(at.keywords)),
    lambda at: time_with_offset(at.source, at.span.start),
    lambda at: punctuated_name(at.token, at.history, at.source),
    lambda at: exponent_number(at.token, at.history, at.source),
    lambda at: decimal_comma_token(at.token, at.history, at.source),
    lambda at: misspelt_clause(at.token, at.history, at.source),
    lambda at: misplaced_section(at.token, at.expected, at.span, at.history, at.source),
    lambda at: order_habit(at.token, at.history, at.source),
    lambda at: null_habit(at.token, at.history, at.source),
    lambda at: group_size_habit(at.token, at.span, at.history, at.source),
    lambda at: percent_share(at.token, at.history, at.source),
    lambda at: table_rule_habit(at.token, at.span, at.history, at.source),
    lambda at: called_format(at.token, at.source),
    lambda at: measure_after_rules(at.token, at.span, at.history, at.source),
    lambda at: written_date(at.token, at.expected, at.span, at.source),
    lambda at: number_word(at.token, at.expected, at.span),
    lambda at: number_word_before(at.token, at.said),
    lambda at: number_with_unit(at.token, at.history, at.source),
    lambda at: output_habit(at.token, at.span, at.history, at.source),
    lambda at: decimal_text(at.token, at.span, at.history, at.source),
    lambda at: because_before_as(at.token, at.span, at.history, at.source),
    lambda at: sql_join(at.token, at.span, at.history, at.source),
    lambda at: join_without_key(at.token, at.expected, at.span, at.history, at.source),
    lambda at: two_modules(at.token, at.span, at.history, at.source),
    lambda at: comment_habit(at.token, at.span, at.history, at.source),
    lambda at: bare_secret(at.token, at.expected, at.span),
    _glued,
    _phrase,
    lambda at: unquoted_text(at.token, at.expected, at.span, at.source),
    lambda at: guessed_form(at.token, at.expected, at.span, at.history, at.source),
    lambda at: written_time(at.token, at.expected, at.said, at.source),
    lambda at: missing_dataset(at.token, at.expected, at.span, at.said),
    lambda at: jmespath_join(at.token, at.source),
    lambda at: from_clause_late(at.token, at.said, at.source),
    lambda at: aggregate_order(at.token, at.said, at.source),
    lambda at: k_rule_habit(at.token, at.said, at.source),
    lambda at: k_words_habit(at.token, at.span, at.history, at.source),
    lambda at: bare_condition(at.token, at.expected, at.said, at.source),
    lambda at: spread_habit(at.token, at.said, at.source),
    lambda at: condition_habit(at.token, at.expected, at.span, at.history, at.source),
    lambda at: indexed_path(at.token, at.expected, at.span, at.history, at.source),
    lambda at: delimiter_token(at.token, at.expected, at.span, at.source),
    lambda at: negated_field(at.token, at.expected, at.span, at.history, at.source),
    lambda at: spoken_window(at.token, at.expected, at.span, at.history, at.source),
    lambda at: header_habit(at.token, at.expected, at.span, at.history, at.source),
    lambda at: dataset_shape(at.token, at.expected, at.span, at.history, at.source),
    lambda at: schedule_habit(at.token, at.expected, at.span, at.history, at.source),
    _rule(comma_between_columns),  # before `sql_habit` takes `order by a,,` for misplaced
    _rule(operator_habit),
    _rule(window_habit),
    _rule(aggregate_shape),
    lambda at: sql_habit(at.token, at.expected, at.span, at.history, at.parser, at.source),
    lambda at: alias_token(at.token, at.history, at.source),
    _rule(missing_name_after_as),
    _rule(missing_output),
    lambda at: missing_source(at.token, at.expected, at.span, at.history, at.parser,
                              source=at.source),
    _rule(misspelled_keyword),
    # the last resort before the generic help: more specific rules first
    lambda at: missing_comma(at.token, at.expected, at.span, at.history, at.source),
    lambda at: keyword_habit(at.token, at.keywords, at.state, at.span, at.last, at.source),
)


def _unexpected(at: _At) -> Diagnostic:
    """No guess fits: what the parser expected, and what it found."""
    token, span, expected, parser = at.token, at.span, at.expected, at.parser
    if token.type == "$END" and not at.history:
        return error("OCX003", "the spec is empty", span, "expected `export NAME`",
                     help="start with `export NAME`, then `consumer`, `purpose`, `source`, "
                          "`from` and `select`; `specs/` has complete examples")
    if token.type == "$END":
        return error("OCX003", "unexpected end of file", span,
                     f"expected {expected_list(expected, parser)}",
                     help="the spec stops in the middle of a clause; complete it")
    return error("OCX001", f"expected {expected_list(expected, parser)}, found "
                 f"{describe_token(token)}", span,
                 f"unexpected {describe_token(token)}",
                 help="write one of the expected items here, or fix the clause before it "
                      "(the shape of every clause is in `docs/language.md`)")
