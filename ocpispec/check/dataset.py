"""One `from ... output ...` block: module, clauses, joins, filters, columns, output."""

from __future__ import annotations

from ocpispec.language import syntax
from ocpispec.check.grid_differencing import key_grids
from ocpispec.check.checked import CheckedDataset, public_facts
from ocpispec.check.zoned_helps import clock_zone
from ocpispec.check import filter_pins, filters, privacy, series
from ocpispec.check.columns import check_body
from ocpispec.check.habits import group_size_in_words
from ocpispec.check.connector_ids import check_connector_ids
from ocpispec.check.currencies import check_currencies
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.check.disclosure import check_disclosure
from ocpispec.check.edge_cells import check_edge_cells
from ocpispec.check.order import check_order
from ocpispec.check.output import check_output
from ocpispec.check.joins import add_own_prices, check_joins
from ocpispec.check.scope import Scope
from ocpispec.check.where import check_where
from ocpispec.diagnostics import error, warning
from ocpispec.schema.contract_tariffs import EVENT_MODULES

SMALLEST_GROUP = 5


def check_dataset(dataset: syntax.Dataset, modules: tuple[str, ...],
                  ctx: Context) -> CheckedDataset | None:
    source = dataset.source
    module = source.module.name
    if module not in modules:
        _unknown_module(source.module, modules, ctx)
        return None
    clean = ctx.error_count()
    filters.check_clauses(source, ctx)
    scope = Scope(module, ctx, private_sites=bool(source.includes) and module in EVENT_MODULES)
    scope.clock_zone = clock_zone(dataset)
    add_own_prices(scope)
    joins = check_joins(source, scope, modules, ctx)
    eaches = series.check_eaches(source, scope, ctx)
    on_elements = check_joins(source, scope, modules, ctx, joins)
    joins += on_elements
    spread = series.check_spread(source, scope, eaches, ctx)
    element_read = series.check_filter_reads(source, eaches, spread, ctx,
                                             isinstance(dataset.body, syntax.Aggregate),
                                             on_elements)
    checked_filter = None
    for where in source.wheres[:0 if element_read else 1]:  # one error for the element
        checked_filter = check_where(
            where, scope, ctx, rows=not isinstance(dataset.body, syntax.Aggregate),
            source=source)
    errors = ctx.error_count()
    columns = check_body(dataset.body, scope, ctx)
    failed = ctx.error_count() > errors
    if not isinstance(dataset.body, syntax.Aggregate):
        filter_pins.check_window_pin(source, ctx)
        if not failed:
            check_edge_cells(source, checked_filter.bounds if checked_filter else (),
                             ctx.released.get(id(dataset.body), []), ctx)
        if ctx.error_count() == clean:  # a broken join or column may be what reads it
            series.check_unread_eaches(eaches, scope, ctx)
    if isinstance(dataset.body, syntax.Aggregate):
        _check_group_size(dataset.body, ctx, public=public_facts(
            module, columns, checked_filter))
        check_disclosure(dataset.body, ctx)
        if columns is not None:
            check_currencies(source, columns, scope.bindings, ctx)
            check_connector_ids(module, columns, scope.bindings, ctx)
        if scope.spread is not None:  # the module only where a spread is
            from ocpispec.check.spread_sums import check_spread_sums

            check_spread_sums(dataset.body.measures, scope, ctx)
        elif eaches:
            from ocpispec.check.each_sums import check_each_sums

            check_each_sums(dataset.body.measures, eaches, scope, ctx)
        if eaches or scope.spread is not None:
            from ocpispec.check.each_counts import check_each_counts

            check_each_counts(dataset.body, eaches, scope, ctx)
    if not failed:
        from ocpispec.check.power_units import check_power_units

        body = dataset.body
        check_power_units([*body.keys, *body.measures] if isinstance(body, syntax.Aggregate)
                          else list(body.columns),
                          source.wheres[0].condition if source.wheres else None, scope, ctx)
    for include in source.includes[:1]:
        privacy.check_include_private(include, module, ctx)
    places = None if failed or dataset.output.format.name != "geojson" else \
        _places(module, scope, isinstance(dataset.body, syntax.Aggregate), ctx)
    output_name, templates = check_output(
        dataset.output, columns, ctx, places,
        source.wheres[0].condition if source.wheres else None,
        _written_names(dataset.body, columns))
    check_order(dataset, columns, ctx)
    grids = key_grids(ctx.released.get(id(dataset.body), [])) \
        if isinstance(dataset.body, syntax.Aggregate) else ()
    return CheckedDataset(dataset, module, scope.bindings, tuple(joins), dict(scope.fields),
                          tuple(scope.touched.values()), tuple(columns),
                          bool(source.includes), output_name, templates, checked_filter,
                          eaches, spread, grids)


