"""The caret covers what its help rewrites.

A help such as "write `last 3 months`" restates the clause, while the check that wrote it
marks only the word at fault (`month`). Pasted over the caret, as an editor's quick fix
or a hurried user does, it gave `last 3 last 3 months`. `fitted` widens the caret over
the words before and after it on the same line that the help writes again (from the
line's first word when the help starts with it), so the help replaces exactly what it
restates; a help that restates nothing keeps its caret.
"""

from __future__ import annotations

from dataclasses import replace

from ocpispec.diagnostics.model import Diagnostic
from ocpispec.diagnostics.source import Span
from ocpispec.lazy_pattern import lazy

# the harness's reading of a help: the first `write `...`` (tests/test_new_user_helps.py),
# or the `did you mean `...`?` an editor offers as a quick fix the same way
_WRITE = lazy(r"(?:write|did you mean) `(.+?)`(?=,| for | \(|\?|$)")
# the segments of a field's path before the caret's
_PATH_BEFORE = lazy(r"(?<![\w.])[A-Za-z_][\w.]*\.$")
# a word as `str.split()` cuts them
_WORD = lazy(r"\S+")


def fitted(diagnostic: Diagnostic, text: str) -> Diagnostic:
    """`diagnostic` with its primary span widened over the words its help restates."""
    span = diagnostic.primary_span
    found = _WRITE.search(diagnostic.help or "") if span is not None else None
    if span is None or found is None or span.end > len(text):
        return diagnostic
    written = found.group(1)
    if "..." in written:  # `output parquet ...`: a shape to follow, not text to paste
        return diagnostic
    start, rest = _restated_before(text, span.start, written)
    end = _restated_after(text, span.end, rest)
    if (start, end) == (span.start, span.end):
        return diagnostic
    wider = Span(start, end)
    labels = tuple(replace(label, span=wider) if label.span == span and label.primary
                   else label for label in diagnostic.labels)
    if labels == diagnostic.labels:  # no primary label: the first one is the caret
        labels = (replace(labels[0], span=wider), *labels[1:])
    return replace(diagnostic, labels=labels)


def _restated_before(text: str, start: int, written: str) -> tuple[int, str]:
    """The start of the longest run of whole words before `start` on its line that
    `written` begins with, and what of `written` is left after them."""
    line = text.rfind("\n", 0, start) + 1
    before = text[line:start]
    path = _PATH_BEFORE.search(before)  # `location.evse.power`: the caret on `power`
    if path is not None and written.startswith(path.group().split(".")[0] + "."):
        return line + path.start(), written
    if not before[-1:].isspace() and not before[-1:].isdigit():
        return start, written  # `10y`: a number run together with the caret's unit
    # the words' runs, the longest first: each joined as `" ".join(...split())` would,
    # built from the word nearest the caret outwards, and only while shorter than the help
    # (a line of thousands of words took seconds per diagnostic, joined again at each word)
    words = [(found.start(), found.group()) for found in _WORD.finditer(before)]
    said, runs = " ", []
    for at, word in reversed(words):
        said = " " + word + said
        if len(said) > len(written):
            break
        runs.append((at, said[1:]))
    for at, said in reversed(runs):
        if written.startswith(said) and len(said) < len(written):
            return line + at, written[len(said):]
    first = before.split()[:1]  # `schedule every day`: the help writes the line anew
    if first and written.startswith(first[0] + " "):
        return line + before.index(first[0]), written[len(first[0]) + 1:]
    return start, written


def _restated_after(text: str, end: int, written: str) -> int:
    """The end of the longest run of whole words after `end` on its line that `written`
    ends with (leaving some of `written` for the caret's own words)."""
    stop = text.find("\n", end)
    after = text[end:len(text) if stop == -1 else stop]
    if not after[:1].isspace():
        return end
    said, runs = "", []   # as in `_restated_before`, from the caret outwards
    for found in _WORD.finditer(after):
        said += " " + found.group()
        if len(said) >= len(written):
            break
        runs.append((found.end(), said))
    for at, said in reversed(runs):
        if written.endswith(said):
            return end + at
    return end
