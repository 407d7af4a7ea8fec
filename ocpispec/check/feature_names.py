"""GeoJSON property names a GIS confuses with the feature's own parts (OCX427)."""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.checked import CheckedColumn
from ocpispec.language import syntax
from ocpispec.check.context import Context
from ocpispec.diagnostics import error

# the names GIS tools give a layer's geometry column: GeoPandas and R's sf `geometry`,
# GDAL's Arrow reader (`pyogrio.read_arrow`) `wkb_geometry`, DuckDB's ST_Read `geom`. A
# property so named is overwritten by the points (GeoPandas) or doubled. The feature's
# other members (`type`, `id`, `bbox`, `properties`) are harmless as property names:
# GDAL reads them as fields like any other (tests/test_geojson_gis.py).
_GEOMETRY_NAMES = frozenset({"geometry", "geom", "wkb_geometry"})


def check_property_names(columns: Sequence[CheckedColumn], ctx: Context) -> None:
    """A GeoJSON property named like the geometry column of the tools that read it:
    GeoPandas replaces a `geometry` property with the points without a word. GDAL
    matches field names in any case, so `Geometry` collides too. `columns` are the
    properties: the coordinates column is the geometry, whatever its name."""
    for column in columns:
        if column.name.lower() in _GEOMETRY_NAMES:
            ctx.emit(error(
                "OCX427", f"the GeoJSON property `{column.name}` has the name GIS tools "
                "give the points", column.column.span, "a geometry column's name",
                notes=["GeoPandas and R's sf read a layer's points into a column "
                       "`geometry`, GDAL's Arrow reader into `wkb_geometry` and DuckDB's "
                       "`ST_Read` into `geom`: GeoPandas overwrites a property of that "
                       "name with the points, the others show two columns of one name"],
                help=f"give the column a name of its own: `{_as_written(column, ctx)} as "
                     f"{_renamed(column)}`"))


def _as_written(column: CheckedColumn, ctx: Context) -> str:
    """The column's expression as the spec writes it (`...` when it is long)."""
    span = column.column.expr.span
    text = ctx.source.text[span.start:span.end]
    return text if len(text) <= 40 and "\n" not in text else "..."


def _renamed(column: CheckedColumn) -> str:
    """A name for the column: its field's own (`status` for `evse.status as geometry`),
    else `NAME_property` (`geometry_property`)."""
    plain = isinstance(column.column.expr, syntax.FieldRef) and column.sources
    own = column.sources[0].path[-1] if plain and column.sources[0].path else None
    return own if own and own.lower() not in _GEOMETRY_NAMES else \
        f"{column.name.lower()}_property"
