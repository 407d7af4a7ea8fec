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
from ocpispec.language.parse_layout import misplaced_section, yaml_key
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
    keywords = {word: t.name for t in parser.terminals if (word := keyword_text(t.name, parser))}
    token = as_name(exc.token, source, parser)
    expected = acceptable(exc)
    span = token_span(token, source, history)
    if (extract := extract_habit(token, span, source)) is not None:
        return extract  # before `FROM` is taken for a keyword in upper case
    if (shouted := upper_case_keywords(token, source, set(keywords))) is not None:
        return shouted
    if (offset := time_with_offset(source, span.start)) is not None:
        return offset
    if (punctuated := punctuated_name(token, history, source)) is not None:
        return punctuated
    if (exponent := exponent_number(token, history, source)) is not None:
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
                  number_word_before(token, tokens_before(token, history)),
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
    phrases = grammar_phrases(parser.rules, lambda name: keyword_text(name, parser))
    phrase = phrase_habit(token, phrases,
                          keywords, getattr(exc, "state", None), source,
                          tokens_before(token, history)[-1] if tokens_before(token, history) else None)
    if phrase is not None:
        return phrase
    if (unquoted := unquoted_text(token, expected, span, source)) is not None:
        return unquoted
    if (guessed := guessed_form(token, expected, span, history, source)) is not None:
        return guessed
    said = tokens_before(token, history)
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
    for rule in (operator_habit, window_habit, aggregate_shape, sql_habit, missing_name_after_as, comma_between_columns,
                 missing_output, partial(missing_source, source=source), misspelled_keyword):
        found = rule(token, expected, span, history, parser)
        if found is not None:
            return found
    if (comma := missing_comma(token, expected, span, history, source)) is not None:
        return comma  # the last resort before the generic help: more specific rules first
    said = tokens_before(token, history)
    if (word := keyword_habit(token, keywords, getattr(exc, "state", None), span,
                              said[-1] if said else None, source)) is not None:
        return word
    if token.type == "$END" and not history:
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
