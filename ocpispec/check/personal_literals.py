"""The values a column's `jmespath("...")` compares personal fields with, blanked out
where people read the spec (the plan, the review, the privacy summary that approval
records store), as a filter's are (`check/filter_privacy.py`).

`jmespath("cdr_token.uid == '04A2B3C4'") as stolen because "..."` releases a yes or no
per row, but its text holds a card uid: the review page, the diff and every approval
record committed beside the spec would show it. In a column that reads a personal field,
every JMESPath literal (`'...'`, `` `...` ``) reads `(personal value)`; the exact
expression is fingerprinted, never shown (`privacy_summary.exact_part`).
"""

from __future__ import annotations


from ocpispec.check.calls import calls_in
from ocpispec.language import syntax
from ocpispec.diagnostics.source import SourceFile

PERSONAL_VALUE = "(personal value)"


def redacted_jmespath(expression: str) -> str:
    """`expression` with each literal replaced by `(personal value)`; an expression
    JMESPath cannot read is blanked whole."""
    from jmespath.exceptions import JMESPathError  # not at start-up: `check` runs without
    from jmespath.lexer import Lexer

    try:
        tokens = list(Lexer().tokenize(expression))
    except JMESPathError:
        return PERSONAL_VALUE
    # a literal token's `end` is unreliable in jmespath's lexer: it ends where the next
    # token starts, less the blanks between them
    parts, position = [], 0
    for token, following in zip(tokens, tokens[1:]):
        if token["type"] == "literal":
            end = len(expression[:following["start"]].rstrip())
            parts += [expression[position:token["start"]], PERSONAL_VALUE]
            position = end
    return "".join(parts) + expression[position:]


def jmespath_texts(expression: str) -> list[str]:
    """The text literals of `expression` (`'04A2'`, `` `"04A2"` ``, inside a JSON list
    too); none when JMESPath cannot read it."""
    from jmespath.exceptions import JMESPathError  # not at start-up: `check` runs without
    from jmespath.lexer import Lexer

    try:
        tokens = list(Lexer().tokenize(expression))
    except JMESPathError:
        return []
    found: list[str] = []
    for token in tokens:
        if token["type"] == "literal":
            found += _texts(token["value"])
    return found


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    return []


def redacted_snippet(source: SourceFile, expr: syntax.Expr) -> str:
    """The column's spec text with each `jmespath("...")` literal blanked out."""
    text, offset = source.snippet(expr.span), expr.span.start
    hatches = [call.args[0] for call in calls_in(expr) if call.name.name == "jmespath"
               and call.args and isinstance(call.args[0], syntax.Literal)
               and isinstance(call.args[0].value, str)]
    if hatches:  # json (five modules, six patterns compiled) only for a hatch's literal
        import json
    for literal in sorted(hatches, key=lambda lit: lit.span.start, reverse=True):
        start, end = literal.span.start - offset, literal.span.end - offset
        text = text[:start] + json.dumps(redacted_jmespath(literal.value),
                                         ensure_ascii=False) + text[end:]
    return text
