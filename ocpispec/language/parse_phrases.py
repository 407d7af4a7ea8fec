"""Did you mean, over the language's phrases: `legal_basis`, `lawful basis`,
`group_by`, `minimum-group-size`, `since last_run`. A phrase of several keywords
(`legal basis`, `order by`, `minimum group size`...) written as one word, with `_` or `-`
between its words, or with a word misspelt, stops the parser at its first word, where a
did-you-mean over single keywords offers `legal` (pasted: `legal legal obligation`).
The phrases are read from the grammar (runs of keywords in one rule); the help writes
the phrase the parser accepts at that point, over the words written for it."""

from __future__ import annotations

import difflib
import re
from typing import Any

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Token
from ocpispec.language.parse_conditions import condition_column
from ocpispec.language.parse_words import continues

_CHUNK = re.compile(r"[^\s#\"]+")
_SUBWORD = re.compile(r"[A-Za-z]+")
_CLOSE = 0.75  # `lawful basis`: words misspelt, each written apart
_CLOSE_GLUED = 0.85  # `groupby`, `legal_basis`: one word, so closer


def phrase_habit(token: Token, phrases: list[tuple[str, ...]], keywords: dict[str, str],
                 state: Any, source: SourceFile, before: Token | None) -> Diagnostic | None:
    if state is None:
        return None
    start, said = token.start_pos or 0, ()
    if token.type == "MINUS" and before is not None and before.end_pos == start \
            and str(before) in keywords:  # `legal-basis`: the keyword is read already
        start, said = before.start_pos or 0, (str(before),)
    elif token.type != "NAME":
        return None
    end = source.text.find("\n", start)
    chunks = list(_CHUNK.finditer(source.text, start, len(source.text) if end == -1 else end))
    best: tuple[float, int, tuple[str, ...], int] | None = None
    for phrase in phrases:
        if phrase[:len(said)] != said or not _accepted(state, phrase[len(said):], keywords):
            continue
        for count in range(1, min(len(phrase), len(chunks)) + 1):
            words = [w.lower() for c in chunks[:count] for w in _SUBWORD.findall(c.group())]
            written = " ".join(c.group() for c in chunks[:count])
            if " ".join(words) == " ".join(phrase) and written == " ".join(phrase):
                continue  # written as it is: the mistake is elsewhere
            ratio = difflib.SequenceMatcher(None, "".join(words), "".join(phrase)).ratio()
            close = _CLOSE if len(words) == len(phrase) else _CLOSE_GLUED if count == 1 else 2
            if ratio >= close and (best is None or (ratio, len(phrase)) > best[:2]):
                best = (ratio, len(phrase), phrase, count)
    if best is None:
        return None
    _, _, phrase, count = best
    written = source.text[start:chunks[count - 1].end()]
    fixed = " ".join(phrase)
    return error("OCX008", f"`{written}` is written `{fixed}`",
                 Span(start, chunks[count - 1].end()), f"did you mean `{fixed}`?",
                 notes=["the words of a clause are keywords of their own, apart from each "
                        "other"], help=f"write `{fixed}`")


def _accepted(state: Any, phrase: tuple[str, ...], keywords: dict[str, str]) -> bool:
    """Whether the parse takes the phrase's words, one after the other, from `state`."""
    return continues(state, *((keywords.get(word, "NAME"), word) for word in phrase))


def grammar_phrases(rules, keyword) -> list[tuple[str, ...]]:
    """Runs of two or more keywords in one rule of the grammar (`legal basis`,
    `minimum group size`), with their leading parts (`include private locations` of
    `include private locations because`)."""
    found: set[tuple[str, ...]] = set()
    for rule in rules:
        run: list[str] = []
        for symbol in [*rule.expansion, None]:
            word = keyword(symbol.name) if symbol is not None and symbol.is_term else None
            if word and word.isalpha():
                run.append(word)
                continue
            found.update(tuple(run[:length]) for length in range(2, len(run) + 1))
            run = []
    return sorted(found)


