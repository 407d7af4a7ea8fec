"""The formats that are not jinja2 text: Parquet and XLSX written into an output's
HashingFile (or stdout), what each needs installed, and what the manifest and the data
package say about how a file is written."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from ocpispec.plan import ir
from ocpispec.execute.client import RunError
from ocpispec.execute.policy import NOTHING_COMMITTED
from ocpispec.execute.outputs import (
    BinarySink,
    HashingFile,
    Target,
    compression_of,
    zstd_available,
)
from ocpispec.formats.datapackage import data_package
from ocpispec.formats.fields import typed_fields
from ocpispec.formats.units import column_unit, measure_unit
from ocpispec.render.values import is_geo
from ocpispec.generated_code import code_of


def require_libraries(render: ir.Render, target: Target) -> None:
    """Before the network: the libraries an output needs are installed (OCX594; Parquet
    needs none since ocpispec writes it itself, so OCX591 is no longer raised)."""
    if compression_of(target) == "zstd" and not zstd_available():
        raise RunError.of("OCX594", "zstd compression needs zstandard, which is not "
                          "installed", render.origin, "output",
                          help="install it with `pip install 'ocpispec[zstd]'`, or end "
                               "the file name in `.gz`")


def numeric_points(rows: Iterable[dict], dataset: ir.Dataset) -> Iterable[dict]:
    """The rows with every coordinates column as a point of two numbers, or null: OCPI
    sends latitude and longitude as text (`"52.090737"`), so a column kept as is would
    hold text where a `grid` or `round_coords` column of the same type holds numbers,
    and JSON readers would give the consumer strings. A point the platform sent with one
    part missing or no number (read as null) is no point: released half, it was text in
    JSON, stopped a GeoJSON output and failed a Parquet one; it is null, as a missing
    point is. A row a worker rendered (a tuple, `DatasetOutput.rendered_beside`) was
    made so there."""
    points = point_maker(dataset)
    if points is None:
        return rows
    return (row if row.__class__ is tuple else points(row) for row in rows)


def point_maker(dataset: ir.Dataset) -> Callable[[dict], dict] | None:
    """What `numeric_points` does to one row, or None where no column is a point."""
    names = tuple(f.name for f in typed_fields(dataset) if f.type == "geopoint")
    if not names:
        return None
    return lambda row: _with_numeric_points(row, names)


def _with_numeric_points(row: dict, names: tuple[str, ...]) -> dict:
    points = {name: _numeric_point(value) for name in names
              if (value := row.get(name)) is not None and not _is_numeric_point(value)}
    return row | points if points else row


def _is_numeric_point(value: Any) -> bool:
    return is_geo(value) and all(
        value[k].__class__ in (float, int) and math.isfinite(value[k])
        for k in ("latitude", "longitude"))


def _numeric_point(value: Any) -> dict[str, float] | None:
    """`{"latitude": 52.09, "longitude": 5.12}` for coordinates given as text; None for
    anything that is not a whole point of finite numbers."""
    if not is_geo(value):
        return None
    try:
        latitude, longitude = float(value["latitude"]), float(value["longitude"])
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    return {"latitude": latitude, "longitude": longitude}


def empty_texts_as_null(rows: Iterable[dict], dataset: ir.Dataset) -> Iterable[dict]:
    """The rows with a text the platform sent empty (`""`, a common stand-in for no
    value) as null, for the formats that could tell the two apart. CSV and XLSX cannot
    (an empty cell), and the data package declares `""` the missing value of every
    format: NDJSON, JSON, GeoJSON and Parquet wrote `""`, so one dataset loaded as an
    empty text from Parquet and as missing from CSV."""
    names = tuple(f.name for f in typed_fields(dataset) if f.type in ("string", "any"))
    if not names:
        return rows
    return (_without_empty_texts(row, names) for row in rows)


def _without_empty_texts(row: dict, names: tuple[str, ...]) -> dict:
    empty = [name for name in names if row.get(name) == ""]
    return row | dict.fromkeys(empty) if empty else row


# the largest whole number every output holds exactly: JavaScript, pandas' read_json
# (with a null in the column) and Excel keep ±(2**53 - 1), as the schema reads them
LARGEST_WHOLE = 2 ** 53 - 1


def numbers_in_range(rows: Iterable[dict], dataset: ir.Dataset,
                     render: ir.Render) -> Iterable[dict]:
    """The rows, stopping the run (OCX568, naming the column) at a computed number no
    output holds: a sum, product or average of the platform's values that overflowed a
    double (infinity, which JSON cannot write, Excel shows as an empty cell and CSV as
    `inf`), or a rounded whole number beyond ±(2**53 - 1) (Parquet's INT64 refused it,
    JSON readers round it). The platform's own numbers are within range (the schema
    reads wider ones as null); only arithmetic on them leaves it. A row a worker
    rendered (a tuple, `DatasetOutput.rendered_beside`) passed the same check there."""
    beyond = range_check(dataset)
    if beyond is None:
        return rows
    return _checked_numbers(rows, beyond, render)


def number_columns(dataset: ir.Dataset) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The columns typed `number` and those typed `integer`, whose values `range_check`
    tests."""
    fields = typed_fields(dataset)
    return (tuple(f.name for f in fields if f.type == "number"),
            tuple(f.name for f in fields if f.type == "integer"))


