"""What `{{ ... }}` may print: data only (text, numbers, lists, mappings), within the
bounds, and the texts made safe for the format the template writes (Markdown, HTML or
XML, CSV)."""

from __future__ import annotations

from typing import Any

import jinja2
import markupsafe
from jinja2.exceptions import SecurityError

from ocpispec.render.sandbox_bounds import refuse_above
from ocpispec.render.sandbox_vocabulary import MAX_TEXT
from ocpispec.render.sizes import weight
from ocpispec.render.values import inert_text, markdown_cell, shown_text
from ocpispec.text import with_article


_PRINTABLE = (str, int, float, bool, type(None), list, tuple, dict, jinja2.Undefined)


def printable(value: Any) -> Any:
    """What `{{ ... }}` may print: data, never a method, macro, loop or other object; a
    missing value as nothing, as every built-in format writes it (Jinja printed `None`
    into a report's cell or an XML attribute, a text no column holds)."""
    if value is None:
        return ""
    if not isinstance(value, _PRINTABLE):
        kind = type(value).__name__
        raise SecurityError(f"a template may print values, not {with_article(kind)}")
    if isinstance(value, (list, tuple, dict)):
        refuse_above("`{{ ... }}`", weight(value, MAX_TEXT))
    return value


class MacroText(str):
    """What a macro call wrote: the template's own Markdown (a macro writing `[x]` or a
    table row keeps its brackets and bars); the values it printed were escaped inside."""

    __slots__ = ()


def markdown_printable(value: Any) -> Any:
    """A text printed into Markdown: `|`, `<`, `*`, `[`... from a platform's text (a
    location named `P1 | P2`) stay text instead of splitting a table row, starting a
    tag or a link, and a line break does not end the row."""
    if value.__class__ is MacroText:
        return value
    value = printable(value)
    return markdown_cell(value) if isinstance(value, str) else value


def markup_printable(value: Any) -> Any:
    """A text printed into HTML or XML: a direction control or an invisible character
    from a platform's text shows as its code point (`<U+202E>`, escaped), so the page
    does not show a name reversed or two names alike that differ."""
    if value.__class__ is MacroText or isinstance(value, markupsafe.Markup):
        return value
    value = printable(value)
    return shown_text(value) if isinstance(value, str) else value


def spreadsheet_printable(value: Any) -> Any:
    """A text printed into CSV: a platform's `=HYPERLINK(...)` (a location's name) is
    text when the consumer opens the file in Excel, never a formula."""
    if value.__class__ is MacroText:
        return value
    value = printable(value)
    return inert_text(value) if isinstance(value, str) else value