# a user's word for a keyword: the keyword it stands for where the parser takes it
_SYNONYMS = {
    **dict.fromkeys(("recipient", "client", "receiver", "customer"), "consumer"),
    **dict.fromkeys(("reason", "goal", "aim", "why"), "purpose"),
    **dict.fromkeys(("keep", "retain", "retained", "retention_period", "keep_for"),
                    "retention"),
    **dict.fromkeys(("module", "table", "source_module", "dataset"), "from"),
    **dict.fromkeys(("filter", "if", "when", "filtered"), "where"),
    **dict.fromkeys(("aggregate", "grouped", "groupby"), "group by"),
    **dict.fromkeys(("columns", "fields", "show", "pick", "release"), "select"),
    **dict.fromkeys(("measures", "calculate", "metrics", "aggregates"), "compute"),
    **dict.fromkeys(("write", "export", "save", "format"), "output"),
    **dict.fromkeys(("into",), "to"),
    **dict.fromkeys(("lookup", "merge", "with", "left"), "join"),
    **dict.fromkeys(("using",), "on"),
    **dict.fromkeys(("named", "alias"), "as"),
    **dict.fromkeys(("reasoning", "justification", "justified"), "because"),
    **dict.fromkeys(("run", "runs", "scheduled", "every_day"), "schedule"),
    **dict.fromkeys(("unnest", "explode", "flatten", "foreach", "for_each", "lateral"),
                    "each"),
    "in": "to", "by": "on", "after": "since",
}
# an arrow or a colon where a column's name follows: `round(kwh, 1) => energy_kwh`
_ARROWS = re.compile(r"=>|->|:=|=")


def keyword_habit(token: Token, keywords: dict[str, str], state: Any, span: Span,
                  before: Token | None, source: SourceFile) -> Diagnostic | None:
    """A word for a keyword (`recipient` for `consumer`, `filter` for `where`), or a
    clause's first keyword left out (`every 15 minutes` for `schedule every 15 minutes`,
    `csv to "x.csv"` for `output csv to ...`): the keyword the parser takes there."""
    if state is None or token.type == "$END":
        return None
    written = str(token)
    arrow = _ARROWS.match(source.text, span.start)
    if token.type == "COMPARATOR" and _accepted(state, ("as",), keywords) \
            and (arrow is None or arrow.group() == "=") \
            and (condition := condition_column(token, span, source)) is not None:
        return condition  # `status = "COMPLETED" as done`, `energy = round(kwh, 1)`
    if token.type == "COMPARATOR" and arrow is not None and _accepted(state, ("as",), keywords):
        return error("OCX008", f"`{arrow.group()}` is written `as`",
                     Span(span.start, arrow.end()), "a column's name follows `as`",
                     help="write `as`")
    said = str(before).lower() if before is not None and before.type == "NAME" else ""
    if _SYNONYMS.get(said) == "output" and token.type == "NAME" and before is not None \
            and before.line == token.line:  # `export csv to ...`, read as a column `export`
        return error("OCX008", f"`{before}` is written `output`",
                     Span(before.start_pos or 0, before.end_pos or 0),
                     "did you mean `output`?", help="write `output`")
    meant = _SYNONYMS.get(written.lower())
    if meant is not None and _accepted(state, tuple(meant.split()), keywords):
        return error("OCX008", f"`{written}` is written `{meant}`", span,
                     f"did you mean `{meant}`?", help=f"write `{meant}`")
    if token.type in ("STRING", "NUMBER", "INT", "DATE", "TRUE", "FALSE") \
            and continues(state, ("COMPARATOR", "="), (token.type, written)):
        return error("OCX001", "a comparison has an operator", span,
                     "expected `=` (or `!=`, `<`, `>`) before this",
                     help=f"write `= {written}`")
    line_start = source.text.rfind("\n", 0, span.start) + 1
    if source.text[line_start:span.start].strip():
        return None  # a clause's first word left out: the word starts its line
    missing = [word for word in keywords if word.isalpha()
               and continues(state, (keywords[word], word), (token.type, written))]
    if len(missing) != 1:
        return None
    return error("OCX008", f"`{missing[0]}` is missing before `{written}`", span,
                 f"expected `{missing[0]}` first", help=f"write `{missing[0]} {written}`")


