"""Parquet output with ocpispec's own encoder (no pyarrow): typed columns, a row group
per block of rows as they stream, so memory stays flat however many rows a run writes.

Types (`formats.fields.TypedField.type`): `datetime` -> INT64 TIMESTAMP(UTC, MICROS);
`number` -> DOUBLE (OCPI sends money and energy as JSON numbers, so a decimal type would
only pretend to a precision the source does not have, and pandas reads float64
natively); `integer` -> INT64; `boolean` -> BOOLEAN; `string` -> BYTE_ARRAY STRING
(pseudonyms: 32 lowercase hex characters, said in the column metadata); `geopoint` ->
a group of two DOUBLE fields `latitude`, `longitude`; `any` (a `jmespath(...)` column)
-> its text as the CSV cell holds it. Every column is optional.

The file: format v1 data pages of `PAGE_ROWS` rows, PLAIN values, definition levels in
the RLE/bit-packed hybrid, GZIP compression (every Parquet reader has it, and zlib is in
the standard library; the same rows give the same bytes wherever ocpispec runs), a row
group per `ROW_GROUP_ROWS` rows. Null counts per column chunk, no min/max. The footer
carries the export header under `ocpispec` and, under `ARROW:schema`, the Arrow schema
with each column's description, treatment, sources and released class (what pyarrow
and pandas show as field metadata). Conversion errors name the column, never a value.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpispec.formats.fields import PSEUDONYM_LENGTH, TypedField
from ocpispec.render import parquet_thrift as thrift
from ocpispec.render.parquet_arrow import ArrowField, arrow_schema
from ocpispec.render.parquet_pages import (
    BOOLEAN,
    BYTE_ARRAY,
    CODECS,
    DOUBLE,
    INT64,
    PLAIN,
    RLE,
    Page,
    compressor,
    encode_page,
)
from ocpispec.render.values import cell
from ocpispec.text import with_article

ROW_GROUP_ROWS = 65_536
PAGE_ROWS = 8_192
COMPRESSION = "gzip"
CREATED_BY = "ocpispec (own Parquet encoder)"
_MAGIC = b"PAR1"
_OPTIONAL = 1
_UTF8, _TIMESTAMP_MICROS = 0, 10  # ConvertedType, for readers older than LogicalType


class ParquetError(Exception):
    """A value of a column does not fit its declared type (the message names the
    column and the type, never the value)."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# a decimal as OCPI writes one in text (`"52.090600"`, `"-3.5"`): nothing else is a number
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def available() -> bool:
    """Parquet output needs nothing beyond the standard library (kept for callers that
    ask; pyarrow is no longer needed, see OCX591)."""
    return True


@dataclass
class _Leaf:
    """A column chunk being written: its path, physical type, maximum definition
    level, and the pages of the current row group."""

    path: tuple[str, ...]
    physical: int
    max_level: int
    pages: list[Page] = field(default_factory=list)


def write_parquet(rows: Iterable[Mapping[str, Any]], fields: Sequence[TypedField],
                  sink: Any, header: Mapping[str, Any], *,
                  row_group_rows: int = ROW_GROUP_ROWS, page_rows: int = PAGE_ROWS,
                  compression: str = COMPRESSION) -> int:
    """Write `rows` to the binary file-like `sink`; returns the row count. Every
    `page_rows` rows become a compressed page per column; a row group's pages go to
    the sink when `row_group_rows` rows are pending."""
    writer = _Writer(fields, sink, compressor(compression), CODECS[compression])
    names = [f.name for f in fields]
    columns: list[list[Any]] = [[] for _ in fields]
    appends = [column.append for column in columns]
    page_rows = min(page_rows, row_group_rows)
    written = pending = 0
    for row in rows:
        for append, value in zip(appends, map(row.get, names)):
            append(value)
        written += 1
        pending += 1
        if pending % page_rows == 0 or pending == row_group_rows:
            writer.add_pages(columns)
        if pending == row_group_rows:
            writer.flush_group(pending)
            pending = 0
    if columns and columns[0]:
        writer.add_pages(columns)
    if pending:
        writer.flush_group(pending)
    writer.close(header, written)
    return written


