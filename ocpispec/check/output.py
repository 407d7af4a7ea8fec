"""Output clauses: format, template, destination pattern, coordinates columns, and
destinations shared by two datasets."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ocpispec.language import syntax
from ocpispec.check.checked import CheckedColumn
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.check.destination import (check_dialect, check_file_destination,
                                         suggested_extension)
from ocpispec import formats
from ocpispec.formats import dialects
from ocpispec.diagnostics import Diagnostic, Label, Severity, error, warning
from ocpispec.frozen import frozen

FORMATS = ("csv", "ndjson", "json", "geojson", "markdown", "html", "parquet", "xlsx",
           "template")
PLACEHOLDERS = ("run.date", "run.time", "run.timestamp", "export", "dataset",
                "window.start", "window.end")
_TABULAR = frozenset({"csv", "markdown", "html", "xlsx"})
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# what a date written as a shell, strftime, Jinja or a naming convention writes it has
_FOREIGN_HINT = re.compile(r"[%$`]|\{\{|(?i:yy|dd)")


_EXCEL = ("for Excel, write `xlsx` (a workbook with typed cells), or `csv excel-nl` "
          "(`excel-de`, `excel-en`) for a CSV file Excel opens")
_JSON_LINES = "for one JSON object per line, write `ndjson`"
_GIS = ("for a GIS, write `geojson`, which QGIS, ArcGIS, geopandas and R's sf read as a "
        "layer of points (from one coordinates column)")
# a text format of the consumer's own: a template (docs: Output) writes it, escaped
_OWN_TEXT = ("for {name}, write `template \"rows.{ext}.j2\"`, a Jinja template of your own "
             "beside the spec, which sees `rows` and `columns` and escapes what it prints")
_COLUMNAR = ("for a typed table that pandas, R (arrow), DuckDB and Spark read, write "
             "`parquet`")
# the text formats a template writes, by the name a spec gives them (`output xml`)
_OWN_TEXTS = {"xml": "XML", "txt": "plain text", "text": "plain text", "yaml": "YAML",
              "yml": "YAML"}
_OWN_EXTENSIONS = {"text": "txt", "yml": "yaml"}
# formats named after the tool or the extension they are known by
_MEANT = {"xlsx": _EXCEL, "excel": _EXCEL, "xls": _EXCEL, "spreadsheet": _EXCEL,
          "jsonl": _JSON_LINES, "jsonlines": _JSON_LINES,
          "tsv": "for tab-separated values, write `csv tab-separated`",
          "md": "did you mean `markdown`?", "jinja": "did you mean `template`?",
          **dict.fromkeys(("shapefile", "shp", "kml", "kmz", "gpkg", "geopackage", "gml",
                           "wkt", "gis", "map", "geo", "topojson"), _GIS),
          **dict.fromkeys(("feather", "arrow", "ipc", "orc", "avro", "rds", "rdata", "pickle",
                           "pkl", "dta", "stata", "sav", "spss", "sas", "sqlite", "duckdb",
                           "hdf5", "h5"), _COLUMNAR),
          **{name: _OWN_TEXT.format(name=what, ext=_OWN_EXTENSIONS.get(name, name))
             for name, what in _OWN_TEXTS.items()}}


def check_output(output: syntax.Output, columns: Sequence[CheckedColumn],
                 ctx: Context, places: Places | None = None,
                 where: syntax.Condition | None = None,
                 written: Sequence[str] | None = None
                 ) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Check one output clause; return its output name (pattern or `stdout`) and the
    (path, sha256) of every template file it renders with. `places` says where the
    dataset's coordinates are, for the help of a GeoJSON output without them (None:
    a column failed its check, and may have been the coordinates); `written`, the
    column names as written when a column failed its check (a template may read it)."""
    fmt = output.format.name
    templates: tuple[tuple[str, str], ...] = ()
    if fmt not in FORMATS:
        guess = did_you_mean(fmt, FORMATS)
        meant = _MEANT.get(fmt.lower()) or (_MEANT["xlsx"] if guess == "xlsx" else None)
        if output.template is not None and fmt.lower() in _OWN_TEXTS:
            # `output xml "feed.xml.j2"`: the template is named already; the pasted
            # `template "rows.xml.j2"` made it two
            meant = (f"write `template`; the template `{output.template.value}` after it "
                     f"then writes the {_OWN_TEXTS[fmt.lower()]}")
        ctx.emit(error("OCX401", f"unknown output format `{fmt}`", output.format.span,
                       "not a format", notes=[f"formats are {backticked(FORMATS)}"],
                       help=meant or (f"did you mean `{guess}`?" if guess else
                                      "write one of the formats")))
    elif fmt == "template":
        templates = _check_template(output, written or [c.name for c in columns], ctx)
    elif output.template is not None:
        ctx.emit(error("OCX403", f"`{fmt}` output takes no template", output.template.span,
                       "template given here", notes=["only `output template \"FILE\"` renders "
                                                     "a template of your own"],
                       help=f"remove the file name, or write `output template "
                            f"\"{output.template.value}\" to ...`"))
    _check_coordinates(output, fmt, columns, ctx, places)
    if fmt == "geojson":
        from ocpispec.check.feature_names import check_property_names

        check_property_names([c for c in columns if not _is_geo(c)], ctx)
    if output.destination is not None:
        _check_destination(output.destination, fmt, ctx)
    if fmt in FORMATS:
        check_file_destination(output, ctx)
        check_dialect(output, ctx)
    if fmt == "csv":
        _check_excel_dates(output, columns, ctx, where)
    return (output.destination.value if output.destination else "stdout"), templates


