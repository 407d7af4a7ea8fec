"""How released values are written: CSV cells, JSON values, GeoJSON geometry."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ocpispec.plan.ir import CsvDialect


def is_geo(value: Any) -> bool:
    return isinstance(value, Mapping) and "latitude" in value and "longitude" in value


def html_cell(value: Any) -> str:
    """A value as an HTML report shows it: `cell`, with hidden characters visible."""
    return shown_text(cell(value))


def cell(value: Any) -> str:
    """A CSV cell: empty for null, `true`/`false`, shortest float repr, `lat,lon` for
    coordinates, compact JSON for any other object or list."""
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case str():
            return value
        case int() | float():
            return repr(value)
    if is_geo(value):
        return f"{_number(value['latitude'])},{_number(value['longitude'])}"
    return json_text(value)


def _number(value: Any) -> str:
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return str(value)


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


# characters that change how the text around them is shown, or hide: Unicode's direction
# controls (a location named `Laadplein\u202egpj.exe` shows as `Laadpleinexe.jpg`), the
# invisible spaces, joiners, operators and the soft hyphen that make two names look
# alike, and C1 controls (some
# terminals run U+009B as an escape sequence). The zero-width (non-)joiner stays: Persian
# and Indic scripts and emoji need it.
HIDDEN = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u2060"
                    r"\u2061-\u2064\u180e\u00ad\ufeff\x7f-\x9f]")


# in JSON also the line and paragraph separators, which JSON allows in a string but
# Python's `str.splitlines()` (a common way to read NDJSON), editors and JavaScript
# before ES2019 take for line ends: a record read line by line broke in two
_JSON_HIDDEN = re.compile(HIDDEN.pattern[:-1] + r"\u2028\u2029]")


def json_escaped(text: str) -> str:
    """JSON text with the `HIDDEN` characters and the line and paragraph separators
    written as `\\uXXXX` escapes: every JSON reader gets the same string, a person
    reading the file in a terminal or an editor sees the escape instead of text shown
    reversed, and every line of NDJSON is one whole record. So are a zero-width joiner
    and non-joiner beside ASCII, as `shown_text` shows them."""
    text = _JSON_HIDDEN.sub(_escape, text) if _JSON_HIDDEN.search(text) else text
    return _LATIN_JOINER.sub(_escape, text) if _LATIN_JOINER.search(text) else text


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


def json_output(value: Any) -> str:
    """A value as an output file's JSON: `json_text`, with the hidden characters escaped."""
    return json_escaped(json_text(value))


def shown_text(text: str) -> str:
    """A text as a report a person reads shows it (Markdown, HTML): each `HIDDEN`
    character, and each control character other than a tab or a line end, as its code
    point (`<U+202E>`), as `ocpispec check` names them in a spec."""
    text = _SHOWN.sub(_code_point, text) if _SHOWN.search(text) else text
    return _LATIN_JOINER.sub(_code_point, text) if _LATIN_JOINER.search(text) else text


# the zero-width joiner and non-joiner beside a letter, digit or sign of ASCII: no
# script that needs them (Persian, Indic, emoji) writes them there, and a filter's
# `"Amst\u200derdam"` read `"Amsterdam"`
_LATIN_JOINER = re.compile(r"(?<=[\x21-\x7e])[\u200c\u200d]|[\u200c\u200d](?=[\x21-\x7e])")


def spec_text_shown(text: str) -> str:
    """A spec's text as a report shows it to the privacy officer: `shown_text`, and in a
    word of Latin, Cyrillic and Greek letters mixed, each letter of the scripts fewer of
    its letters are written in as its code point: a filter's `"Amsterd<U+0430>m"` (a
    Cyrillic `а`) matches no city, yet read `"Amsterdam"`."""
    return _WORD.sub(_unmixed, shown_text(text))


def spec_json_escaped(text: str) -> str:
    """JSON text of a report built from a spec: `json_escaped`, and the letters
    `spec_text_shown` shows as code points written as `\\uXXXX` escapes."""
    return _WORD.sub(lambda found: _unmixed(found, _escape), json_escaped(text))


_WORD = re.compile(r"[^\W\d_]{2,}")
_LOOKALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
_LETTER = re.compile(r".", re.DOTALL)


def _unmixed(match: re.Match[str], written: Callable[[re.Match[str]], str] | None = None
             ) -> str:
    import unicodedata

    word = match[0]
    scripts = [next((s for s in _LOOKALIKE_SCRIPTS if unicodedata.name(c, "").startswith(s)),
                    None) for c in word]
    counted = {script: scripts.count(script) for script in set(scripts) if script}
    if len(counted) < 2:
        return word
    main = max(counted, key=lambda script: (counted[script], script == "LATIN", script))
    return "".join(_LETTER.sub(written or _code_point, c) if script not in (None, main) else c
                   for c, script in zip(word, scripts))


