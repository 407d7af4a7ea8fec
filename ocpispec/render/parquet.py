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
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ocpispec.formats.fields import PSEUDONYM_LENGTH, TypedField
from ocpispec.render.values import cell

ROW_GROUP_ROWS = 65_536
BATCH_ROWS = 4_096


class ParquetError(Exception):
    """A value of a column does not fit its declared type (the message names the
    column and the type, never the value)."""


def available() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def write_parquet(rows: Iterable[Mapping[str, Any]], fields: Sequence[TypedField],
                  sink: Any, header: Mapping[str, Any], *,
                  row_group_rows: int = ROW_GROUP_ROWS) -> int:
    """Write `rows` to the binary file-like `sink`; returns the row count. Rows are
    turned into Arrow batches of `BATCH_ROWS` (compact, unlike Python objects) and a row
    group is written whenever `row_group_rows` of them are pending."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([_field(pa, field) for field in fields],
                       metadata={"ocpispec": json.dumps(header, ensure_ascii=False)})
    names = [field.name for field in fields]
    columns: list[list[Any]] = [[] for _ in fields]
    appends = [column.append for column in columns]
    batch_rows = min(BATCH_ROWS, row_group_rows)
    pending: list[Any] = []
    written = 0
    with pq.ParquetWriter(sink, schema, compression="snappy") as writer:
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
    return written


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
                return pa.array(values, pa.string()).cast(arrow_type)
            case "integer":
                return pa.array(values).cast(arrow_type) if values else pa.array([], arrow_type)
            case "geopoint":
                return pa.array([_point(value) for value in values], arrow_type)
            case "string" | "any":
                return pa.array([_text(value) for value in values], arrow_type)
        return pa.array(values, arrow_type)
    except (pa.ArrowException, TypeError, ValueError, KeyError) as exc:
        raise ParquetError(f"a value of column `{field.name}` is not {_article(field.type)} "
                           f"({type(exc).__name__})") from None


def _text(value: Any) -> str | None:
    return value if value is None or value.__class__ is str else cell(value)


def _point(value: Any) -> dict[str, float] | None:
    if value is None:
        return None
    return {"latitude": float(value["latitude"]), "longitude": float(value["longitude"])}



def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
