"""The k rule of a row export in other words: `k-anonymity 5`, `require min k 5`,
`require k >= 5`, `require k 5 on (a, b)`, `require k 5 suppression 5%`. Some stop the
parser, some parse as columns (`k`, `anonymity`, `5`); both get one diagnostic over the
line, whose help writes the rule as the language has it."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_K_RULE = re.compile(
    r"(?:require[sd]?\s+)?(?:(?:(?:min(?:imum)?|at\s+least)\s+)?k(?:[-_ ]?anonym\w*)?"
    r"(?:\s+of|\s*(?:>=|=|:))?\s*(?P<k>\d+)|(?P<n>\d+)[-_ ]?anonym\w*)"  # `5-anonymity`
    r"(?:\s+(?:over|on|by|across)\s*\(?(?P<over>[A-Za-z_][\w\s,]*?)\)?)?"
    r"(?:\s+suppress\w*(?:\s+limit)?(?:\s+at\s+most)?\s*(?P<limit>\d+(?:\.\d+)?)\s*"
    r"(?P<percent>%?))?"
    r"\s*(?:#.*)?$", re.IGNORECASE)


def as_percent(written: str, percent: bool) -> str:
    """A suppression limit as a percentage: `5` is 5%, and a share below 1 written
    without `%` (`0.05`, as a fraction) is that share in percent (5%), not 0.05%."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(written)
    except InvalidOperation:
        return f"{written}%"
    if percent or value >= 1 or value == 0:
        return f"{written}%"
    return f"{(value * 100).normalize():f}%"


def k_words_habit(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    kinds = {seen.type for seen in history}
    if token.type == "$END" or "SELECT" not in kinds or "COMPUTE" in kinds:
        return None
    return k_rule_words(source, span.start)


def k_rule_words(source: SourceFile, at: int) -> Diagnostic | None:
    """The diagnostic for the line holding `at` when it is the k rule in other words."""
    start = source.text.rfind("\n", 0, at) + 1
    end = source.text.find("\n", at)
    line = source.text[start:len(source.text) if end == -1 else end]
    indent = len(line) - len(line.lstrip())
    found = _K_RULE.match(line, indent)
    if found is None:
        return None
    fixed = f"require k {found.group('k') or found.group('n')}"
    if found.group("over"):
        fixed += " over (" + ", ".join(re.split(r"[\s,]+", found.group("over").strip())) + ")"
    if found.group("limit"):
        fixed += " suppression limit " + as_percent(found.group("limit"),
                                                    bool(found.group("percent")))
    written = line[indent:].split("#")[0].rstrip()
    if " ".join(written.split()) == fixed:
        return None
    return error("OCX001", f"the k rule is written `{fixed}`",
                 Span(start + indent, start + indent + len(written)),
                 "k-anonymity, in other words",
                 notes=["`require k N [over (COLUMN, ...)] [suppression limit P%]` after the "
                        "columns of a row export: every released combination holds at least "
                        "N drivers"],
                 help=f"write `{fixed}`")