def _written_names(body, columns) -> list[str] | None:
    """The names of the dataset's columns as written when some did not pass their check
    (a column reading a join that failed, or one with an error of its own): a template
    reading one is not blamed for its column's error. None when every column passed."""
    written = [*body.keys, *body.measures] if isinstance(body, syntax.Aggregate) \
        else list(body.columns)
    names = [column.alias.name if column.alias is not None else column.expr.path[-1]
             for column in written
             if column.alias is not None or isinstance(column.expr, syntax.FieldRef)]
    checked = {column.name for column in columns or ()}
    return names if any(name not in checked for name in names) else None


def _places(module: str, scope: Scope, aggregate: bool, ctx: Context):
    """Where the dataset's records have coordinates (for OCX406's help): a binding's
    coordinates field, or one an object field of it holds (a CDR's `cdr_location`)."""
    from ocpispec.check.output import Places
    from ocpispec.check.values import GEO_OBJECTS

    paths = []
    for binding in scope.bindings:
        if binding.name.count(".") or binding.module != "locations" and binding.name:
            continue  # `location.evse`: the site's own coordinates come first
        fields = ctx.catalogue.object(binding.object).fields
        prefix = f"{binding.name}." if binding.name else ""
        for name, field in fields.items():
            if field.many or field.object is None:
                continue
            if field.object in GEO_OBJECTS:
                paths.append(prefix + name)
                continue
            paths += [f"{prefix}{name}.{inner_name}" for inner_name, inner in
                      ctx.catalogue.object(field.object).fields.items()
                      if inner.object in GEO_OBJECTS and not inner.many]
    join = "join locations on location_id" if module == "sessions" else None
    return Places(tuple(paths), aggregate, join)


# parts of a module's records a user may take for a module of their own
_INSIDE = {"evse": "from locations each evses as evse",
           "connector": "from locations each evses as evse each evse.connectors as connector",
           "charging_period": "from sessions each charging_periods as period",
           "period": "from sessions each charging_periods as period",
           "tariff_element": "from tariffs each elements as element",
           "element": "from tariffs each elements as element"}


# OCPI modules ocpispec does not export, by what they hold
_OTHER_OCPI = {"commands": "commands sent to chargers", "chargingprofiles": "smart-charging "
               "profiles", "charging_profiles": "smart-charging profiles", "hubclientinfo":
               "a hub's list of parties", "credentials": "the platforms' credentials",
               "versions": "the version endpoints", "bookings": "reservations (OCPI 2.3.0's "
               "Bookings document)", "payments": "payment terminals (OCPI 2.3.0)",
               "invoicereconciliation": "invoice reconciliation (OCPI 2.3.0)"}


def _unknown_module(module: syntax.Ident, modules: tuple[str, ...], ctx: Context) -> None:
    guess = did_you_mean(module.name, modules)
    inside = _INSIDE.get(module.name.lower().removesuffix("s"))
    help = f"did you mean `{guess}`?" if guess else "use one of the modules above"
    if (what := _OTHER_OCPI.get(module.name.lower())) is not None:
        help = (f"`{module.name}` is the OCPI module of {what}, which ocpispec does not "
                "export; its modules are sessions, CDRs, sites, prices and cards, above")
    if inside is not None:
        help = (f"`{module.name}` are part of another module's records: write `{inside}` "
                "for one row per element")
    ctx.emit(error("OCX101", f"unknown module `{module.name}`", module.span,
                   "not an OCPI module this tool exports",
                   notes=[f"modules are {backticked(modules)}"], help=help))


def _check_group_size(body: syntax.Aggregate, ctx: Context, *, public: bool = False) -> None:
    size = body.min_group_size
    if size is None and group_size_in_words(body.measures, ctx.source):
        return  # `min size 10`: the error on that line says how the rule is written
    if size is None and public:
        ctx.emit(warning("OCX319", "the aggregate sets no minimum group size", body.span,
                         "groups of fewer than 10 records are withheld",
                         notes=["every column reads public data of the module, which has no "
                                "drivers: a small group (a town with three connectors) "
                                "singles nobody out, but the default withholds it"],
                         help="release every group with `minimum group size 1`, or state "
                              "`minimum group size 10`"))
    elif size is None:
        ctx.emit(warning("OCX319", "the aggregate sets no minimum group size", body.span,
                         "small groups may single out drivers",
                         notes=["without it, groups of fewer than 10 drivers (records, on "
                                "modules without drivers) are suppressed by default"],
                         help="state it for the reviewer: `minimum group size 10`"))
    elif size < SMALLEST_GROUP and public:
        return  # public facts: nobody to hide
    elif size < SMALLEST_GROUP:
        ctx.emit(warning("OCX320", f"a minimum group size of {size} is too small to hide "
                         "individuals", body.min_group_size_span or body.span,
                         f"below {SMALLEST_GROUP}",
                         notes=["statistical offices suppress cells of fewer than 5 to 10 "
                                "people"], help="use `minimum group size 10`"))