def _check_template(output: syntax.Output, names: Sequence[str],
                    ctx: Context) -> tuple[tuple[str, str], ...]:
    if output.template is None:
        ctx.emit(error("OCX402", "`template` output needs a template file", output.format.span,
                       "which template?",
                       help='name it after the format: `output template '
                            '"templates/report.md.j2" to "exports/report.md"`'))
        return ()
    from ocpispec.check.templates import check_templates

    return check_templates(output.template, names, ctx)


@frozen
class Places:
    """Where a dataset's records have coordinates: the paths of its bindings that
    reach a coordinates field (`location.coordinates`), whether it groups, and the
    join that would bring a site's (`join locations on location_id`)."""

    paths: tuple[str, ...]
    aggregate: bool
    join: str | None = None


def _check_coordinates(output: syntax.Output, fmt: str, columns, ctx: Context,
                       places: Places | None) -> None:
    geo = [c for c in columns if _is_geo(c)]
    if fmt == "geojson" and not geo and places is None:
        return  # a column failed its own check: it may be the coordinates meant
    if fmt == "geojson" and len(geo) != 1:
        found = "none" if not geo else backticked(c.name for c in geo)
        parts = [] if geo else _point_parts(columns)
        labels = [Label(output.format.span, "GeoJSON output")]
        labels += [Label(c.column.span, "coordinates column", False) for c in geo]
        labels += [Label(c.column.span, "a part of the point, as text", False)
                   for c in parts]
        ctx.emit(Diagnostic("OCX406", Severity.ERROR, "`geojson` output needs exactly one "
                            f"coordinates column, found {found}", tuple(labels),
                            notes=["the coordinates column becomes each feature's point; the "
                                   "other columns its properties"],
                            help=_parts_help(parts) if parts else _geo_help(places) if not geo
                            else "keep one of them, or write each to a file of its own"))
    elif fmt in _TABULAR:
        for column in geo:
            ctx.emit(error("OCX411", f"`{fmt}` cannot hold the coordinates column "
                           f"`{column.name}`", column.column.span, "coordinates are a pair",
                           help=_pair_help(column)))


def _point_parts(columns) -> list[CheckedColumn]:
    """The columns that release a point's `latitude` or `longitude` alone, as a CSV has
    them (`coordinates.latitude as lat`)."""
    from ocpispec.check.values import GEO_OBJECTS

    return [column for column in columns if isinstance(column.column.expr, syntax.FieldRef)
            and len(column.sources) == 1 and not column.sources[0].many
            and column.sources[0].path[-1:] in (("latitude",), ("longitude",))
            and column.sources[0].field.object not in GEO_OBJECTS
            and column.sources[0].qualified.rsplit(".", 1)[0].endswith("coordinates")]


