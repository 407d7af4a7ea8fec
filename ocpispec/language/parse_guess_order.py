"""The guesses `parse_errors` tries, in order, when the parser stops at a token: each
reads where it stopped (`StoppedAt`) and returns a diagnostic for the mistake it knows,
or None. The more specific come before the more general."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocpispec.language.lark_without_regex import Lark, Token

from ocpispec.diagnostics import Diagnostic
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
from ocpispec.language.parse_layout import json_key, misplaced_section
from ocpispec.language.parse_phrases import grammar_phrases, keyword_habit, phrase_habit
from ocpispec.language.parse_outputs import called_format, decimal_text, output_habit
from ocpispec.language.parse_words import (
    bare_secret, glued_keywords, shouted_name, upper_case_keywords)
from ocpispec.language.parse_columns import (
    because_before_as, comment_habit, extract_habit, group_size_habit, join_without_key,
    missing_comma, sql_join, two_modules)
from ocpispec.language.parse_casts import case_habit, cast_habit
from ocpispec.language.parse_decimal_commas import decimal_comma_token
from ocpispec.language.parse_aliases import alias_token
from ocpispec.language.parse_zones import at_time_zone
from ocpispec.language.parse_totals import totals_habit
from ocpispec.language.parse_window_functions import (
    ordered_set_aggregate, window_function)
from ocpispec.language.parse_guessed_forms import guessed_form, unquoted_text
from ocpispec.language.parse_habits import (
    aggregate_shape,
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
)
from ocpispec.language.parse_terminals import keyword_text
from ocpispec.language.parse_order import (
    aggregate_order,
    bare_condition,
    from_clause_late,
    k_rule_habit,
    missing_dataset,
    spread_habit,
    written_time,
)


@dataclass(frozen=True, slots=True)
class StoppedAt:
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


def _glued(at: StoppedAt) -> Diagnostic | None:
    source, respaced = at.source, at.respaced
    return glued_keywords(at.token, at.keywords, at.state, at.span,
                          lambda cut: respaced(f"{source.text[:cut]} {source.text[cut:]}")
                          if respaced is not None else None)


def _phrase(at: StoppedAt) -> Diagnostic | None:
    phrases = grammar_phrases(at.parser.rules, lambda name: keyword_text(name, at.parser))
    return phrase_habit(at.token, phrases, at.keywords, at.state, at.source, at.last)


def _rule(rule: Callable[..., Diagnostic | None]) -> Callable[[StoppedAt], Diagnostic | None]:
    """A guess written as `rule(token, expected, span, history, parser)`."""
    return lambda at: rule(at.token, at.expected, at.span, at.history, at.parser)


# the guesses in the order they are tried: the more specific before the more general
GUESSES: tuple[Callable[[StoppedAt], Diagnostic | None], ...] = (
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
