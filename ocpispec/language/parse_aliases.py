"""A column's name after `as` written as other tools allow it: quoted in any of SQL's
quotes (`"Energie (kWh)"`, `'energie'`, `` `energie` ``, `[Energie kWh]`), with letters
outside ASCII (`énergie`), a currency sign (`€_total`) or a leading digit (`2025_kwh`).
The help writes one name the language takes, from the user's own words (it wrote
`as nergie_kwh` for `"Énergie (kWh)"` and `as [_name` for `[Energie kWh]`)."""

from __future__ import annotations

import re
import unicodedata

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_AS_BEFORE = re.compile(r"(?<![\w.])as[ \t]+$")
_CLOSERS = {'"': '"', "'": "'", "`": "`", "[": "]"}
_SIGNS = {"€": "eur", "$": "usd", "£": "gbp", "%": "pct", "°": "deg", "²": "2", "³": "3"}
_LETTERS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa",
            "œ": "oe"}


def column_name(written: str) -> str:
    """`Énergie (kWh)` -> `energie_kwh`, `€ total` -> `eur_total`, `2025 kWh` -> `kwh_2025`:
    lower-case ASCII words joined by `_`."""
    plain = "".join(_SIGNS.get(char, _LETTERS.get(char, char)) if not char.isascii()
                    or char in _SIGNS else char for char in written.lower())
    plain = "".join(char for char in unicodedata.normalize("NFKD", plain) if char.isascii())
    words = re.findall(r"[a-z0-9]+", plain.replace("%", "_pct_").replace("$", "_usd_"))
    while words and words[0].isdigit() and len(words) > 1:
        words.append(words.pop(0))  # `2025 kWh` -> `kwh_2025`
    name = "_".join(words)
    return name if name[:1].isalpha() else f"column_{name}".rstrip("_")


def _written_alias(text: str, at: int) -> tuple[int, str] | None:
    """The end and the words of the name written at `at`: a quoted or bracketed text up
    to its closer on the line, else the run of characters up to a space or comment."""
    line_end = text.find("\n", at)
    line_end = len(text) if line_end == -1 else line_end
    closer = _CLOSERS.get(text[at:at + 1])
    if closer is not None:
        end = text.find(closer, at + 1, line_end)
        return None if end == -1 else (end + 1, text[at + 1:end])
    found = re.compile(r"[^\s#,()]+").match(text, at, line_end)
    return None if found is None else (found.end(), found.group())


def alias_as_written(source: SourceFile, at: int) -> Diagnostic | None:
    """OCX005 with the name to write, when `at` (where the parser or lexer stopped) is
    the start of a name after `as` that the language does not take."""
    line_start = source.text.rfind("\n", 0, at) + 1
    before = _AS_BEFORE.search(source.text, line_start, at)
    written = _written_alias(source.text, at) if before is not None else None
    if written is None or not written[1].strip():
        return None
    end, words = written
    name = column_name(words)
    if not name.strip("_") or name == "column":
        return None
    return error("OCX005", "missing column name after `as`", Span(before.start(), end),
                 "not a name", notes=["a column's name is one word of ASCII letters, digits "
                                      "and `_`, not quoted; the data package describes the "
                                      "column in words"],
                 help=f"write `as {name}`")


def alias_token(token, history, source: SourceFile) -> Diagnostic | None:
    """The parser's side: a `[` or a number right after `as` (a string is
    `missing_name_after_as`'s, with `column_name` too)."""
    if not history or history[-1].type != "AS" or token.type not in ("LSQB", "NUMBER", "INT"):
        return None
    if token.line != history[-1].line:
        return None
    return alias_as_written(source, token.start_pos or 0)
