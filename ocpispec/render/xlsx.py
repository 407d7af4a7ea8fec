"""XLSX output with openpyxl in write-only mode: rows stream into the sheet's XML on
disk as they come, so memory stays flat; the workbook is zipped into the output at the
end. Sheet 1 (named after the dataset) holds a header row and typed cells: numbers,
whole numbers, booleans, timestamps (shown `yyyy-mm-dd h:mm:ss`; Excel has no time
zones, so a UTC value is written as UTC and a local one, a label with its offset such as
`truncate(t, month, "Europe/Amsterdam")`, as the local time it names; each cell shows
its clock, ` UTC` or the offset, in its number format) and text; each header cell carries the column's description as a comment. Sheet 2, `columns`, describes each column: type, description,
treatment, sources. Sheet 3, `about`, says what the workbook is: the export's consumer,
purpose, legal basis, retention and licence, the window, the minimum group size, the OCPI
version, plan and time it was written (what a spreadsheet user would otherwise find only
in the manifest and data package beside it).

Text is always a text cell: a value starting with `=` never becomes a formula, nor
`#N/A` an error value,
characters XML cannot hold (C0 controls, U+FFFE, U+FFFF) are dropped, and a `_xHHHH_` in it, which Excel would show as
the character HHHH, is escaped so Excel shows it as written. A text longer than a cell holds (32,767
characters) stops the output rather than being cut, as does a time before 1900, which
Excel shows as `#####` (a .NET platform's `0001-01-01` for no time). Excel sheets hold at
most 1,048,576 rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ocpispec.formats.fields import TypedField
from ocpispec.render.values import cell
from ocpispec.render.xlsx_sheets import (SheetSpaceError, abandon, close_sheets, save,
                                         sheets_in_scratch)
from ocpispec.text import with_article

MAX_ROWS = 1_048_576 - 1  # the header takes one
MAX_TEXT = 32_767
# what XML 1.0 cannot hold: C0 controls but tab and line ends, surrogates and the
# noncharacters U+FFFE and U+FFFF (a platform's `\uffff` as an "unset" marker); one of
# them in a cell left a sheet Excel repairs by deleting it and openpyxl cannot read
# a decimal as OCPI writes one in text (`"52.090600"`): a coordinate's number
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel reads `_xHHHH_` in a cell's text as the character HHHH (OOXML's escape for
# control characters): a platform's `_x0041_` would show as `A`. Its `_` is written as
# the escape of `_` itself (`_x005F_`), which Excel and openpyxl read back as `_`.
_ESCAPE_LIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
# texts openpyxl writes as Excel's error values (`t="e"`), not as text: a platform's
# `#N/A` would be an error in Excel, which its SUM and lookups pass on, and missing to
# pandas and readxl
_ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_TAKEN_SHEET_NAMES = frozenset({"columns", "about", "history"})


class XlsxError(Exception):
    """The rows do not fit a sheet, or a value does not fit its column's type (the
    message names the column, never the value); `help` says what to do, when it is not
    to split the export."""

    def __init__(self, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.help = help


def write_xlsx(rows: Iterable[Mapping[str, Any]], fields: Sequence[TypedField], sink: Any,
               sheet: str, about: Sequence[tuple[str, str]] = ()) -> int:
    """Write `rows` as a workbook to the binary file-like `sink`; returns the row count.
    `about` (item, value) pairs make the `about` sheet. The sheets stream through a
    scratch folder (`xlsx_sheets`): a write there that fails is `SheetSpaceError`."""
    with sheets_in_scratch():
        return _write(rows, fields, sink, sheet, about)


def _write(rows: Iterable[Mapping[str, Any]], fields: Sequence[TypedField], sink: Any,
           sheet: str, about: Sequence[tuple[str, str]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment

    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(_sheet_name(sheet))
    header = []
    for field in fields:
        heading = WriteOnlyCell(data, value=_literal(field.name))
        heading.comment = Comment(field.description or field.name, "ocpispec")
        header.append(heading)
    clocks = {field.name: _Timestamps() for field in fields if field.type == "datetime"}
    convert = [_guarded(field, clocks[field.name], _offset_cells(data, WriteOnlyCell))
               if field.name in clocks
               else _formatted(_converter(field, data, WriteOnlyCell), number_format(field),
                               data, WriteOnlyCell) for field in fields]
    names = [field.name for field in fields]
    written = 0
    try:
        _into_sheet(data.append, header)
        for row in rows:
            written += 1
            if written > MAX_ROWS:
                raise XlsxError(f"an XLSX sheet holds at most {MAX_ROWS:,} rows; this "
                                "output has more")
            _into_sheet(data.append,
                        [make(value) for make, value in zip(convert, map(row.get, names))])
        _into_sheet(_describe, workbook, fields, clocks, about)
    except BaseException:
        abandon(workbook)
        raise
    close_sheets(workbook)
    save(workbook, sink)
    return written


def _into_sheet(write: Any, *values: Any) -> None:
    """`write(*values)`, a write into the sheets' files in the scratch space."""
    try:
        write(*values)
    except OSError as exc:
        raise SheetSpaceError(exc) from None


