"""A clause's keyword misspelt where a column may stand: `comptue` after the keys of
`group by` is one more key, and `outptu csv to ...` after `compute` starts a rule
(`NAME counts to N`), so the parser stopped lines later or a word further on: at
`minimum group size` ('comes after the measures') or at `csv` ('expected `counts`').
The line's first word, close to the keyword, gets the keyword."""

from __future__ import annotations

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Token

# the keywords that start a line of a dataset after its `from` line
_CLAUSES = ("compute", "output", "select", "where", "join", "order", "require", "minimum",
            "dominance", "schedule", "each", "spread", "window", "include", "limit")
_CUTOFF = 0.75


def misspelt_clause(token: Token, history: list[Token],
                    source: SourceFile) -> Diagnostic | None:
    """OCX008 for the misspelt keyword that began a line before the error (or the
    error's own line) in the current dataset, read by the parser as a column."""
    import difflib  # only on a syntax error

    for seen in _line_starts(token, history, source):
        word = str(seen).lower()
        # a typo keeps the length, give or take a letter: `joined` is a name of its own
        close = difflib.get_close_matches(word, [c for c in _CLAUSES
                                                 if abs(len(c) - len(word)) <= 1],
                                          n=1, cutoff=_CUTOFF)
        if close and word != close[0]:
            start = seen.start_pos or 0
            return error("OCX008", f"unknown keyword `{seen}`",
                         Span(start, start + len(str(seen))), f"did you mean `{close[0]}`?",
                         notes=[f"`{seen}` was read as a column, so the spec stopped making "
                                "sense further on"],
                         help=f"write `{close[0]}`")
    return None


def _line_starts(token: Token, history: list[Token], source: SourceFile) -> list[Token]:
    """The names that begin a line of the current dataset before `token`, nearest
    first (back to its `from` or `group`/`select`, the last keyword that opened a
    list of columns)."""
    found: list[Token] = []
    for seen in reversed(history):
        if seen.start_pos is not None and token.start_pos is not None \
                and seen.start_pos >= token.start_pos:
            continue  # the lexer's history may already hold the token
        if seen.type in ("FROM", "GROUP", "SELECT", "COMPUTE", "OUTPUT"):
            break
        if seen.type != "NAME" or seen.start_pos is None:
            continue
        line_start = source.text.rfind("\n", 0, seen.start_pos) + 1
        if not source.text[line_start:seen.start_pos].strip():
            found.append(seen)
    return found
