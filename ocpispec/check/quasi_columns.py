"""A quasi-identifier a column releases unchanged or below its floor (OCX303), and the
help that fits how it is written: a coarser place for a group key, a rounded duration,
a round to the steps a scaled value needs, a result rounded after `min` or `max`."""

from __future__ import annotations

import math

from ocpispec.language import syntax
from ocpispec.check import floors, power_sums, telling_pseudonyms
from ocpispec.check.context import Context
from ocpispec.check.jmes_tests import defaulted_field
from ocpispec.check.values import GEO_OBJECTS, Use
from ocpispec.diagnostics import warning
from ocpispec.schema.model import Field, Kind

# Aggregates that release one record's exact value rather than a summary of the group
# (a percentile is a record's value, or a point between two records' values).
EXTREMES = frozenset({"min", "max", "median", "percentile"})


def _extreme_note(name: str) -> str:
    if name in ("min", "max"):
        return f"`{name}` releases one record's exact value, not a summary"
    return (f"`{name}` releases one record's exact value (or a point between two records' "
            "values), not a summary")


_TOWNS = frozenset({"city", "state"})  # coarser than a 4-digit postal area


def _coarser_place(use: Use) -> str | None:
    """A postal area coarser than the site field a group key reads, from the record the
    dataset has it in: the joined site's (`location.postal_code`, by its alias) or the
    CDR's own copy (`cdr_location.postal_code`); a session names its site by id only."""
    resolved = use.field
    if resolved.module == "locations" and resolved.binding:
        postal = f"{resolved.binding.split('.')[0]}.postal_code"
    elif resolved.path[:1] == ("cdr_location",):
        postal = "cdr_location.postal_code"
    elif resolved.path[-1] in ("location_id", "evse_uid", "connector_id"):
        postal = "location.postal_code"  # a session's own: its site through the join
    else:
        return None
    if resolved.path[-1] == "postal_code":
        return f"prefix({postal}, 4)"
    return f"prefix({postal}, {2 if resolved.path[-1] in _TOWNS else 4})"


def warn_quasi_key(use: Use, name: str, ctx: Context) -> None:
    """`warn_quasi` for a group key."""
    warn_quasi(use, name, ctx, key=True)


def warn_quasi(use: Use, name: str, ctx: Context, *, key: bool = False) -> None:
    """OCX303 for a quasi-identifier released unchanged or below its floor (`key`: as a
    group key), with the help that fits how it is written."""
    field = use.field.qualified
    notes = ["times, places, energy and costs single out drivers when combined"]
    extremes = [node for node in use.around
                if isinstance(node, syntax.Call) and node.name.name in EXTREMES]
    if extremes:
        notes.append(_extreme_note(extremes[0].name.name))
    verdict = floors.assess(use)
    if verdict.shortfall:
        notes.append(verdict.shortfall)
    what = "below its generaliser floor" if verdict.shortfall else "unchanged"
    help = _generaliser(field, use.field.field, name)
    if floors.site_stamp(use):
        help = ("leave it out (`pseudonymize(location_id)` keeps sites apart without naming "
                "them), or add `because \"...\"` with the reason")
    if key and help.startswith("aggregate it"):  # a group key is aggregated already
        coarser = _coarser_place(use)
        help = ("it is a group key, whose rows each hold the minimum group size of drivers: "
                f"add `because \"...\"` with why the consumer needs the figures per `{name}`"
                + (f", or group by a coarser place, e.g. `{coarser}`" if coarser else ""))
    at = verdict.at
    if at is not None and at.name.name in ("minutes", "hours") and \
            floors.between_record_times(at):
        written = ctx.source.text[at.span.start:at.span.end]
        help = (f"round the duration, e.g. `round({written}, 1) as {name}`, or add "
                "`because \"...\"` with the reason")
    if (scaled := _scaled_round(use, verdict.step, name, ctx)) is not None:
        help = (f"round the column as it is written, to the steps its scale needs: "
                f"`{scaled}`, or add `because \"...\"` with the reason")
    if _fine_start_slot(use, at):
        notes.append("a quarter-hour load profile spreads the energy over the slots it was "
                     "charged in (`spread kwh over quarter_hour in utc as slot`, docs: Time "
                     "series); grouped by the start's quarter hour, a session's energy "
                     "counts only in the slot it started in")
    if extremes and use.hatch is None and math.isinf(verdict.step):
        # `max(energy / duration)`: a round of a ratio of two fields is warned again,
        # and rounding the field alone drops the measure (OCX210): say so instead
        help = (f"`{field}` is scaled by another field here, so no `round` gives the "
                f"`{extremes[-1].name.name}` a step that protects it: add `because \"...\"` "
                "with the reason")
    elif use.hatch is None and math.isinf(verdict.step) and help.startswith("coarsen it") \
            and any(isinstance(node, syntax.BinaryOp) for node in use.around):
        # `round(total_cost.excl_vat / total_energy, 2)`: rounding the field alone, as
        # the plain generaliser wrote, would release the cost instead of the ratio
        help = (f"`{field}` is scaled by another field here, so no `round` gives the "
                "column a step that protects it: add `because \"...\"` with the reason, or "
                "aggregate the column")
    elif extremes and _roundable(use, extremes[-1]):  # a measure stays a measure: round it
        written = ctx.source.text[extremes[-1].span.start:extremes[-1].span.end]
        help = (f"round the result, e.g. `round({written}, 1) as {name}`, or add "
                "`because \"...\"` with the reason")
    elif extremes and use.hatch is None and (coarser := _coarser_round(use, verdict.step,
                                                                       name, ctx)):
        # `round(median(total_parking_time) * 60)`: rounded, but to minutes of an hour field
        help = (f"round the result to the steps its scale needs: `{coarser}`, or add "
                "`because \"...\"` with the reason")
    elif use.hatch is not None and not defaulted_field(use.hatch) \
            and (extremes or help.startswith(("coarsen it", "aggregate"))):
        # `round(tariff.elements.price_components.price, 1)` reads a list (OCX201), and
        # no `round` around `jmespath(...)` counts: offering either sent the user in a circle
        help = (f"`{field}` is read inside `jmespath(...)`, which no call around it can "
                "coarsen: add `because \"...\"` with the reason (e.g. it only selects "
                "which values are read), or compute the column without `jmespath`")
    if verdict.shortfall in power_sums.SHORTFALLS:
        help = power_sums.help_for(use.field.ref.dotted, verdict.shortfall)
    elif any(told in (verdict.shortfall or "") for told in telling_pseudonyms.TOLD):
        help = telling_pseudonyms.HELP
    ctx.emit(warning("OCX303", f"quasi-identifier `{field}` is released {what}",
                     use.field.ref.span, "too fine to protect" if verdict.shortfall
                     else "released as is", notes=notes, help=help))