def _describe(workbook: Any, fields: Sequence[TypedField], clocks: dict[str, Any],
              about: Sequence[tuple[str, str]]) -> None:
    """The `columns` sheet, and the `about` sheet where there is something to say."""
    from openpyxl.cell import WriteOnlyCell

    columns = workbook.create_sheet("columns")
    columns.append(["column", "type", "description", "treatment", "sources"])
    for field in fields:
        local = field.local or (field.name in clocks and clocks[field.name].local)
        columns.append([_safe(field.name), _declared(field, local), _safe(field.description),
                        field.treatment, _safe(", ".join(field.sources))])
    if about:
        described = workbook.create_sheet("about")
        described.append(["item", "value"])
        for item, value in about:  # the spec's texts: never a formula
            shown = WriteOnlyCell(described, value=_safe(value))
            shown.data_type = "s"
            described.append([item, shown])


def _converter(field: TypedField, sheet: Any, make_cell: Any):
    def text(value: Any) -> Any:
        if value is None:
            return None
        shown = _ILLEGAL.sub("", value if value.__class__ is str else cell(value))
        if len(shown) > MAX_TEXT:
            raise XlsxError(f"a value of column `{field.name}` is longer than the "
                            f"{MAX_TEXT:,} characters an Excel cell holds")
        shown = _ESCAPE_LIKE.sub("_x005F_", shown) if "_x" in shown else shown
        if not shown.startswith("=") and shown not in _ERROR_CODES:
            return shown
        written = make_cell(sheet, value=shown)
        written.data_type = "s"  # never a formula, nor an error value
        return written

    def decimal(number: Any) -> Any:
        def make(value: Any) -> Any:
            if value.__class__ is str and _DECIMAL.fullmatch(value.strip()):
                return float(value)
            return None if value == "" else number(value)  # "" is an empty cell anyway
        return make

    def typed(kind: type) -> Any:
        def make(value: Any) -> Any:
            if value is None or value.__class__ is kind:
                return value
            if kind is float and value.__class__ is int:
                return float(value)
            if kind is int and value.__class__ is float and value.is_integer():
                return int(value)
            raise XlsxError(f"a value of column `{field.name}` is not {with_article(field.type)}")
        return make

    if field.decimal_text:  # a coordinate the platform sent as text: the number it is
        return decimal(typed(float))
    match field.type:
        case "number":
            return typed(float)
        case "integer":
            return typed(int)
        case "boolean":
            return typed(bool)
    return text


# an amount in a currency with its cents (`2,899.50`, where General shows `2899.5`);
# another quantity with a unit (kWh, hours, W) with thousands and at most 3 decimals
AMOUNT_FORMAT, QUANTITY_FORMAT, WHOLE_FORMAT = "#,##0.00", "#,##0.0##", "#,##0"


def number_format(field: TypedField) -> str | None:
    """How a number column's cells show (their value stays the exact number); None:
    Excel's General (a count, a ratio, a price per kWh, whose decimals are its own)."""
    if field.type == "number" and field.amount:
        return AMOUNT_FORMAT
    if field.unit is None or field.amount:
        return None
    return {"number": QUANTITY_FORMAT, "integer": WHOLE_FORMAT}.get(field.type)


def _formatted(convert: Any, shown: str | None, sheet: Any, make_cell: Any) -> Any:
    """`convert`, its numbers in cells of the number format `shown` (the style made
    once: setting a format costs per cell)."""
    if shown is None:
        return convert
    from copy import copy

    style: list[Any] = []

    def make(value: Any) -> Any:
        number = convert(value)
        if number is None or number.__class__ not in (int, float):
            return number
        written = make_cell(sheet)
        if not style:
            written.number_format = shown
            style.append(written._style)
        written._style = copy(style[0])
        written.value = number
        return written
    return make