def _parts_help(parts: list[CheckedColumn]) -> str:
    point = parts[0].sources[0].qualified.rsplit(".", 1)[0]
    return (f"select `{point}` in place of {backticked(c.name for c in parts)}: a feature's "
            f"point is the pair (`round_coords({point}, 4)` rounds it)")


def _geo_help(places: Places | None) -> str:
    """What to release as the point: the dataset's own coordinates, under `group by`
    in an aggregate, with the join that reaches a site's when none is in scope."""
    if places is not None and not places.paths and places.join is None:
        return "write another format: these records have no coordinates"
    path = places.paths[0] if places is not None and places.paths else (
        "location.coordinates" if places is not None else "coordinates")
    forms = f"`{path}`, `round_coords({path}, 4)` or `grid({path}, 0.01)`"
    where = "group by one of" if places is not None and places.aggregate else "select one of"
    join = f"add `{places.join}`, then " if places is not None and not places.paths \
        and places.join else ""
    return f"{join}{where} {forms}"


def _pair_help(column: CheckedColumn) -> str:
    """The formats that hold a pair, and for a field released as it is, its two halves
    (not for a `grid` or `round_coords` cell: its halves would be the exact place)."""
    formats = ("output it as `geojson` (a map layer), `parquet` (a latitude/longitude "
               "struct), `json` or `ndjson`")
    if isinstance(column.column.expr, syntax.Call):
        return formats
    path = _geo_path(column)
    return f"{formats}, or release `{path}.latitude` and `{path}.longitude` as two columns"


def _is_geo(column: CheckedColumn) -> bool:
    from ocpispec.check.values import GEO_OBJECTS
    from ocpispec.language.functions import Result, lookup

    expr = column.column.expr
    if isinstance(expr, syntax.Call):
        function = lookup(expr.name.name)
        if function is not None and function.result is Result.GEO:
            return True
    return any(src.field.object in GEO_OBJECTS and not src.many for src in column.sources) \
        and isinstance(expr, syntax.FieldRef)


def _geo_path(column: CheckedColumn) -> str:
    return column.sources[0].qualified if column.sources else "coordinates"


def _check_excel_dates(output: syntax.Output, columns: Sequence[CheckedColumn],
                       ctx: Context, where: syntax.Condition | None = None) -> None:
    """A CSV for Excel (a dialect with a byte order mark: `excel-nl`, `excel-de`,
    `excel-en`) whose `bucket` labels Excel opens as dates (`5-10` becomes 5 October
    or 10 May, `10-20` October 2020), or whose postal codes it opens as numbers."""
    try:
        chosen = dialects.settings(formats.base_dialect(
            output.dialect.name if output.dialect else None,
            output.destination.value if output.destination else None),
            ((o.name, o.value) for o in output.options))
    except (KeyError, formats.DialectError):
        return  # reported by check_dialect
    if not chosen["bom"]:
        return
    from ocpispec.check.excel_text import check_leading_zeros

    check_leading_zeros(columns, ctx, where)
    for column in columns:
        dated = _date_like_labels(column.column.expr)
        if dated:
            ctx.emit(warning(
                "OCX425", f"the bucket labels of `{column.name}` such as "
                f"`{dated[0]}` open as dates in Excel", column.column.expr.span, "labels such as "
                f"`{dated[0]}`",
                notes=["Excel reads text of two whole numbers joined by `-` as a day and "
                       "month, or a month and year, when it opens a CSV, and keeps only the "
                       "date; the data package and other tools still see the label"],
                help="write `output xlsx` (its text cells stay text), or choose edges "
                     "none of which Excel can read as a month (1 to 12)"))


def _date_like_labels(expr: syntax.Expr) -> list[str]:
    """The labels `bucket(x, [edges])` writes that Excel reads as a date: two whole
    numbers from 1 to 99, one of them a month (1 to 12)."""
    if not (isinstance(expr, syntax.Call) and expr.name.name == "bucket"
            and len(expr.args) == 2 and isinstance(expr.args[1], syntax.ListLiteral)):
        return []
    edges = [item.value for item in expr.args[1].items]
    if not all(isinstance(e, int | float) and not isinstance(e, bool) for e in edges):
        return []
    bounds = sorted(edges)
    return [f"{int(low)}-{int(high)}" for low, high in zip(bounds, bounds[1:])
            if float(low).is_integer() and float(high).is_integer()
            and 1 <= low < 100 and 1 <= high < 100 and (1 <= low <= 12 or 1 <= high <= 12)]


