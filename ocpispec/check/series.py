"""`each LIST as NAME` and `spread VALUE over UNIT in ZONE as NAME`: names bound to
the scope before the columns are checked (see `ocpispec.series`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ocpispec import series
from ocpispec.language import syntax
from ocpispec.check.checked import Binding, CheckedEach, CheckedSpread
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.check.element_fields import unbound_help
from ocpispec.check.scope import Scope
from ocpispec.check.values import field_value
from ocpispec.diagnostics import error, warning
from ocpispec.schema.model import Kind

_NUMBERS = (Kind.NUMBER, Kind.INTEGER)


def check_eaches(source: syntax.From, scope: Scope, ctx: Context) -> tuple[CheckedEach, ...]:
    """Bind each `each` alias in order (a later one may unnest an earlier element)."""
    checked: list[CheckedEach] = []
    for each in source.eaches:
        item = _check_each(each, scope, checked, ctx)
        if item is not None:
            checked.append(item)
        elif each.alias.name not in ctx.catalogue.root(scope.module).fields:
            scope.add_broken(each.alias.name)
    return tuple(checked)


def _check_each(each: syntax.Each, scope: Scope, done: list[CheckedEach],
                ctx: Context) -> CheckedEach | None:
    aliases = {item.alias: item for item in done}
    head = each.path.path[0]
    if head in scope.broken and len(each.path.path) > 1:
        return None  # the `each` that binds `head` is already an error
    parent = head if head in aliases and len(each.path.path) > 1 else ""
    items = each.path.path[1:] if parent else each.path.path
    base = (*aliases[parent].base, *items) if parent else items
    owner = aliases[parent].object if parent else None
    resolution = (ctx.catalogue.resolve_in(owner, items) if owner
                  else ctx.catalogue.resolve(scope.module, items))
    leaf = resolution.leaf
    if not resolution.ok or leaf is None or leaf.kind is not Kind.OBJECT \
            or not resolution.fields[-1].many or leaf.object is None:
        ctx.emit(_not_a_list(each, scope, done, ctx))
        return None
    if any(field.many for field in resolution.fields[:-1]):
        ctx.emit(_not_a_list(each, scope, done, ctx))
        return None
    if not _free(each.alias, scope, ctx):
        return None
    scope.add_element(Binding(each.alias.name, scope.module, leaf.object), base)
    derived: tuple[str, ...] = ()
    parent_end = None
    if leaf.object == series.PERIOD_OBJECT and not parent:
        parent_end = series.PARENT_END.get(scope.module)
        derived = tuple(series.DERIVED)
        for name, field in series.DERIVED.items():
            reads = tuple((each.alias.name, *read) for read in series.DERIVED_READS[name])
            if name in ("duration", "end") and parent_end:
                reads += (parent_end,)
            scope.derived[(each.alias.name, name)] = (each.alias.name, (name,), field, reads)
    return CheckedEach(each, each.alias.name, parent, tuple(items), tuple(base), leaf.object,
                       derived, parent_end)


def _not_a_list(each: syntax.Each, scope: Scope, done: list[CheckedEach], ctx: Context):
    lists = _lists(scope, done, ctx)
    alias = each.alias.name
    nested = _nested(each.path.path, scope, done, ctx)
    joined = _joined_list(each.path, scope, done)
    meant = did_you_mean(each.path.dotted, lists) or did_you_mean(each.path.path[-1], lists) \
        or next((path for path in lists if path.split(".")[-1] == each.path.path[-1]), None)
    first = next((path for path in _USUAL if path in lists), lists[0] if lists else None)
    if nested is not None:  # `each evses.connectors`: one list at a time
        if nested[1] not in ctx.catalogue.root(scope.module).fields:
            scope.add_broken(nested[1])  # the columns' `evse.status` waits for the fix
        help = (f"unnest one list at a time: write `each {nested[0]} as {nested[1]} "
                f"each {nested[1]}.{nested[2]} as {alias}` (one clause per line reads best)")
    elif len(each.path.path) > 1 and (unbound := unbound_help(
            ctx.catalogue, scope.module, each.path.path[0], {},
            frozenset(ctx.catalogue.root(scope.module).fields))) is not None:
        help = unbound.replace("to the dataset, after its joins", "before it")
    elif joined is not None:
        help = (f"`each` unnests the dataset's own lists, not a joined record's: write a "
                f"dataset `from {joined}` with `each {each.path.path[-1]} as {alias}`")
    elif meant or first:
        help = f"write `each {meant or first} as {alias}`"
    else:
        help = ("unnest a list of the module's own records, e.g. `each charging_periods "
                "as period` on sessions or CDRs")
    return error("OCX222", f"`{each.path.dotted}` is not a list of records that `each` can "
                 "unnest", each.path.span, "not a list of objects in this record",
                 notes=[f"lists here: {backticked(lists)}" if lists else
                        "this record has no list of objects"], help=help)


# the lists a spec unnests most, first in a help that has no closer guess
_USUAL = ("charging_periods", "evses", "tariffs", "elements")
# the name an element of a list is usually given (`each evses as evse`)
_ELEMENT = {"charging_periods": "period", "evses": "evse", "connectors": "connector",
            "elements": "element", "price_components": "component"}


def _lists(scope: Scope, done: list[CheckedEach], ctx: Context) -> list[str]:
    """The lists `each` can unnest here: the record's own, then those of the elements
    already bound (`evse.connectors`)."""
    own = [name for name, field in ctx.catalogue.root(scope.module).fields.items()
           if field.many and field.kind is Kind.OBJECT]
    return [*own, *(f"{item.alias}.{name}" for item in done
                    for name, field in ctx.catalogue.object(item.object).fields.items()
                    if field.many and field.kind is Kind.OBJECT)]


def _nested(path: tuple[str, ...], scope: Scope, done: list[CheckedEach],
            ctx: Context) -> tuple[str, str, str] | None:
    """`evses.connectors`: a list of the record's own list's elements, as (the outer
    list, a name for its element, the inner list)."""
    if len(path) != 2 or any(item.alias == path[0] for item in done):
        return None
    outer = ctx.catalogue.root(scope.module).fields.get(path[0])
    if outer is None or not outer.many or outer.object is None:
        return None
    inner = ctx.catalogue.object(outer.object).fields.get(path[1])
    if inner is None or not inner.many or inner.kind is not Kind.OBJECT:
        return None
    element = _ELEMENT.get(path[0], path[0].removesuffix("s"))
    taken = {binding.name for binding in scope.bindings} | set(
        ctx.catalogue.root(scope.module).fields)
    return path[0], element if element not in taken else f"{element}_item", path[1]


def _joined_list(path: syntax.FieldRef, scope: Scope, done: list[CheckedEach]) -> str | None:
    """`location.evses` on sessions: the module of the joined record the path reads."""
    elements = {item.alias for item in done}
    return next((binding.module for binding in scope.bindings
                 if binding.name and "." not in binding.name and binding.name not in elements
                 and path.path[:1] == (binding.name,) and len(path.path) > 1), None)


def _free(alias: syntax.Ident, scope: Scope, ctx: Context) -> bool:
    """A new name may not hide a field of the record, a join or another name."""
    name = alias.name
    taken = {binding.name for binding in scope.bindings} | {path[0] for path in scope.derived}
    hides = name in ctx.catalogue.root(scope.module).fields
    if name not in taken and not hides:
        return True
    what = (f"the field `{name}` of `{scope.own.binding.object}`" if hides
            else f"the name `{name}` already bound in this dataset")
    ctx.emit(error("OCX223", f"`{name}` hides {what}", alias.span, "ambiguous name",
                   help=f"choose another name, e.g. `as {name}_item`"))
    return False


# ---- spread -------------------------------------------------------------------------


def spread_part(column: syntax.Column, scope: Scope) -> syntax.FieldRef | None:
    """Where a row dataset's column reads the value its `spread` splits, or None.

    Released per row, that value releases the record's times: the part in each slot is
    the value's share of the interval inside that slot, so a duration's part is the
    minutes in the slot (the first slot's gives the start to the minute) and an energy's
    parts, side by side, the same (a full hour's part against the first's). Only a sum
    over the records of a slot hides them: such a column needs an allowance (OCX303)."""
    if scope.spread is None:
        return None
    value = scope.spread[0]
    return next((ref for ref in syntax.field_refs(column.expr) if ref.path == value), None)


def spread_part_released(ref: syntax.FieldRef, scope: Scope, ctx: Context) -> None:
    alias = scope.spread[1] if scope.spread else "slot"
    ctx.emit(warning(
        "OCX303", f"quasi-identifier `{ref.dotted}` is released below its generaliser floor",
        ref.span, f"its part in each `{alias}` gives the record's times",
        notes=[f"`spread` splits `{ref.dotted}` over the slots its interval covers, in "
               "proportion to the time inside each slot: the first slot's part says how long "
               "before the slot's end the record started (for a duration, in minutes), "
               "whatever the slot's length",
               "times, places, energy and costs single out drivers when combined"],
        help=f"aggregate the parts (`group by {alias}` ... `compute sum({ref.dotted})`), or "
             "release the value without `spread`"))


def check_spread(source: syntax.From, scope: Scope, eaches: tuple[CheckedEach, ...],
                 ctx: Context) -> CheckedSpread | None:
    if not source.spreads:
        return None
    for extra in source.spreads[1:]:
        ctx.emit(error("OCX224", "a dataset spreads one value", extra.span, "second `spread`",
                       help="spread one measure per dataset; write a second dataset for "
                            "another"))
    spread = source.spreads[0]
    unit = _unit(spread, ctx)
    zone = _zone(spread, scope, ctx)
    interval = _interval(spread, scope, eaches, ctx)
    if unit is None or zone is None or interval is None or not _free(spread.alias, scope, ctx):
        if spread.alias.name not in ctx.catalogue.root(scope.module).fields:
            scope.add_broken(spread.alias.name)
        return None
    start, end = interval
    alias = spread.alias.name
    scope.spread = (spread.value.path, alias)
    reads = (start, end, *((zone[1],) if zone[1] else ()))
    scope.derived[(alias,)] = (alias, (), series.slot_field(alias, unit, zone[0]), reads)
    # the spread reads them whether or not a column names the slot (a total per site
    # over the month's local days): else the location's zone never reaches the row
    for read in reads:
        scope.resolve(syntax.FieldRef(read, spread.span), synthetic=True)
    return CheckedSpread(spread, alias, spread.value.path, start, end, unit, zone[0], zone[1])


def _unit(spread: syntax.Spread, ctx: Context) -> str | None:
    unit = spread.unit.name
    if unit in series.SLOT_UNITS:
        return unit
    guess = did_you_mean(unit, tuple(series.SLOT_UNITS))
    ctx.emit(error("OCX224", f"`{unit}` is not a time slot", spread.unit.span, "unknown slot",
                   notes=[f"slots are {backticked(tuple(series.SLOT_UNITS))}"],
                   help=f"did you mean `{guess}`?" if guess else "use one of the slots above"))
    return None


def _zone(spread: syntax.Spread, scope: Scope,
          ctx: Context) -> tuple[str, tuple[str, ...] | None] | None:
    phrase = spread.zone_phrase
    span = spread.zone[0].span.to(spread.zone[-1].span) if spread.zone else spread.unit.span
    if phrase == "utc":
        return "utc", None
    if phrase == "location time zone":
        reach = scope.reach_of("location")
        if reach is None or reach[0].module != "locations":
            ctx.emit(error("OCX225", "the location's time zone needs the location", span,
                           "no `location` in this dataset",
                           help="add `join locations on location_id` (sessions) or `join "
                                "locations on cdr_location.id` (CDRs), or spread `in utc`"))
            return None
        return "location", ("location", "time_zone")
    missing = not spread.zone
    meant = None if missing else _zone_meant(phrase)
    ctx.emit(error("OCX225", "say in which time zone the slots are" if missing else
                   f"`in {phrase}` is not a time zone a spread can use", span,
                   "no time zone" if missing else "unknown time zone",
                   notes=["a quarter hour or a day starts at a different moment in UTC and in "
                          "the local time of the charger; the consumer must know which"],
                   help=f"write `over {spread.unit.name} in {meant}`" if meant else
                   f"write `over {spread.unit.name} in utc` or `over {spread.unit.name} "
                   "in location time zone`"))
    return None


_LOCAL_WORDS = ("local", "location", "charger", "site", "station", "own")
_UTC_WORDS = ("gmt", "z", "zulu", "universal", "etc/utc", "utc+0", "utc0", "coordinated")


def _zone_meant(phrase: str) -> str | None:
    """`in location timezone`, `in local time`, `in gmt`: the zone phrase meant, when the
    words say which of the two."""
    words = phrase.replace("_", " ").replace("-", " ").split()
    local = any(word.startswith(_LOCAL_WORDS) for word in words)
    utc = any(word in _UTC_WORDS or word.startswith("utc") for word in words)
    if local == utc:
        return None
    return "location time zone" if local else "utc"


def _interval(spread: syntax.Spread, scope: Scope, eaches: tuple[CheckedEach, ...],
              ctx: Context) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The value's field and the start and end of the interval it is spread over."""
    value = spread.value
    resolved = scope.resolve(value)
    if resolved is None:
        return None
    kind = field_value(resolved)
    periods = {each.alias for each in eaches if each.derived}
    if kind.kind not in _NUMBERS or kind.many:
        ctx.emit(error("OCX224", f"`{value.dotted}` is not a number to spread", value.span,
                       "not a number", help="spread a measure such as `period.energy_kwh`"))
        return None
    if resolved.binding in periods:
        return (resolved.binding, "start_date_time"), (resolved.binding, "end")
    interval = series.RECORD_INTERVAL.get(scope.module)
    if resolved.binding == "" and interval is not None:
        return interval
    ctx.emit(error("OCX224", f"`{value.dotted}` has no time interval to spread over",
                   value.span, "no start and end",
                   notes=["a spread apportions a value over the time from a start to an end: "
                          "a charging period's (`each charging_periods as period`) or a "
                          "session's or CDR's own"],
                   help="spread `period.energy_kwh` after `each charging_periods as period`"))
    return None


def check_filter_reads(source: syntax.From, eaches: tuple[CheckedEach, ...],
                       spread: CheckedSpread | None, ctx: Context,
                       aggregate: bool = False, on_elements: Sequence = ()) -> bool:
    """`where` runs on the record, before it is unnested: it cannot read an element, nor
    a record joined on one (`tariff.type` after `join tariffs on connector.tariff_ids`:
    null when the filter runs, so every record was filtered out). True when it does
    (reported: the filter is checked no further)."""
    joined = {binding.name for join in on_elements for binding in join.bindings}
    names = {each.alias for each in eaches} | ({spread.alias} if spread else set()) | joined
    for where in source.wheres[:1]:
        for ref in syntax.field_refs(where.condition):
            if ref.path[0] in names:
                key = _key_for(where.condition, ref) if aggregate else None
                ctx.emit(error(
                    "OCX221", f"`where` cannot read `{ref.dotted}`", ref.span,
                    "a record joined on an element" if ref.path[0] in joined else
                    "an element of an unnested list",
                    notes=["`where` keeps or drops whole records before `each` makes a row "
                           "per element" + (" and the join finds each element's record"
                                            if ref.path[0] in joined else "")],
                    help="filter on the record's own fields; " + (
                        f"to total the elements apart, group by what the condition tests: "
                        f"add `{key}` to `group by`" if key else
                        "to leave elements out of a total, aggregate only what you need"
                        if aggregate or source.module.name not in ("locations", "tariffs")
                        else "every element makes a row: " + (
                            f"release `{ref.dotted}` as a column" if len(ref.path) == 2
                            else "release what the condition tests as a column") +
                        " and keep the rows you need in the consumer's tool")))
                return True
    return False


def _key_for(condition: syntax.Condition, ref: syntax.FieldRef) -> str | None:
    """A group key that holds apart the elements a comparison of `ref` with a constant
    keeps: the text itself, or a band edge where the comparison cuts a number
    (`period.energy_kwh = 0`, a parking period: below 0.001 kWh)."""
    leaf = ref.path[-1]
    for node in _tests(condition):
        match node:
            case syntax.Compare(op=op, left=syntax.FieldRef() as left,
                                right=syntax.Literal(value=value)) if left == ref:
                if isinstance(value, str) and op in ("=", "!="):
                    return f"{ref.dotted} as {leaf}"
                if isinstance(value, bool) or not isinstance(value, int | float):
                    return None
                if op in ("=", "!=") and value == 0:
                    return f"bucket({ref.dotted}, [0.001]) as {leaf}_band"
                if op in (">=", "<"):
                    return f"bucket({ref.dotted}, [{value}]) as {leaf}_band"
            case syntax.InList(value=syntax.FieldRef() as value) if value == ref:
                return f"{ref.dotted} as {leaf}"
    return None


def _tests(condition: syntax.Condition) -> Iterator[syntax.Condition]:
    """The comparisons and list tests of a condition, through `and`, `or` and `not`."""
    match condition:
        case syntax.And(operands=parts) | syntax.Or(operands=parts):
            for part in parts:
                yield from _tests(part)
        case syntax.Not(operand=operand):
            yield from _tests(operand)
        case _:
            yield condition


def check_unread_eaches(eaches: tuple[CheckedEach, ...], scope: Scope, ctx: Context) -> None:
    """OCX244: in a row dataset, an `each` whose element nothing reads makes identical rows,
    one per element (an aggregate's `count()` of them is a count of elements, and meant)."""
    read = {field.binding for field in scope.touched.values()} | \
        {each.parent for each in eaches}
    for each in eaches:
        if each.alias in read:
            continue
        record = each.parent or {"cdrs": "CDR"}.get(scope.module,
                                                     scope.module.removesuffix("s"))
        ctx.emit(warning(
            "OCX244", f"`each {each.each.path.dotted} as {each.alias}` repeats every row once "
            "per element", each.each.span, f"no column reads `{each.alias}`",
            notes=[f"one {record} whose `{each.each.path.dotted}` holds three items is "
                   "three rows the same in every column: the file holds each row as often "
                   "as its list is long"],
            help=f"release what differs per element (`{each.alias}.…`), or leave out "
                 f"the `each` line for one row per {record}"))
