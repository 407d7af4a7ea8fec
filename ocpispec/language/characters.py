"""Characters a word processor or a web page puts where a spec has plain ones: a
no-break space, a zero-width space, curly quotes, a dash. A diagnostic names an
invisible one by its code point (`unexpected character U+00A0 (a no-break space)`), not
as an empty pair of backticks, and says what to write instead."""

from __future__ import annotations

from ocpispec.lazy_pattern import lazy

_PASTED = "text copied from a web page or a document brings these in"
_SPACES = {"\u00a0": "a no-break space", "\u2007": "a figure space",
           "\u202f": "a narrow no-break space", "\u2009": "a thin space",
           "\u3000": "an ideographic space"}
_INVISIBLE = {"\u200b": "a zero-width space", "\u200c": "a zero-width non-joiner",
              "\u200d": "a zero-width joiner", "\u2060": "a word joiner",
              "\ufeff": "a byte order mark", "\u00ad": "a soft hyphen"}
# Unicode's explicit direction formatting characters: they reorder how the text after
# them is displayed (Trojan Source, CVE-2021-42574), so what a reviewer reads in the spec,
# the review page or a diff would not be what the spec says
DIRECTION_CONTROLS = {"\u202a": "left-to-right embedding", "\u202b": "right-to-left embedding",
                      "\u202c": "pop directional formatting",
                      "\u202d": "left-to-right override", "\u202e": "right-to-left override",
                      "\u2066": "left-to-right isolate", "\u2067": "right-to-left isolate",
                      "\u2068": "first strong isolate", "\u2069": "pop directional isolate",
                      "\u200e": "left-to-right mark", "\u200f": "right-to-left mark",
                      "\u061c": "Arabic letter mark"}
_TYPOGRAPHIC_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u2019\u201a\u201b"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"


def describe_character(char: str) -> str:
    """How a diagnostic names a character: an invisible one by its code point."""
    if char == "\t":
        return "a tab"
    if char in _SPACES:
        return f"U+{ord(char):04X} ({_SPACES[char]})"
    if char in _INVISIBLE:
        return f"U+{ord(char):04X} ({_INVISIBLE[char]})"
    if char in DIRECTION_CONTROLS:
        return f"U+{ord(char):04X} (a {DIRECTION_CONTROLS[char]})"
    if not char.isprintable():
        return f"U+{ord(char):04X} (a control character)"
    if char in _TYPOGRAPHIC_QUOTES:
        return f"`{char}` (a typographic quote)"
    if char in _DASHES:
        return f"`{char}` (a dash)"
    return f"`{char}`"


def first_hidden_control(text: str) -> int | None:
    """The offset of the first character in `text` that changes how the text around it
    is displayed, or None: a direction control, or a control character other than a tab
    and a line end (an escape sequence rewrites a terminal, a lone carriage return
    overwrites its line)."""
    for at, char in enumerate(text):
        if char in DIRECTION_CONTROLS:
            return at
        if (char < " " or "\x7f" <= char <= "\x9f") and char not in "\t\n" \
                and not (char == "\r" and text[at + 1:at + 2] == "\n"):
            return at
    return None


def pasted_habit(char: str) -> tuple[str, str] | None:
    """Characters a word processor or a web page puts where a spec has plain ones."""
    if char in _SPACES:
        return ("an invisible character", f"replace it with a plain space; {_PASTED}")
    if char in _INVISIBLE or (not char.isprintable() and char not in "\t\n\r"):
        return ("an invisible character", f"delete it: it is invisible, and {_PASTED}")
    if char in _TYPOGRAPHIC_QUOTES:
        return ("not a straight quote", 'write a straight double quote `"`: editors and web '
                'pages turn `"` into `\u201c` or `\u201d`')
    if char in _DASHES:
        return ("not a minus", "names are ASCII letters, digits and `_`: write `_` (a minus "
                "is `-`)")
    return None


_TOKENS = lazy(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def without_comments(text: str) -> str:
    """Spec text on one line with its comments dropped (a `#` inside a quoted text stays).
    A comment inside an expression or a condition is not part of it; shown within it, it
    read as part of it (`where status = "COMPLETED" # and country_code = "NLD"` filters on
    the status only)."""
    dropped = _TOKENS.sub(lambda m: m.group() if m.group().startswith('"') else " ", text)
    return " ".join(dropped.split())
