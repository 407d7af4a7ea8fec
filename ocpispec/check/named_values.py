"""Spec text that repeats a personal value the spec compares (OCX350).

The values a filter (`where cdr_token.uid = "04A2B3C4" because "..."`) or a
`jmespath(...)` column or measure compares personal fields with are blanked out of
every view: the plan, the review, the privacy summary and the manifest the consumer
receives. The rest of the spec is shown as written in them: a justification, a
column's name, the purpose, a file name. `because "the fraud desk follows card
04A2B3C4"` or `as card_04A2B3C4` put the card id back into the consumer's manifest. So
no text of the spec but its comments may hold such a value outside the comparisons.
"""

from __future__ import annotations

import re
import posixpath
from collections.abc import Iterable

from ocpispec.check.context import Context
from ocpispec.diagnostics import error
from ocpispec.diagnostics.source import Span

# a value shorter than this (letters and digits) is no identifier; one without a digit
# shorter than `_WORDLIKE` may be a word (`TEST`, `STAFF`) the text uses as a word
_SHORTEST = 4
_WORDLIKE = 8
_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')
_WORD = re.compile(r"[^\W_]+")
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def check_repeated_values(ctx: Context) -> None:
    """OCX350 at the first place outside the comparisons that holds one of the values
    `ctx.compared` collected (letters and digits compared, case and separators ignored:
    `04a2-b3c4` is `04A2B3C4`), once per value; then in the text of a template an
    output loads, which is copied into the consumer's file."""
    words = _words(ctx.source.text)
    templates = [(key, _template_words(text), span) for key, text, span in ctx.templates]
    for value in dict.fromkeys(value for value, _ in ctx.compared):
        bare = _bare(value)
        if not _identifier(bare):
            continue
        found = next((span for span in _occurrences(bare, words)
                      if not any(_within(span, held) for _, held in ctx.compared)), None)
        if found is not None:
            ctx.emit(error(
                "OCX350", "the spec repeats a personal value it compares", found,
                "blanked out of the comparison, shown here",
                notes=["the plan, the review and the consumer's manifest show `(personal "
                       "value)` where the spec compares it, and the rest of the spec (a "
                       "justification, a column's name, the purpose, a file name) as "
                       "written"],
                help="say whose records they are without their id (`the card reported "
                     "stolen in case F-2026-12`); a comment (`# ...`) is never shown"))
            continue
        if not _in_templates(bare, templates, ctx):
            _in_file_name(bare, value, ctx)


def named_in(name: str, values: Iterable[str]) -> str | None:
    """The first of `values` that the text `name` (a file name) spells in whole words,
    case and separators ignored; values too short or wordlike to be ids are skipped."""
    words = [(m.group().casefold(), m.start(), m.end()) for m in _WORD.finditer(name)]
    for value in values:
        bare = _bare(value)
        if _identifier(bare) and next(_occurrences(bare, words), None) is not None:
            return value
    return None


def _in_file_name(bare: str, value: str, ctx: Context) -> None:
    """OCX350 when the spec's own file name holds the value (`fraud_card_04A2B3C4.ocx`):
    the manifest delivered with every file and the review name the spec's file."""
    name = posixpath.basename(ctx.source.name.replace("\\", "/"))
    if named_in(name, [value]) is None:
        return
    held = next(span for text, span in ctx.compared if text == value)
    ctx.emit(error(
        "OCX350", "the spec's file name repeats a personal value it compares", held,
        f"`{name}` holds this value",
        notes=["the plan, the review and the consumer's manifest show `(personal value)` "
               "where the spec compares it, and name the spec's file as it is (the "
               "manifest's `spec.file`)"],
        help="rename the file for whose records they are without their id "
             "(`fraud_case_F-2026-12.ocx`)"))


def _in_templates(bare: str, templates, ctx: Context) -> bool:
    """OCX350 at the `output template "..."` whose files hold the value outside a Jinja
    comment: a template's text goes into the consumer's file as written, and the review
    shows only its name and sha256."""
    for key, (text, words), span in templates:
        found = next(_occurrences(bare, words), None)
        if found is not None:
            line = text.count("\n", 0, found.start) + 1
            ctx.emit(error(
                "OCX350", "a template repeats a personal value the spec compares", span,
                f"`{key}` line {line} holds it",
                notes=["the plan, the review and the consumer's manifest show `(personal "
                       "value)` where the spec compares it; a template's text is copied "
                       "into the consumer's file as written, and the review shows only the "
                       "template's name and sha256"],
                help="say whose records they are without their id (`the card reported "
                     "stolen in case F-2026-12`); a Jinja comment (`{# ... #}`) is never "
                     "written"))
            return True
    return False


def _template_words(text: str) -> tuple[str, list[tuple[str, int, int]]]:
    """A template's text and its letter-and-digit runs outside Jinja comments."""
    blanked = _JINJA_COMMENT.sub(lambda m: " " * len(m.group()), text)
    return text, [(m.group().casefold(), m.start(), m.end()) for m in _WORD.finditer(blanked)]


def _words(text: str) -> list[tuple[str, int, int]]:
    """The letter-and-digit runs of the spec outside its comments, casefolded, with
    their offsets."""
    blanked = _COMMENT.sub(lambda m: m.group() if m.group().startswith('"')
                           else " " * len(m.group()), text)
    return [(m.group().casefold(), m.start(), m.end()) for m in _WORD.finditer(blanked)]


def _occurrences(bare: str, words: list[tuple[str, int, int]]):
    """Spans of runs of whole words that spell `bare`."""
    for first in range(len(words)):
        spelt, last = "", first
        while last < len(words) and len(spelt) < len(bare):
            spelt += words[last][0]
            last += 1
        if spelt == bare:
            yield Span(words[first][1], words[last - 1][2])


def _within(span: Span, held: Span) -> bool:
    return held.start <= span.start and span.end <= held.end


def _identifier(bare: str) -> bool:
    return len(bare) >= _SHORTEST and (len(bare) >= _WORDLIKE or any(c.isdigit() for c in bare))


def _bare(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())
