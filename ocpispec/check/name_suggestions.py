"""What an unknown name may mean when no object holds it: a field spelt like it (an
object's leaves, VAT included computed), a derived field of a binding, a charging
period's own field, a value a call computes, a column's name, a word of the language."""

from __future__ import annotations

import re

from ocpispec.check.field_guesses import owner_name, site_field_help
from ocpispec.diagnostics import error
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

if TYPE_CHECKING:
    from ocpispec.check.scope_view import Reach, ScopeView
    from ocpispec.diagnostics import Diagnostic
    from ocpispec.diagnostics.source import Span
    from ocpispec.language import syntax
    from ocpispec.schema.model import ObjectType


# a record's values a user names as if they were fields -> the call that computes them
_DERIVED = {
    **dict.fromkeys(("duration", "duration_min", "duration_minutes", "minutes"),
                    "minutes(start_date_time, end_date_time)"),
    **dict.fromkeys(("duration_h", "duration_hours", "hours"),
                    "hours(start_date_time, end_date_time)"),
    **dict.fromkeys(("weekday", "day_of_week", "dow"), "weekday(start_date_time)"),
    **dict.fromkeys(("hour", "hour_of_day"), "hour_of_day(start_date_time)"),
    **dict.fromkeys(("date", "day"), "truncate(start_date_time, day)"),
    "week": "truncate(start_date_time, week)", "month": "truncate(start_date_time, month)",
    "year": "truncate(start_date_time, year)",
    "quarter": "truncate(start_date_time, quarter)",
}


# words of the language written as if they were fields -> (what they are, what to write)
_SPOKEN = {
    "count": ("`count` is a function", "count()"),
    **dict.fromkeys(("minimum_group_size", "min_group_size", "group_size"),
                    ("the rule is three words", "minimum group size")),
}


def suggestion_error(scope: ScopeView, ref: syntax.FieldRef, reach: Reach, rest: tuple[str, ...],
                     failed: int, parent: ObjectType | None, span: Span) -> Diagnostic:
    """OCX104 for a name found nowhere else: the names like it, the call that
    computes it, or the schema to list."""
    name, owner = rest[failed], owner_name(reach, parent)
    options = [_into(scope, parent, option, name) for option in
               scope.ctx.catalogue.suggestions(owner, name)] if parent is not None else []
    meant = name.lower()
    if not options and parent is not None and "_" in name and meant not in _DERIVED:
        # `kwh_delivered`, `cost_eur`, `session_duration`: a word of the name is meant
        for word in meant.split("_"):
            options = [_into(scope, parent, option, word) for option in
                       scope.ctx.catalogue.suggestions(owner, word) if len(word) > 2]
            if options or _DERIVED.get(word):
                meant = word
                break
    if failed == 0:
        options = [*_derived_like(scope, reach, name), *options]
    prefix = ".".join(ref.path[: len(reach.parts) + failed])
    element = _period_field(scope, name) if not prefix and not reach.binding.name else None
    derived = _DERIVED.get(meant) \
        if not prefix and reach.binding.module in ("sessions", "cdrs") else None
    spoken = _SPOKEN.get(name.lower()) if not prefix else None
    column = _column_named(scope, name, span) if not prefix and not options else None
    site = site_field_help(scope, ref) if prefix == "cdr_location" and not options else None
    vat_versions = scope.ctx.catalogue.versions_of(
        reach.binding.module, (*reach.base, *rest[:failed], "vat"))
    meant_paths = _offered_paths(scope, parent, prefix, name, options[0],
                                 scope.ctx.version is None
                                 or scope.ctx.version in vat_versions) if options else ()
    fix = (f"{spoken[0]}: write `{spoken[1]}`" if spoken
           else site if site
           else meant_paths if isinstance(meant_paths, str)
           else "did you mean " + ", or ".join(f"`{path}`" for path in meant_paths) + "?"
           if meant_paths
           else f"did you mean `{element}`?" if element
           else f"it is computed: write `{_zoned(derived, scope)}`" if derived
           else f"`{name}` names a column, which another column cannot read: write "
                f"what it computes, `{column}`" if column
           else f"list the fields with `ocpispec schema {reach.binding.module}`")
    return error("OCX104", f"unknown field `{name}` in `{owner}`",
                 ref.span if site or isinstance(meant_paths, str) else span,  # the help
                 # writes the whole path
                 f"not a field of `{owner}`", help=fix)


