"""Parquet output with pyarrow: typed columns, one row group per block of rows as they
stream, so memory stays flat however many rows a run writes.

Types (`formats.fields.TypedField.type`): `datetime` -> timestamp[us, UTC]; `number`
-> float64 (OCPI sends money and energy as JSON numbers, so a decimal type would only
pretend to a precision the source does not have, and pandas reads float64 natively);
`integer` -> int64; `boolean` -> bool; `string` -> string (pseudonyms: 32 lowercase hex
characters, said in the column metadata); `geopoint` -> struct<latitude, longitude:
float64>; `any` (a `jmespath(...)` column) -> its text as the CSV cell holds it.
Every column's metadata carries its description, treatment, sources and released
class; the file's metadata carries the export header under `ocpispec`.

pyarrow is an optional extra (`pip install 'ocpispec[parquet]'`); `available()` says
whether it is installed. Conversion errors name the column, never a value.

Memory (issue 11; docs/outputs.md#memory): pyarrow's fixed cost dominates, so the writer
keeps it small. It loads only the Parquet writer (`pyarrow._parquet`, not
`pyarrow.parquet`, which also loads the S3 filesystem and OpenSSL: ~8 MB), converts
timestamps and integers in Python instead of with Arrow's compute casts (the kernel
registry costs ~10 MB), and, unless ARROW_DEFAULT_MEMORY_POOL says otherwise, has Arrow
allocate with the system allocator (jemalloc holds ~15 MB of arenas for this workload).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from datetime import UTC, datetime, timedelta

from ocpispec.formats.fields import PSEUDONYM_LENGTH, TypedField
from ocpispec.render.values import cell

ROW_GROUP_ROWS = 65_536
BATCH_ROWS = 4_096


class ParquetError(Exception):
    """A value of a column does not fit its declared type (the message names the
    column and the type, never the value)."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def available() -> bool:
    try:
        _pyarrow()
    except ImportError:
        return False
    return True


def _pyarrow() -> tuple[Any, Any]:
    """pyarrow and its Parquet writer class, with as little of the library as that needs."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    import pyarrow as pa

    try:
        from pyarrow._parquet import ParquetWriter  # the writer alone
    except ImportError:  # a pyarrow that moved it: the public module
        from pyarrow.parquet import ParquetWriter
    return pa, ParquetWriter


def write_parquet(rows: Iterable[Mapping[str, Any]], fields: Sequence[TypedField],
                  sink: Any, header: Mapping[str, Any], *,
                  row_group_rows: int = ROW_GROUP_ROWS) -> int:
    """Write `rows` to the binary file-like `sink`; returns the row count. Rows are
    turned into Arrow batches of `BATCH_ROWS` (compact, unlike Python objects) and a row
    group is written whenever `row_group_rows` of them are pending."""
    pa, parquet_writer = _pyarrow()
    schema = pa.schema([_field(pa, field) for field in fields],
                       metadata={"ocpispec": json.dumps(header, ensure_ascii=False)})
    names = [field.name for field in fields]
    columns: list[list[Any]] = [[] for _ in fields]
    appends = [column.append for column in columns]
    batch_rows = min(BATCH_ROWS, row_group_rows)
    pending: list[Any] = []
    written = 0
    writer = _open(parquet_writer, sink, schema)
    try:
        for row in rows:
            for append, value in zip(appends, map(row.get, names)):
                append(value)
            written += 1
            if len(columns[0]) == batch_rows:
                pending.append(_batch(pa, schema, fields, columns))
                if sum(batch.num_rows for batch in pending) >= row_group_rows:
                    _write_group(pa, writer, pending, row_group_rows)
        if columns[0]:
            pending.append(_batch(pa, schema, fields, columns))
        if pending:
            _write_group(pa, writer, pending, row_group_rows)
    finally:
        writer.close()
    return written


_OPTIONS = {"compression": "snappy", "version": "2.6", "use_dictionary": True,
            "write_statistics": True, "writer_engine_version": "V2",
            "data_page_version": "1.0", "use_compliant_nested_type": True,
            "store_schema": True}  # what pyarrow.parquet.ParquetWriter passes by default


def _open(parquet_writer: Any, sink: Any, schema: Any) -> Any:
    try:
        return parquet_writer(sink, schema, **_OPTIONS)
    except (TypeError, ValueError):  # the private writer's arguments changed
        from pyarrow.parquet import ParquetWriter

        return ParquetWriter(sink, schema, compression="snappy")


def _batch(pa: Any, schema: Any, fields: Sequence[TypedField], columns: list[list[Any]]) -> Any:
    arrays = [_array(pa, field, values, schema.field(field.name).type)
              for field, values in zip(fields, columns)]
    for column in columns:
        column.clear()
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _write_group(pa: Any, writer: Any, pending: list[Any], row_group_rows: int) -> None:
    writer.write_table(pa.Table.from_batches(pending), row_group_size=row_group_rows)
    pending.clear()


def _field(pa: Any, field: TypedField) -> Any:
    metadata = {"description": field.description, "treatment": field.treatment,
                "sources": ", ".join(field.sources), "released_as": field.released_as}
    if field.pseudonym:
        metadata["format"] = f"{PSEUDONYM_LENGTH} lowercase hex characters"
    return pa.field(field.name, _arrow_type(pa, field.type), nullable=True, metadata=metadata)


def _arrow_type(pa: Any, kind: str) -> Any:
    match kind:
        case "datetime":
            return pa.timestamp("us", tz="UTC")
        case "number":
            return pa.float64()
        case "integer":
            return pa.int64()
        case "boolean":
            return pa.bool_()
        case "geopoint":
            return pa.struct([("latitude", pa.float64()), ("longitude", pa.float64())])
    return pa.string()


def _array(pa: Any, field: TypedField, values: list[Any], arrow_type: Any) -> Any:
    try:
        match field.type:
            case "datetime":
                return pa.array([_micros(value) for value in values], arrow_type)
            case "integer":
                return pa.array([_integer(value) for value in values], arrow_type)
            case "geopoint":
                return pa.array([_point(value) for value in values], arrow_type)
            case "string" | "any":
                return pa.array([_text(value) for value in values], arrow_type)
        return pa.array(values, arrow_type)
    except (pa.ArrowException, TypeError, ValueError, KeyError) as exc:
        raise ParquetError(f"a value of column `{field.name}` is not {_article(field.type)} "
                           f"({type(exc).__name__})") from None


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


def _text(value: Any) -> str | None:
    return value if value is None or value.__class__ is str else cell(value)


def _point(value: Any) -> dict[str, float] | None:
    if value is None:
        return None
    return {"latitude": float(value["latitude"]), "longitude": float(value["longitude"])}



def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