def visible_texts(value: Any) -> Any:
    """`value` (a dataclass, tuple, list or dict of them, or a text) with every text as
    `spec_text_shown` shows it: a report built from a spec (the review, `diff`) shows
    the spec's texts so. A filter's `"Utr<U+200B>echt"` matches no city, yet read `"Utrecht"`
    on the page the officer signs."""
    if isinstance(value, str):
        return spec_text_shown(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{field.name: visible_texts(getattr(value, field.name))
                                             for field in dataclasses.fields(value) if field.init})
    if isinstance(value, tuple | list):
        return type(value)(visible_texts(item) for item in value)
    if isinstance(value, dict):
        return {key: visible_texts(item) for key, item in value.items()}
    return value


# with the characters XML 1.0 cannot hold (a template writing XML: one of them and no
# reader opens the file): C0 controls, surrogates and the noncharacters U+FFFE, U+FFFF
_SHOWN = re.compile(HIDDEN.pattern[:-1] + r"\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _code_point(match: re.Match[str]) -> str:
    return f"<U+{ord(match[0]):04X}>"


CHUNK_ROWS = 512


class CsvLines:
    """Formats rows as CSV lines in a dialect (default RFC 4180: `,`, CRLF, quotes
    doubled, fields with separators, quotes or line breaks quoted) with the `csv`
    module, a chunk of rows at a time so the template loop runs once per chunk rather
    than once per row. A dialect may choose another delimiter, a decimal comma, a
    UTF-8 byte order mark before the header, quoting of every field and LF line ends."""

    def __init__(self, columns: Sequence[str], dialect: CsvDialect | None = None) -> None:
        self.columns = tuple(columns)
        self.dialect = dialect or CsvDialect("rfc-4180")
        self._buffer = io.StringIO()
        self._end = "\r\n" if self.dialect.lines == "crlf" else "\n"
        # the writer always ends rows in CRLF, so it quotes a field holding a lone `\r`
        # or `\n` whatever the dialect's line end; `_take` swaps the end for LF
        self._writer = csv.writer(self._buffer, delimiter=self.dialect.delimiter,
                                  lineterminator="\r\n",
                                  quoting=csv.QUOTE_ALL if self.dialect.quote == "all"
                                  else csv.QUOTE_MINIMAL)

    def _take(self) -> str:
        """The one row just written, ended as the dialect says."""
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text if self._end == "\r\n" else text[:-2] + self._end

    def header(self) -> str:
        self._writer.writerow(self.columns)
        line = self._take()
        if self.dialect.bom:
            return "\ufeff" + line
        # Excel takes a file starting with the letters `ID` for a SYLK file and refuses
        # to open it ("SYLK: file format is not valid"); a quoted first name is the same
        # name to every CSV reader (column names hold no quote)
        return f'"{self.columns[0]}"{line[len(self.columns[0]):]}' \
            if line.startswith("ID") else line

    def chunks(self, rows: Iterable[Mapping[str, Any] | tuple[str, int]]) -> Iterator[str]:
        """The rows' lines, `CHUNK_ROWS` at a time. A row a worker process rendered
        already (a tuple of its line and the columns it fills,
        `DatasetOutput.rendered_beside`) is written as it is."""
        line = self.liner()
        lines: list[str] = []
        for row in rows:
            lines.append(row[0] if row.__class__ is tuple else line(row))  # type: ignore[index,arg-type]
            if len(lines) == CHUNK_ROWS:
                yield "".join(lines)
                lines = []
        if lines:
            yield "".join(lines)

    def plain_form(self) -> tuple[str, str, Callable[[str], str], frozenset[str]] | None:
        """How `liner` writes a line none of whose cells needs quoting: the delimiter,
        the line end, what makes a text starting with one of the formula starts inert,
        and those starts; None where the dialect quotes every field or writes a decimal
        comma (`execute.keyed_lines` writes such lines itself, and leaves the others
        to `liner`)."""
        if self.dialect.quote != "minimal" or self.dialect.decimal == "comma":
            return None
        return (self.dialect.delimiter, self._end,
                _inert if self.dialect.bom else _inert_when_runnable, _FORMULA_STARTS)

    def liner(self) -> Callable[[Mapping[str, Any]], str]:
        """A function writing one row's line. The line is joined directly when no cell
        needs quoting (the common case, checked on the joined line in C); the `csv`
        module writes the others. Whether rows come in column order (the render
        contract) is checked on the first row it writes."""
        columns, width = self.columns, len(self.columns) - 1
        count = len(columns)
        writerow, take = self._writer.writerow, self._take
        plain, number = str, _NUMBERS
        delimiter, end = self.dialect.delimiter, self._end
        fast = self.dialect.quote == "minimal"
        comma = self.dialect.decimal == "comma"
        # a CSV with a BOM is for Excel: every formula start is made inert (`_inert`); any
        # other CSV may be opened in Excel too, so texts that would run are
        # (`_inert_when_runnable`)
        inert = _inert if self.dialect.bom else _inert_when_runnable
        starts = _FORMULA_STARTS
        ordered: bool | None = None

        def line(row: Mapping[str, Any]) -> str:
            nonlocal ordered
            if ordered is None:
                ordered = tuple(row) == columns
            values: Any = row.values() if ordered and len(row) == count \
                else map(row.get, columns)
            if comma:
                values = list(values)
            cells = [(inert(v) if v[:1] in starts else v) if v.__class__ is plain
                     else repr(v) if v.__class__ in number else _text(v) for v in values]
            if comma:
                cells = [_decimal_comma(v, c) for v, c in zip(values, cells)]
            text = delimiter.join(cells)
            if fast and text.count(delimiter) == width and '"' not in text \
                    and "\n" not in text and "\r" not in text and (width or text):
                return text + end
            writerow(cells)
            return take()

        return line


def _decimal_comma(value: Any, text: str) -> str:
    """A float written with a decimal comma (`2,5`); every other cell unchanged."""
    return text.replace(".", ",") if value.__class__ is float else text


_NUMBERS = frozenset({int, float})
# what Excel reads as the start of a formula when it opens a CSV
_FORMULA_STARTS = frozenset("=+-@\t\r")


def _inert(text: str) -> str:
    """A text Excel would run as a formula (`=HYPERLINK(...)`, `+1-1`, `@SUM(...)`),
    prefixed with `'`, which Excel reads as "text follows" and does not show. A value
    the platform sends (a location's name) never becomes a formula on the consumer's
    machine."""
    return "'" + text if text[:1] in _FORMULA_STARTS else text


# a sign followed by digits, spaces and punctuation only: a phone number (`+31 20 123
# 4567`) or a signed range (`-10-0`); Excel computes it at worst, it runs nothing
_SIGNED_NUMBER = re.compile(r"[+-][\d\s().,/+-]*\Z")


def _inert_when_runnable(text: str) -> str:
    """In a CSV not made for Excel, the texts Excel would run when the consumer opens it
    all the same (`=HYPERLINK(...)`, `@SUM(...)`, `-2+3+cmd|' /C calc'!A0`) get the `'`;
    a phone number or a signed range keeps its form for pandas, R and DuckDB."""
    if text[:1] in "+-" and _SIGNED_NUMBER.match(text):
        return text
    return _inert(text)


def inert_text(text: str) -> str:
    """A text as a CSV not made for Excel holds it: with a leading `'` when Excel would
    run it (`_inert_when_runnable`)."""
    return _inert_when_runnable(text) if text[:1] in _FORMULA_STARTS else text


def inert_values(value: Any) -> Any:
    """A row (or any value in it) with every text `inert_text`: what a template writing
    CSV is given, so no text reaches a cell that Excel would run, however the template
    joins them."""
    match value:
        case str():
            return inert_text(value)
        case Mapping():
            return {key: inert_values(item) for key, item in value.items()}
        case list() | tuple():
            return [inert_values(item) for item in value]
    return value


def _text(value: Any) -> str:
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case int() | float():
            return repr(value)
    return cell(value)


def ndjson_chunks(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    lines: list[str] = []
    for row in rows:
        lines.append(json_text(row))
        if len(lines) == CHUNK_ROWS:
            yield json_escaped("\n".join(lines) + "\n")
            lines = []
    if lines:
        yield json_escaped("\n".join(lines) + "\n")


def geojson_feature(row: Mapping[str, Any], geometry: str | None) -> str:
    """A GeoJSON Feature: a Point at the geometry column (longitude first, as GeoJSON
    requires), every other column as a property."""
    position = row.get(geometry) if geometry else None
    shape = None
    if is_geo(position):
        shape = {"type": "Point", "coordinates": [float(position["longitude"]),
                                                  float(position["latitude"])]}
    properties = {name: value for name, value in row.items() if name != geometry}
    return json_output({"type": "Feature", "geometry": shape, "properties": properties})


# `_` only where it may start or end emphasis (`_x_`; a `_` between two letters or digits,
# `location_id`, never does), `&` only where it starts an entity (`&amp;`, `&#124;`)
_MARKDOWN_SPECIAL = re.compile(
    r"([\\`*~\[\]<>|]|(?<![^\W_])_|_(?![^\W_])|&(?=#?[0-9A-Za-z]+;))")


def markdown_cell(value: Any) -> str:
    """A value as Markdown text on one line: the characters that start markup (emphasis
    with `*` or `_`, strikethrough, code, links, HTML tags, entities such as `&amp;`,
    table cells) are backslash-escaped, so text from a spec or a platform shows as
    written and never becomes a tag or a link; a direction control or an invisible
    character shows as its code point (`shown_text`)."""
    text = shown_text(cell(value).replace("\r", " ").replace("\n", " "))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