def _check_destination(destination: syntax.Text, fmt: str, ctx: Context) -> None:
    text = destination.value
    if _FOREIGN_HINT.search(text):  # the module only where another tool's date may be
        from ocpispec.check.destination_dates import foreign_date

        foreign = foreign_date(text, destination.span, ctx.source.text)
        if foreign is not None:
            ctx.emit(foreign)
            return
    unknown = [name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    stripped = _PLACEHOLDER.sub("", text)
    if unknown or "{" in stripped or "}" in stripped:
        from ocpispec.check import destination_dates

        shown = f"`{{{unknown[0]}}}`" if unknown else "an unbalanced `{` or `}`"
        guess = (destination_dates.meant_placeholder(unknown[0])
                 or did_you_mean(unknown[0], PLACEHOLDERS)) if unknown else None
        span = destination_dates.caret(f"{{{unknown[0]}}}", destination.span,
                                       ctx.source.text) if guess else destination.span
        ctx.emit(error("OCX407", f"the destination contains {shown}", span,
                       "unknown placeholder",
                       notes=["placeholders are " + ", ".join(f"`{{{p}}}`" for p in PLACEHOLDERS)],
                       help=f"did you mean `{{{guess}}}`?" if guess else
                       "use only the placeholders listed above"))
    elif not text.strip():
        extension = suggested_extension(fmt if fmt in FORMATS else "csv")
        ctx.emit(error("OCX407", "the destination is empty", destination.span, "no file name",
                       help=f'write `"exports/{{export}}-{{run.date}}.{extension}"` (a file '
                            "name that changes with each run) or `stdout`"))


# the files a run writes beside an output (`execute.outputs`): its manifest and data package
COMPANIONS = (".manifest.json", ".datapackage.json")


def check_destinations(datasets: Sequence[syntax.Dataset], ctx: Context,
                       export: str = "") -> None:
    """Two datasets may not write one file: neither the same destination nor one
    named like the other's manifest or data package (`x.csv.manifest.json`), which
    would replace it. Paths are compared with `{export}` and `{dataset}` filled in and
    case folded (the consumer's disk may not tell `X.csv` from `x.csv`)."""
    from ocpispec.check.dataset_names import dataset_ids

    seen: dict[str, tuple[syntax.Output, str, str]] = {}
    for dataset, name_of in zip(datasets, dataset_ids(datasets)):
        output = dataset.output
        name = output.destination.value if output.destination else "stdout"
        if output.destination is not None and _has_placeholder_error(name):
            continue  # OCX407 already reported: one diagnostic, not two
        files = _written(name, export, name_of)
        clash = next((seen[file] for file in files if file in seen), None)
        if clash is None:
            seen.update({file: (output, name, name_of) for file in files})
            continue
        first, first_name, first_id = clash
        same = files[0] == _written(first_name, export, first_id)[0]
        ctx.emit(Diagnostic(
            "OCX408", Severity.ERROR, f"two datasets write to `{name}`" if same else
            f"`{name}` and `{first_name}` would write one file",
            (Label(output.span, "second output"), Label(first.span, "first output", False)),
            notes=["the second would overwrite or interleave with the first" if same else
                   "beside each output a run writes its manifest and data package "
                   "(`NAME.manifest.json`, `NAME.datapackage.json`): one output would "
                   "replace the other's"],
            help="give each dataset its own destination, e.g. with `{export}` and a suffix"))


def _has_placeholder_error(text: str) -> bool:
    stripped = _PLACEHOLDER.sub("", text)
    return "{" in stripped or "}" in stripped or \
        any(name not in PLACEHOLDERS for name in _PLACEHOLDER.findall(text))


def _written(name: str, export: str, dataset: str) -> tuple[str, ...]:
    """The output file and the files beside it, as compared (stdout is one stream)."""
    path = name.replace("{export}", export).replace("{dataset}", dataset).casefold()
    if name == "stdout":
        return (path,)
    return (path, *(path + suffix for suffix in COMPANIONS))