class _Timestamps:
    """Timestamps as naive datetimes (openpyxl gives them a date format of its own).
    Excel has no time zones: a UTC value (`...Z`) is written as UTC; a local label
    (`2025-01-01T00:00:00+01:00`, a local `truncate` or `spread` slot) as the local time
    it names, as its CSV cell reads: as UTC, January 2025 in Amsterdam would show as
    31 December 2024 23:00. Returns the time and what its cell shows after it: ` UTC`,
    or a local label's offset (`+01:00`); `local` tells the `columns` sheet which it
    was."""

    def __init__(self) -> None:
        self.local = False

    def __call__(self, value: Any) -> tuple[datetime | None, str | None]:
        if value is None:
            return None, None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            return moment, None
        if isinstance(value, str) and not value.endswith(("Z", "z")):
            self.local = True
            return moment.replace(tzinfo=None), value[19:].lstrip(".0123456789")
        return moment.astimezone(UTC).replace(tzinfo=None), " UTC"


def _offset_cells(sheet: Any, make_cell: Any) -> Any:
    """A time's cell, shown with its clock: `2025-12-01 10:00:00 UTC` (an analyst in
    Amsterdam would read a bare UTC time as local, an hour off), a local time with its
    offset, `2025-10-26 2:00:00+01:00` (the night the clocks go back has two hours 02:00,
    which Excel would show alike). The clock is literal text of the cell's number format;
    the value stays the time, as pandas reads it."""
    from copy import copy

    styles: dict[str, Any] = {}

    def make(moment: datetime, offset: str) -> Any:
        written = make_cell(sheet)
        if offset not in styles:  # a format's style once: setting it costs per cell
            written.number_format = f'yyyy-mm-dd h:mm:ss"{offset}"'
            styles[offset] = written._style
        written._style = copy(styles[offset])
        written.value = moment
        return written
    return make


# Excel's first day: an earlier time is a negative serial number, which Excel shows as
# `#####` (openpyxl and pandas read it back, so only the consumer's Excel fails)
FIRST_DAY = datetime(1900, 1, 1)


def _guarded(field: TypedField, convert: Any, offset_cell: Any) -> Any:
    def make(value: Any) -> Any:
        try:
            moment, offset = convert(value)
        except (TypeError, ValueError):
            raise XlsxError(f"a value of column `{field.name}` is not {with_article(field.type)}") \
                from None
        if moment is not None and moment < FIRST_DAY:
            source = field.sources[0] if field.sources else field.name
            raise XlsxError(
                f"a value of column `{field.name}` is a time before 1900, which Excel "
                "shows as `#####` (its dates start on 1 January 1900)",
                help=f"leave such records out with `where {source} >= "
                     "2000-01-01T00:00:00Z` (a platform's `0001-01-01` stands for no time), "
                     "or write `csv` or `parquet`, which hold any time")
        return offset_cell(moment, offset) if offset else moment
    return make


def _declared(field: TypedField, local: bool) -> str:
    """The type the `columns` sheet names: a column of no one type (`jmespath`) is
    written as text cells, so it says `string`, as the data package does; timestamps
    written as local times say `local datetime` (their description names the zone)."""
    if local:
        return "local datetime"
    if field.decimal_text:
        return "number"
    return "string" if field.type == "any" else field.type


def _sheet_name(dataset: str) -> str:
    """The data sheet's name: the dataset's, without the characters Excel refuses, at
    most 31 characters; `data` when that is empty, the describing sheet's `columns` or
    Excel's reserved `History` (Excel compares sheet names without case)."""
    name = _SHEET_NAME.sub("_", dataset)[:31]
    return "data" if not name or name.casefold() in _TAKEN_SHEET_NAMES else name


def _literal(text: str) -> str:
    """A text as a cell holds it literally: without the characters XML cannot hold, and
    with a `_xHHHH_` in it escaped, so Excel shows it as written."""
    text = _ILLEGAL.sub("", text)
    return _ESCAPE_LIKE.sub("_x005F_", text) if "_x" in text else text


def _safe(text: str) -> str:
    return _literal(_ILLEGAL.sub("", text)[:MAX_TEXT])
