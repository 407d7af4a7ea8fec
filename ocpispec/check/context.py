"""What every check pass shares: the source, the catalogue, the pinned OCPI version
and the list the diagnostics are collected in."""

from __future__ import annotations

import re
from collections.abc import Iterable
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.diagnostics import Diagnostic
from ocpispec.diagnostics.source import SourceFile, Span

if TYPE_CHECKING:
    from ocpispec.schema import Catalogue


@frozen
class Context:
    """One spec's check: its source, the catalogue, the pinned version, the findings
    (fixed fields whose lists and tables the checks fill; every one given, so that
    `@frozen` needs no `__init__` compiled for it: ocpispec/frozen.py)."""

    source: SourceFile
    catalogue: Catalogue
    version: str | None
    diagnostics: list[Diagnostic]
    # a dataset's released columns (an aggregate's keys) with the field uses they read,
    # by `id` of its body: the checks of grids split over datasets read them
    released: dict[int, list]
    # the text values filters and `jmespath(...)` compare personal fields with, and the
    # span that holds each (the literal, or the whole JMESPath text): blanked out of
    # every view, so no other text of the spec may repeat them (`check/named_values.py`)
    compared: list[tuple[str, Span]]
    # the text of each template file an output loads, its path, and the span of the
    # `output template "..."` naming it: copied into the output, so scanned as the spec is
    templates: list[tuple[str, str, Span]]

    def emit(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def drop_repeats(self, since: int) -> None:
        """Keep one of the diagnostics emitted since `since` that are the same: the
        fields of one `jmespath("...")` all point at its text, so one unknown join
        name read by three of its paths was reported three times."""
        kept = list(dict.fromkeys(self.diagnostics[since:]))
        self.diagnostics[since:] = kept

    def error_count(self) -> int:
        return sum(1 for d in self.diagnostics if d.is_error)

    def segment_span(self, ref: syntax.FieldRef, index: int) -> Span:
        """The span of one segment of a dotted path (the whole path for synthetic refs)."""
        text = self.source.text
        offset = ref.span.start
        for position, name in enumerate(ref.path):
            found = text.find(name, offset, ref.span.end)
            if found < 0:
                return ref.span
            if position == index:
                return Span(found, found + len(name))
            offset = found + len(name)
        return ref.span


def did_you_mean(word: str, options: Iterable[str]) -> str | None:
    """The closest option, if one is close enough to be a likely typo."""
    options = list(options)
    lowered = {option.lower(): option for option in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    import difflib  # only on a misspelling

    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def backticked(names: Iterable[str], limit: int = 12) -> str:
    """`a`, `b`, `c` (and N more)."""
    names = list(names)
    shown = ", ".join(f"`{name}`" for name in names[:limit])
    rest = len(names) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def is_meaningful(text: str) -> bool:
    """A written justification a reviewer can act on (see `justification_problem`)."""
    return justification_problem(text) is None


# Placeholder words: they fill a text without saying anything.
_FILLER = frozenset({"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing",
                     "elit", "foo", "bar", "baz", "qux", "quux", "blah", "bla", "asdf",
                     "qwerty", "xxx", "tbd", "todo", "fixme", "placeholder", "dummy", "etc"})
# Words that mark a text as not yet written: whatever else it says, nobody gave a reason
# (`TODO fill this in later` has three real words, and released a card uid unasked)
_UNFINISHED = frozenset({"todo", "tbd", "tbc", "fixme", "xxx", "placeholder", "lorem",
                         "ipsum"})
_UNFINISHED_PHRASE = re.compile(
    r"\bto be (?:decided|determined|confirmed|added|written|filled|done|agreed)\b"
    r"|\bfill (?:this |it )?in\b|\b(?:reason|justification) (?:goes )?here\b", re.I)
# Short words a real sentence repeats; any other word written three times is padding.
_COMMON = frozenset({"the", "and", "for", "per", "with", "from", "that", "this", "are",
                     "was", "not", "our", "its", "their", "has", "have", "who", "which"})
_WORD = re.compile(r"[^\W\d_]{3,}")
_VOWELS = frozenset("aeiouyàáâäèéêëìíîïòóôöùúûü")
MIN_WORDS = 3


def justification_problem(text: str) -> str | None:
    """Why a `because "..."` text says nothing, or None when a reviewer can act on it:
    at least three distinct real words of three or more letters, not mostly digits or
    repeated characters, no word padded out three times, no placeholder text and no mark
    of one (`TODO`, `TBD`, `to be decided`, `reason here`) beside real words."""
    words = [word.lower() for word in _WORD.findall(text)]
    real = {word for word in words if _real(word)}
    shown = [ch for ch in text if not ch.isspace()]
    noise = sum(ch.isdigit() for ch in shown) + _repeated(shown)
    if shown and noise * 2 > len(shown):
        return "it is mostly digits or repeated characters"
    marker = next((word for word in words if word in _UNFINISHED), None)
    phrase = _UNFINISHED_PHRASE.search(text)
    if marker is not None or phrase is not None:
        said = phrase.group(0) if phrase is not None else marker
        return f"it is a placeholder (`{said}`), not a reason yet"
    padded = sorted({word for word in words if words.count(word) >= 3} - _COMMON)
    if padded:
        return f"it repeats `{padded[0]}` to look longer"
    if len(real) < MIN_WORDS:
        return (f"it has {len(real)} distinct real word{'s' if len(real) != 1 else ''} of "
                f"three or more letters; at least {MIN_WORDS} are needed")
    return None


def _real(word: str) -> bool:
    return word not in _FILLER and len(set(word)) > 1 and any(ch in _VOWELS for ch in word)


def _repeated(chars: list[str]) -> int:
    """How many characters stand in runs of three or more of the same character."""
    total, run = 0, 1
    for previous, current in zip(chars, [*chars[1:], None]):
        if current is not None and current.lower() == previous.lower():
            run += 1
            continue
        total += run if run >= 3 else 0
        run = 1
    return total