_ARITHMETIC_CALLS = frozenset({"round", "minutes", "hours"})


def _scaled_round(use: Use, step: float, name: str, ctx: Context) -> str | None:
    """`kwh * 1000 as wh` or `round(total_cost.excl_vat * 1.21, 1)`: the column rounded
    as written, to the digits its scale needs (`round(kwh * 1000, -2) as wh`); the plain
    `round(kwh, 1) as wh` would change what the column holds. None unless the value
    passes only arithmetic, `round` and a duration."""
    around = use.around
    if use.hatch is not None or not any(isinstance(node, syntax.BinaryOp) for node in around) \
            or not all(isinstance(node, syntax.BinaryOp) or (
                isinstance(node, syntax.Call) and node.name.name in _ARITHMETIC_CALLS)
                for node in around):
        return None
    digits = floors.round_digits(step)
    outer = around[-1]
    inner = outer.args[0] if isinstance(outer, syntax.Call) and outer.name.name == "round" \
        else outer
    written = ctx.source.text[inner.span.start:inner.span.end]
    if digits is None or written.count("(") != written.count(")"):
        return None
    return f"round({written}, {digits}) as {name}"


def _coarser_round(use: Use, step: float, name: str, ctx: Context) -> str | None:
    """The column's own outer `round(...)` with the digits the field's floor needs in
    the column's scale (`round(median(total_parking_time) * 60, -1)`), or None."""
    outer = use.around[-1] if use.around else None
    if not (isinstance(outer, syntax.Call) and outer.name.name == "round" and outer.args) \
            or not step:
        return None
    digits = floors.round_digits(step)
    inner = outer.args[0]
    written = ctx.source.text[inner.span.start:inner.span.end]
    if digits is None or written.count("(") != written.count(")"):
        return None
    return f"round({written}, {digits}) as {name}"


def _roundable(use: Use, extreme: syntax.Call) -> bool:
    """Whether `round(max(...), 1)` is the fix to offer: the field is not read inside
    `jmespath(...)` (no round around it counts), and the column does not round the
    measure already (the help then repeated the column)."""
    if use.hatch is not None:
        return False
    outside = use.around[use.around.index(extreme) + 1:]
    return not any(isinstance(node, syntax.Call) and node.name.name == "round"
                   for node in outside)


def _fine_start_slot(use: Use, at: syntax.Call | None) -> bool:
    """`truncate(start_date_time, quarter_hour)`: a start cut finer than the hour, the
    form a load profile is often first written in."""
    return at is not None and at.name.name == "truncate" and len(at.args) > 1 \
        and isinstance(at.args[1], syntax.FieldRef) \
        and at.args[1].path in (("minute",), ("quarter_hour",)) \
        and use.field.qualified.endswith("start_date_time")


def _generaliser(path: str, field: Field, name: str) -> str:
    if field.object in GEO_OBJECTS:
        rewrite = f"grid({path}, 0.01) as {name}"
    elif field.kind is Kind.DATETIME:
        rewrite = f"truncate({path}, hour) as {name}"
    elif "postal" in field.name:
        rewrite = f"prefix({path}, 4) as {name}"
    elif field.kind in (Kind.NUMBER, Kind.INTEGER):
        rewrite = f"round({path}, 1) as {name}"
    else:
        return ("aggregate it, drop it, or add `because \"...\"` with the reason the consumer "
                "needs it unchanged")
    return f"coarsen it, e.g. `{rewrite}`, or add `because \"...\"` with the reason"