class _Writer:
    def __init__(self, fields: Sequence[TypedField], sink: Any, compress: Any,
                 codec: int) -> None:
        self.fields, self.sink, self.compress, self.codec = fields, sink, compress, codec
        self.leaves = [leaf for f in fields for leaf in _leaves(f)]
        self.groups: list[bytes] = []
        self.position = 0
        self._write(_MAGIC)

    def _write(self, data: bytes) -> None:
        self.sink.write(data)
        self.position += len(data)

    def add_pages(self, columns: list[list[Any]]) -> None:
        """The pending rows of each column as a page of each of its leaves."""
        leaves = iter(self.leaves)
        for typed, values in zip(self.fields, columns):
            try:
                converted = _convert("decimal" if typed.decimal_text else typed.type, values)
                if typed.type == "geopoint":
                    for index in (0, 1):
                        parts = [None if p is None else p[index] for p in converted]
                        self._page(next(leaves), parts)
                else:
                    self._page(next(leaves), converted)
            except (TypeError, ValueError, KeyError, OverflowError, UnicodeError):
                raise ParquetError(f"a value of column `{typed.name}` is not "
                                   f"{with_article(_stored(typed))}") from None
            values.clear()

    def _page(self, leaf: _Leaf, values: list[Any]) -> None:
        leaf.pages.append(encode_page(values, leaf.physical, leaf.max_level, self.compress))

    def flush_group(self, rows: int) -> None:
        """The row group's column chunks, one after another, and its metadata."""
        start, chunks, total = self.position, [], 0
        for leaf in self.leaves:
            offset = self.position
            for page in leaf.pages:
                self._write(page.data)
            uncompressed = sum(page.uncompressed for page in leaf.pages)
            total += uncompressed
            chunks.append(self._chunk(leaf, offset, uncompressed))
            leaf.pages.clear()
        self.groups.append(thrift.struct([
            (1, ("list", "struct"), chunks), (2, "i64", total), (3, "i64", rows),
            (5, "i64", start), (6, "i64", self.position - start),
            (7, "i16", len(self.groups))]))

    def _chunk(self, leaf: _Leaf, offset: int, uncompressed: int) -> bytes:
        statistics = thrift.struct([(3, "i64", sum(page.nulls for page in leaf.pages))])
        metadata = thrift.struct([
            (1, "i32", leaf.physical), (2, ("list", "i32"), [PLAIN, RLE]),
            (3, ("list", "binary"), list(leaf.path)), (4, "i32", self.codec),
            (5, "i64", sum(page.values for page in leaf.pages)),
            (6, "i64", uncompressed), (7, "i64", self.position - offset),
            (9, "i64", offset), (12, "struct", statistics)])
        return thrift.struct([(2, "i64", offset), (3, "struct", metadata)])

    def close(self, header: Mapping[str, Any], rows: int) -> None:
        """The footer: FileMetaData, its length, the magic."""
        exported = json.dumps(header, ensure_ascii=False)
        arrow = arrow_schema([_arrow_field(f) for f in self.fields], {"ocpispec": exported})
        key_values = [thrift.struct([(1, "binary", key), (2, "binary", value)])
                      for key, value in (("ocpispec", exported), ("ARROW:schema", arrow))]
        footer = thrift.struct([
            (1, "i32", 2), (2, ("list", "struct"), _schema(self.fields)), (3, "i64", rows),
            (4, ("list", "struct"), self.groups), (5, ("list", "struct"), key_values),
            (6, "binary", CREATED_BY)])
        self._write(footer + struct.pack("<I", len(footer)) + _MAGIC)