def range_check(dataset: ir.Dataset) -> Callable[[dict], str | None] | None:
    """The first column of a row holding a number beyond range, or None; None where no
    column is a number."""
    doubles, wholes = number_columns(dataset)
    if not doubles and not wholes:
        return None
    # one straight-line test per column (a worker runs it on every row it renders):
    # a float is inf or nan when `v - v != 0`; a whole beyond +-LARGEST_WHOLE
    lines = ["def beyond(row):", "    get = row.get"]
    for name in doubles:
        lines += [f"    if (v := get({name!r})).__class__ is float and v - v != 0:",
                  f"        return {name!r}"]
    for name in wholes:
        lines += [f"    if (v := get({name!r})).__class__ is int and not -LARGEST <= v <= LARGEST:",
                  f"        return {name!r}"]
    env: dict[str, Any] = {"LARGEST": LARGEST_WHOLE}
    exec(code_of("\n".join([*lines, "    return None", ""]), kept=False), env)  # noqa: S102 - names through repr
    return env["beyond"]  # type: ignore[no-any-return]


def _checked_numbers(rows: Iterable[dict], beyond: Callable[[dict], str | None],
                     render: ir.Render) -> Iterator[dict]:
    for row in rows:
        if row.__class__ is not tuple and (name := beyond(row)) is not None:
            raise _out_of_range(name, render)
        yield row


def _out_of_range(name: str, render: ir.Render) -> RunError:
    return RunError.of(
        "OCX568", f"column `{name}` computed a number beyond what an output can hold",
        render.origin, "output",
        notes=("a sum, product, average or rounding of the platform's values overflowed: a "
               "number holds at most about 1.8e308, and JSON readers, Excel and Parquet "
               "hold whole numbers exactly up to 2^53 - 1", NOTHING_COMMITTED),
        help="find the platform's outsized values (`ocpispec get`) and leave them out "
             "with `where` (e.g. `where kwh < 100000`), or compute in larger units")


class ShownOnTerminal:
    """stdout on a terminal, for a text output: a platform's escape sequences, direction
    controls and invisible characters in a CSV cell (a location named `\\x1b]52;...`
    would write the clipboard) show as their code points (`<U+001B>`). A pipe or a
    file gets the text as sent."""

    def __init__(self, stream: Any) -> None:
        from ocpispec.render.values import shown_text

        self.stream, self.shown = stream, shown_text

    def write(self, text: str) -> int:
        return self.stream.write(self.shown(text))

    def flush(self) -> None:
        self.stream.flush()


