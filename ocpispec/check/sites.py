"""The diagnostic for a private site's detail released as it is (class by context:
`ocpispec.check.private_sites`, applied when `check/scope.py` resolves a field)."""

from __future__ import annotations

from ocpispec.check import floors, power_sums
from ocpispec.check.context import Context
from ocpispec.check.values import GEO_OBJECTS, Use
from ocpispec.diagnostics import error


def site_released(use: Use, name: str, ctx: Context) -> None:
    field = use.field.qualified
    if not use.field.site:  # an object read whole, with a site's detail inside
        inner = ".".join((use.field.binding, *use.field.site_inside)) if use.field.binding \
            else ".".join(use.field.site_inside)
        ctx.emit(error(
            "OCX334", f"`{field}` holds `{inner}`, which describes a site that may be "
            "someone's home", use.field.ref.span, "a private site's detail, released as it is",
            notes=[*_notes(use), "an object read whole releases every field below it"],
            help="read the fields the consumer needs one by one, or add `because \"...\"` "
                 "with the reason the privacy officer approves"))
        return
    ctx.emit(error(
        "OCX334", f"`{field}` describes a site that may be someone's home", use.field.ref.span,
        "a private site's detail, released as it is",
        notes=_notes(use),
        help=_help(use, field, name)))


def _help(use: Use, field: str, name: str) -> str:
    if (shortfall := floors.assess(use).shortfall) in power_sums.SHORTFALLS:
        return power_sums.help_for(field, shortfall, roundable=False)
    return (f"release {_protection(use, field, name)}, or add `because \"...\"` with the "
            "reason the privacy officer approves")


def _notes(use: Use) -> list[str]:
    notes = ["the dataset includes private locations, so every field that describes or "
             "locates the site is personal here: at a home charger it is the driver's "
             "address, linked to their sessions"]
    shortfall = floors.assess(use).shortfall
    if shortfall in power_sums.SHORTFALLS:
        notes.append(shortfall)
    elif use.hatch is not None:
        notes.append("fields read inside `jmespath(...)` leave unprotected")
    elif shortfall is not None:
        notes.append(shortfall)
    elif any(getattr(node, "name", None) and node.name.name in ("min", "max", "median",
                                                                  "percentile")
             for node in use.around):
        notes.append("`min`, `max`, `median` and `percentile` release one record's exact "
                     "value (or a point between two), not a summary")
    return notes


def _protection(use: Use, field: str, name: str) -> str:
    leaf = use.field.field
    if leaf.object in GEO_OBJECTS:
        return f"a coarse cell instead: `grid({field}, 0.05) as {name}`"
    if "postal" in leaf.name:
        return f"an area instead: `prefix({field}, 2) as {name}`"
    return f"a keyed pseudonym instead: `pseudonymize({field}) as {name}`"
