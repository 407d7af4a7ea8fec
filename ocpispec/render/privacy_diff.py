"""`ocpispec diff` as text, Markdown or JSON. Deterministic; no values of personal
fields ever (filters on them are shown redacted by the summary)."""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from collections.abc import Iterator

from ocpispec.privacy_summary import Change, Difference
from ocpispec.text import CODE_SPAN, count

FORMATS = ("text", "markdown", "json")
WIDTH = 100
_MARKERS = {"added": "+", "removed": "-", "weakened": "!", "strengthened": "^",
            "changed": "~", "renamed": "~"}


def render_difference(diff: Difference, format: str) -> str:
    """A hidden character of a spec's text (a zero-width space in `"Utr<U+200B>echt"`)
    shows as its code point, in JSON as its escape: else a changed filter read the same
    on both sides of the arrow."""
    from ocpispec.render.values import spec_json_escaped, visible_texts

    match format:
        case "json":
            text = json.dumps(diff.to_dict(), indent=2, ensure_ascii=False)
            return spec_json_escaped(text) + "\n"
    diff = visible_texts(diff)
    match format:
        case "markdown":
            return "\n".join(_markdown(diff)) + "\n"
    return "\n".join(_text(diff)) + "\n"


def verdict_line(diff: Difference) -> str:
    if not diff.needs_review:
        return f"Verdict: {diff.verdict}."
    kinds = Counter(change.kind for change in diff.changes)
    detail = ", ".join(f"{kinds[kind]} {kind}" for kind in _MARKERS if kinds[kind])
    return f"Verdict: {diff.verdict} ({count(len(diff.changes), 'change')}: {detail})."


def _text(diff: Difference) -> Iterator[str]:
    yield f"Privacy diff of {diff.old_name} -> {diff.new_name}"
    yield f"  old privacy fingerprint  {diff.old_fingerprint[:12]}"
    yield f"  new privacy fingerprint  {diff.new_fingerprint[:12]}"
    for area, changes in _by_area(diff.changes):
        yield ""
        yield area
        for change in changes:
            yield from _wrapped(f"  {_MARKERS.get(change.kind, '~')} {change.kind:<12} ",
                                change.text)
    yield ""
    yield verdict_line(diff)


def _markdown(diff: Difference) -> Iterator[str]:
    yield "# Privacy diff"
    yield ""
    yield "| | spec | privacy fingerprint |"
    yield "|---|---|---|"
    yield f"| old | `{_cell(diff.old_name)}` | `{diff.old_fingerprint[:12]}` |"
    yield f"| new | `{_cell(diff.new_name)}` | `{diff.new_fingerprint[:12]}` |"
    for area, changes in _by_area(diff.changes):
        yield ""
        yield f"## {area}"
        yield ""
        for change in changes:
            yield f"- **{change.kind}**: {_markdown_text(change.text)}"
    yield ""
    yield f"**{verdict_line(diff)}**"


def _by_area(changes: tuple[Change, ...]) -> list[tuple[str, list[Change]]]:
    areas: dict[str, list[Change]] = {}
    for change in changes:
        areas.setdefault(change.area, []).append(change)
    return list(areas.items())


_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")
_MD_SPECIAL = re.compile(r"([\\*_~\[\]#|])")


def _markdown_text(text: str) -> str:
    """A change's text in a list item: its `code` spans stay code (literal in Markdown),
    the rest is escaped (`<` cannot open a tag; a lone `>` mid-line is text), so spec
    text quoted in it (a justification, a consumer) holds no HTML, no `<!--` hiding the changes after it, and no line break starting a new item."""
    flat = _LINE_BREAKS.sub(" ", text)
    parts, end = [], 0
    # a code span (``x || `[]` `` too) as it is: in a list item, unlike a table, a `\|`
    # in it would show its backslash
    for span in CODE_SPAN.finditer(flat):
        parts += [_escaped(flat[end:span.start()]), span.group(0)]
        end = span.end()
    return "".join(parts) + _escaped(flat[end:])


def _escaped(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;").replace("<", "&lt;"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def _wrapped(prefix: str, text: str) -> Iterator[str]:
    yield from textwrap.wrap(text, width=WIDTH, initial_indent=prefix,
                             subsequent_indent=" " * len(prefix), break_on_hyphens=False,
                             break_long_words=False) or [prefix.rstrip()]
