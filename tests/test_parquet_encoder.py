"""ocpispec's own Parquet encoder against pyarrow's writer: for random rows of every
column type (missing values, unicode, empty strings, extreme numbers and timestamps,
several pages and row groups), pyarrow and pandas read back from our file exactly what
they read from the file pyarrow writes for the same rows, with the same schema and
field metadata."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocpispec.formats.fields import TypedField
from ocpispec.render import parquet
from ocpispec.render.values import cell

KINDS = ("datetime", "number", "integer", "boolean", "string", "geopoint", "any")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ZONES = st.sampled_from([None, UTC, timezone(timedelta(hours=5, minutes=30)),
                         timezone(-timedelta(hours=11))])
FLOATS = st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0, 5e-324, 1.7976931348623157e308])
VALUES = {
    "datetime": st.datetimes(timezones=ZONES).map(lambda moment: moment.isoformat()),
    "number": FLOATS | st.integers(-2**53, 2**53),
    "integer": st.integers(-2**63, 2**63 - 1),
    "boolean": st.booleans(),
    "string": st.text(max_size=40),
    "geopoint": st.fixed_dictionaries({"latitude": FLOATS, "longitude": FLOATS}),
    "any": st.one_of(st.text(max_size=10), st.integers(), st.lists(st.integers(), max_size=3),
                     st.dictionaries(st.text(max_size=3), st.booleans(), max_size=2)),
}


def field(name: str, kind: str) -> TypedField:
    return TypedField(name, kind, f"the {kind}, ünïcode", "kept", ("a", "b"), "public")


def ours(rows, fields, **options) -> bytes:
    sink = io.BytesIO()
    assert parquet.write_parquet(rows, fields, sink, {"export": "x", "ü": 1}, **options) \
        == len(rows)
    return sink.getvalue()


def reference(rows, fields) -> bytes:
    """What pyarrow's own writer makes of the same rows and types."""
    types = {"datetime": pa.timestamp("us", tz="UTC"), "number": pa.float64(),
             "integer": pa.int64(), "boolean": pa.bool_(), "string": pa.string(),
             "any": pa.string(),
             "geopoint": pa.struct([("latitude", pa.float64()), ("longitude", pa.float64())])}
    schema = pa.schema([pa.field(f.name, types[f.type], metadata={
        "description": f.description, "treatment": f.treatment,
        "sources": ", ".join(f.sources), "released_as": f.released_as}) for f in fields],
        metadata={"ocpispec": json.dumps({"export": "x", "ü": 1}, ensure_ascii=False)})
    columns = [[convert(f.type, row.get(f.name)) for row in rows] for f in fields]
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_arrays([pa.array(c, types[f.type]) for f, c in
                                         zip(fields, columns)], schema=schema), sink)
    return sink.getvalue()


def convert(kind, value):
    if value is None:
        return None
    match kind:
        case "datetime":
            moment = datetime.fromisoformat(value)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return (moment - EPOCH) // timedelta(microseconds=1)
        case "number":
            return float(value)
        case "any":
            return cell(value)
    return value


def same_reading(ours_bytes: bytes, reference_bytes: bytes) -> None:
    mine, theirs = pq.read_table(io.BytesIO(ours_bytes)), pq.read_table(io.BytesIO(reference_bytes))
    assert mine.schema.equals(theirs.schema, check_metadata=True)
    assert mine.to_pylist() == theirs.to_pylist()
    assert mine.equals(theirs)
    pd.testing.assert_frame_equal(
        pd.read_parquet(io.BytesIO(ours_bytes), dtype_backend="numpy_nullable"),
        pd.read_parquet(io.BytesIO(reference_bytes), dtype_backend="numpy_nullable"))


@st.composite
def tables(draw):
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5))
    fields = [field(f"c{i}_{kind}", kind) for i, kind in enumerate(kinds)]
    row = st.fixed_dictionaries({f.name: st.none() | VALUES[f.type] for f in fields})
    return fields, draw(st.lists(row, max_size=40))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), group=st.integers(1, 17), page=st.integers(1, 9),
       compression=st.sampled_from(["gzip", "zstd", "none"]))
def test_readers_see_what_pyarrow_wrote(table, group, page, compression) -> None:
    fields, rows = table
    written = ours(rows, fields, row_group_rows=group, page_rows=page, compression=compression)
    same_reading(written, reference(rows, fields))
    file = pq.ParquetFile(io.BytesIO(written))
    assert file.metadata.num_row_groups == -(-len(rows) // group)
    assert file.metadata.num_rows == len(rows)


def test_every_type_missing_and_present_across_row_groups() -> None:
    """70,000 rows: two row groups of the default size, many pages, columns that are
    always present, never present, or alternate (bit-packed definition levels)."""
    fields = [field(f"c_{kind}", kind) for kind in KINDS] + [field("empty", "integer")]
    samples = {"datetime": "2026-03-29T01:59:59.999999+00:00", "number": -1e-300,
               "integer": -2**63, "boolean": False, "string": "ß€😀",
               "geopoint": {"latitude": 90.0, "longitude": -180.0}, "any": [1]}
    rows = [{**{f"c_{kind}": value if i % 3 else None for kind, value in samples.items()},
             "c_integer": i} for i in range(70_000)]
    written = ours(rows, fields)
    assert pq.ParquetFile(io.BytesIO(written)).metadata.num_row_groups == 2
    same_reading(written, reference(rows, fields))
    chunk = pq.ParquetFile(io.BytesIO(written)).metadata.row_group(0).column(0)
    assert chunk.compression == "GZIP" and chunk.statistics.null_count == 21_846


def test_the_same_rows_give_the_same_bytes() -> None:
    fields = [field("at", "datetime"), field("s", "string")]
    rows = [{"at": f"2026-01-01T{h:02d}:00:00Z", "s": str(h)} for h in range(24)]
    assert ours(rows, fields) == ours(list(rows), fields)


def test_the_logical_types_other_readers_see() -> None:
    fields = [field(f"c_{kind}", kind) for kind in KINDS]
    schema = pq.ParquetFile(io.BytesIO(ours([], fields))).schema
    logical = {schema.column(i).path: str(schema.column(i).logical_type)
               for i in range(len(schema))}
    assert logical["c_datetime"].startswith("Timestamp(isAdjustedToUTC=true, timeUnit=micro")
    assert logical["c_string"] == logical["c_any"] == "String"
    assert {schema.column(i).path for i in range(len(schema))} >= {
        "c_geopoint.latitude", "c_geopoint.longitude"}


@pytest.mark.parametrize(("kind", "value"), [
    ("string", "bad \ud800 surrogate"), ("integer", 2**64), ("integer", "12"),
    ("number", "1.5"), ("boolean", 1), ("datetime", "yesterday-ish"),
    ("geopoint", {"latitude": 1.0})])
def test_a_value_that_does_not_fit_names_the_column_never_the_value(kind, value) -> None:
    with pytest.raises(parquet.ParquetError) as caught:
        ours([{"secret_col": value}], [field("secret_col", kind)])
    message = str(caught.value)
    assert "`secret_col`" in message and kind in message
    assert str(value) not in message and "surrogate" not in message