def text_stdout(held: Any) -> Any:
    """stdout for a text output, held until the run has judged what it read
    (`stdout_sink.HeldStdout`): as it is, or `ShownOnTerminal` on a terminal."""
    from ocpispec.stdout_sink import stdout_text

    out = stdout_text(held)
    return ShownOnTerminal(out) if sys.stdout.isatty() else out


def open_binary(target: Target, held: Any = None) -> tuple[HashingFile | None, Any]:
    """The output file (None for stdout) and the binary sink to write into (for
    stdout, `held`: `stdout_sink.HeldStdout`)."""
    if target.path is None:
        return None, held
    file = HashingFile(target.path)
    return file, BinarySink(file)


def write_xlsx(rows: Iterable[dict], dataset: ir.Dataset, render: ir.Render, sink: Any,
               about: Sequence[tuple[str, str]] = ()) -> int:
    from ocpispec.render.xlsx import XlsxError
    from ocpispec.render.xlsx import write_xlsx as write
    from ocpispec.render.xlsx_sheets import SheetSpaceError

    try:
        return write(rows, typed_fields(dataset), sink, dataset.name, about)
    except SheetSpaceError as exc:  # the temporary directory's disk, not the output's
        from ocpispec.execute.scratch_space import scratch_failed

        raise scratch_failed(exc.reason) from None
    except XlsxError as exc:
        raise RunError.of("OCX593", str(exc), render.origin, "XLSX output",
                          help=exc.help or "split the export (e.g. a shorter window or "
                                           "`{run.date}` per day), or write `csv` or "
                                           "`parquet`") from None


def write_parquet(rows: Iterable[dict], plan: ir.Plan, dataset: ir.Dataset, render: ir.Render,
                  sink: Any, export: dict[str, Any], version: str) -> int:
    from ocpispec.render.parquet import ParquetError
    from ocpispec.render.parquet import write_parquet as write

    header = {"export": export, "dataset": dataset.name,
              "plan_fingerprint": plan.fingerprint, "ocpi_version": version}
    try:
        return write(rows, typed_fields(dataset), sink, header)
    except ParquetError as exc:
        raise RunError.of("OCX592", str(exc), render.origin, "Parquet output",
                          help="this is a bug in ocpispec's column types; write `csv` "
                               "until it is fixed, and please report it") from None


def encoding(render: ir.Render, target: Target, file: HashingFile | None) -> dict[str, Any]:
    """How the file is written: the delivered size (compressed or not, so a consumer
    can check the file they received), the compression and the CSV dialect when they
    differ from the plain default (so a consumer can read it)."""
    extra: dict[str, Any] = {}
    if file is not None and (compression := compression_of(target)):
        extra["compression"] = compression
    if file is not None:
        extra["bytes"] = file.delivered.size
    if render.dialect is not None:
        dialect = render.dialect
        extra["dialect"] = {"name": dialect.name, "delimiter": dialect.delimiter,
                            "decimal": dialect.decimal, "bom": dialect.bom,
                            "quote": dialect.quote, "lines": dialect.lines}
    return extra


def package_of(plan: ir.Plan, dataset: ir.Dataset, render: ir.Render, target: Target,
               export: dict[str, Any], now: datetime,
               file: HashingFile | None = None) -> dict[str, Any]:
    """The data package delivered beside the output (`formats.datapackage`); `file`,
    finished, gives the size and sha256 of the bytes delivered."""
    aggregate = dataset.step(ir.Aggregate)
    columns = aggregate.keys if aggregate is not None else dataset.columns
    units = {column.name: column_unit(column) for column in columns}
    if aggregate is not None:
        units |= {m.name: measure_unit(m) for m in aggregate.measures}
    return data_package(
        file=target.path.name if target.path else "", fmt=render.format,
        fields=typed_fields(dataset), dataset=dataset.name, export=export,
        dialect=render.dialect, compression=compression_of(target),
        created=now.strftime("%Y-%m-%dT%H:%M:%SZ"), fingerprint=plan.fingerprint,
        units=units, delivered=None if file is None else (
            file.delivered.size, file.sha256.hexdigest()))