def _leaves(typed: TypedField) -> list[_Leaf]:
    if typed.type == "geopoint":
        return [_Leaf((typed.name, part), DOUBLE, 2) for part in ("latitude", "longitude")]
    return [_Leaf((typed.name,), _PHYSICAL.get(_stored(typed), BYTE_ARRAY), 1)]


def _stored(typed: TypedField) -> str:
    """The type a column is stored as: a coordinate the platform sent as decimal text is
    a number (a double, whose shortest form is the platform's digits)."""
    return "number" if typed.decimal_text else typed.type


_PHYSICAL = {"datetime": INT64, "number": DOUBLE, "integer": INT64, "boolean": BOOLEAN}


def _schema(fields: Sequence[TypedField]) -> list[bytes]:
    """SchemaElements, depth first: the root, then each column (a geopoint: a group
    and its two members)."""
    elements = [thrift.struct([(4, "binary", "schema"), (5, "i32", len(fields))])]
    for typed in fields:
        if typed.type == "geopoint":
            elements.append(thrift.struct([(3, "i32", _OPTIONAL), (4, "binary", typed.name),
                                           (5, "i32", 2)]))
            elements += [_element(part, "number") for part in ("latitude", "longitude")]
        else:
            elements.append(_element(typed.name, _stored(typed)))
    return elements


def _element(name: str, kind: str) -> bytes:
    converted = logical = None
    if kind == "datetime":
        micros = thrift.union(2, thrift.struct([]))
        timestamp = thrift.struct([(1, "bool", True), (2, "struct", micros)])
        converted, logical = _TIMESTAMP_MICROS, thrift.union(8, timestamp)
    elif kind not in _PHYSICAL:
        converted, logical = _UTF8, thrift.union(1, thrift.struct([]))
    return thrift.struct([(1, "i32", _PHYSICAL.get(kind, BYTE_ARRAY)), (3, "i32", _OPTIONAL),
                          (4, "binary", name), (6, "i32", converted), (10, "struct", logical)])


def _arrow_field(typed: TypedField) -> ArrowField:
    metadata = {"description": typed.description, "treatment": typed.treatment,
                "sources": ", ".join(typed.sources), "released_as": typed.released_as}
    if typed.pseudonym:
        metadata["format"] = f"{PSEUDONYM_LENGTH} lowercase hex characters"
    return ArrowField(typed.name, _stored(typed), metadata, typed.zone or "UTC")


def _convert(kind: str, values: list[Any]) -> list[Any]:
    match kind:
        case "datetime":
            return [_micros(value) for value in values]
        case "integer":
            return [_integer(value) for value in values]
        case "number":
            return [_number(value) for value in values]
        case "decimal":
            return [_decimal(value) for value in values]
        case "boolean":
            return [_boolean(value) for value in values]
        case "geopoint":
            return [_point(value) for value in values]
    return [_text(value) for value in values]


def _micros(value: Any) -> int | None:
    """Microseconds since 1970 UTC of an ISO 8601 timestamp (without a zone: UTC)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def _integer(value: Any) -> int | None:
    if value is None or value.__class__ is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int):
        raise TypeError("not an integer")
    return int(value)


def _number(value: Any) -> float | None:
    if value is None or value.__class__ is float:
        return value
    if not isinstance(value, int | float):
        raise TypeError("not a number")
    return float(value)


def _decimal(value: Any) -> float | None:
    """A number the platform sent as decimal text (a coordinate, `"52.090600"`); the
    number itself where a platform sent one."""
    if value is None or value.__class__ is not str:
        return _number(value)
    if not _DECIMAL.fullmatch(value.strip()):
        raise TypeError("not a number")
    return float(value)


def _boolean(value: Any) -> bool | None:
    if value is None or value is True or value is False:
        return value
    raise TypeError("not a boolean")


def _text(value: Any) -> str | None:
    return value if value is None or value.__class__ is str else cell(value)


def _point(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    return float(value["latitude"]), float(value["longitude"])