def _zoned(call: str, scope: ScopeView) -> str:
    """A day, weekday or hour cut on the dataset's clock (OCX236 otherwise follows)."""
    from ocpispec.check.zoned_helps import zoned_help  # an error's help only

    return zoned_help(call, scope.clock_zone)


def _offered_paths(scope: ScopeView, parent, prefix: str, name: str, option: str,
                   vat_here: bool) -> tuple[str, ...] | str:
    """The paths `did you mean` offers for `option`: the leaves of an object no column
    can release (`cost` -> `total_cost.excl_vat`, `total_cost.incl_vat`), or, when
    the name asks for VAT included and `option` excludes it, how to get it."""
    written = f"{prefix}." if prefix else ""
    field = parent.fields.get(option) if parent is not None else None
    words = set(name.lower().replace("-", "_").split("_"))
    if field is not None and field.object is None and "vat" in words \
            and words & {"incl", "including", "inc", "gross"} and "incl" not in option:
        excluded = f"`{written}{option}` excludes VAT, and no field gives it included"
        if "vat" not in parent.fields or not vat_here:
            return f"{excluded} in OCPI {scope.ctx.version}: select `{written}{option}`"
        return (f"{excluded}: compute it, `{written}{option} * (1 + {written}vat / 100)`"
                f" (`{written}vat` is the VAT percentage)")
    if field is None or field.object is None or field.many:
        return (f"{written}{option}",)
    leaves = tuple(f"{written}{option}.{inner}" for inner, leaf in
                   scope.ctx.catalogue.object(field.object).fields.items()
                   if leaf.object is None and not leaf.many)
    return leaves[:3] or (f"{written}{option}",)


def _into(scope: ScopeView, parent, option: str, name: str) -> str:
    """`latitude` meant `coordinates`, an object: its field the word names
    (`coordinates.latitude`; `lat` -> `latitude`), so the help is a value."""
    import difflib

    field = parent.fields.get(option)
    if field is None or field.object is None or field.many:
        return option
    inner = list(scope.ctx.catalogue.object(field.object).fields)
    word = name.lower()
    found = [f for f in inner if f == word or f.startswith(word)] \
        or difflib.get_close_matches(word, inner, n=1, cutoff=0.6)
    return f"{option}.{found[0]}" if found else option


def _derived_like(scope: ScopeView, reach: Reach, name: str) -> list[str]:
    """`period.energy`, `period.kwh`: the derived fields of the binding (a charging
    period's `energy_kwh` and `duration`) that the word names or is spelt like."""
    import difflib

    parts = reach.parts
    own = [path[-1] for path in scope.derived
           if len(path) == len(parts) + 1 and path[:-1] == parts]
    word = name.lower()
    return [field for field in own if word in field.split("_")
            or any(part in field.split("_") for part in word.split("_") if len(part) > 2)
            or difflib.get_close_matches(word, [field, *field.split("_")], n=1,
                                         cutoff=0.7)]


def _period_field(scope: ScopeView, name: str) -> str | None:
    """`duration` in a dataset that unnests its charging periods: the period's own
    (`period.duration`), which a `spread` takes and a sum adds once per period."""
    word = name.lower()
    return next((f"{alias}.{field}" for alias, field in
                 (path for path in scope.derived if len(path) == 2)  # not the slot
                 if field == word or (field == "duration" and word.startswith("duration"))
                 or (field == "energy_kwh" and word in ("energy", "kwh"))), None)


def _column_named(scope: ScopeView, name: str, span: Span) -> str | None:
    """`sessions / count(distinct location_id)`: a column's `as` name read as a
    field, as SQL lets a query reuse it; the expression that column computes."""
    text = scope.ctx.source.text if scope.ctx.source is not None else ""
    for found in re.finditer(rf"^[ \t]*(\S.*?)[ \t]+as[ \t]+{re.escape(name)}[ \t]*"
                             r"(?:#.*)?$", text, re.MULTILINE):
        if not found.start() <= span.start < found.end():
            return found.group(1)
    return None
