"""Privacy rules: what a column may release, and what a filter may look at.

PERSONAL fields leave only as the direct argument of `pseudonymize` or with a written
justification; NEVER fields never leave; QUASI fields released unchanged are warned
about unless justified. See docs/language.md, "Privacy rules".
"""

from __future__ import annotations

from collections.abc import Iterable

from ocpispec.language import syntax
from ocpispec.check import floors, power_sums, sites, telling_pseudonyms
from ocpispec.check.context import Context, justification_problem
from ocpispec.check.jmes_tests import defaulted_field
from ocpispec.check.personal_literals import jmespath_texts
from ocpispec.check.values import GEO_OBJECTS, Use
from ocpispec.diagnostics import error, warning
from ocpispec.language.functions import Effect, lookup
from ocpispec.schema.model import Field, Kind, PrivacyClass
from ocpispec.diagnostics.source import Span

# Aggregates that release one record's exact value rather than a summary of the group
# (a percentile is a record's value, or a point between two records' values).
_EXTREMES = frozenset({"min", "max", "median", "percentile"})
_MASKS = frozenset({"prefix", "truncate", "round", "bucket"})


def exposure(use: Use, ctx: Context) -> PrivacyClass:
    """The class of what a use reads: an object read whole exposes all its sub-fields,
    its shape (`length(evses)`, `keys(owner)`) only the class its place declares."""
    structural = use.hatch is not None and not use.whole  # `length(...)` in `jmespath`
    if structural and use.field.field.kind is Kind.OBJECT and not use.field.site:
        path = (*use.field.base, *use.field.path)
        try:
            shape = ctx.catalogue.shape_class(use.field.module, path)
            plain = ctx.catalogue.resolve(use.field.module, path).leaf
        except KeyError:
            return use.field.privacy
        # the dataset's context may raise it (a joined site's place, a contract's tariff)
        raised = plain is not None and use.field.privacy.rank > plain.privacy.rank
        return PrivacyClass.highest([shape, PrivacyClass.QUASI]) if raised else shape
    if not (use.whole and use.field.field.kind is Kind.OBJECT and use.field.field.object):
        return use.field.privacy
    classes = [use.field.privacy, *(f.privacy for _, f in subtree(use.field.field.object, ctx))]
    return PrivacyClass.highest([*classes, use.field.contents or PrivacyClass.PUBLIC])


def _site(use: Use) -> bool:
    """A private site's detail: the field itself, or one inside an object read whole."""
    return use.field.site or (use.whole and bool(use.field.site_inside))


def subtree(object_name: str, ctx: Context, seen: frozenset[str] = frozenset()):
    """Every (dotted path, field) below an object, depth first."""
    if object_name in seen:
        return
    for name, field in ctx.catalogue.object(object_name).fields.items():
        yield name, field
        if field.object:
            for path, inner in subtree(field.object, ctx, seen | {object_name}):
                yield f"{name}.{path}", inner


def check_column(column: syntax.Column, name: str, uses: Iterable[Use], ctx: Context, *,
                 group_key: bool = False, needs_allowance: bool = False) -> None:
    """Emit the privacy diagnostics of one released column (or `group by` key).
    `needs_allowance`: a rule of the dataset's (the part of a spread value in a row
    dataset) already asks this column for a justification."""
    uses = list(uses)
    ctx.compared += _compared_values(uses, ctx)
    justified = column.justification is not None
    if justified:
        weak_justification(column.justification, ctx)
    needed = needs_allowance
    reported: list[syntax.Call] = []  # one OCX303 per generaliser that falls short
    for use in uses:
        finding = _finding(use, group_key, ctx)
        if finding is _never:
            _never(use, ctx)
        elif finding is _quasi and not justified:
            at = floors.assess(use).at
            if at is None or not any(at is other for other in reported):
                _quasi(use, name, ctx)
            reported += [at] if at is not None else []
        elif finding is not None and not justified:
            finding(use, name, ctx)
        needed = needed or finding is not None
    if justified and not needed:
        ctx.emit(warning("OCX307", "this column needs no justification", column.justification.span,
                         "nothing here needs an allowance",
                         notes=["an unneeded `because` is noise in the privacy review"],
                         help="remove the `because \"...\"` text"))


def _compared_values(uses: list[Use], ctx: Context) -> list[tuple[str, Span]]:
    """The text literals of the `jmespath(...)` expressions that read a personal field,
    with the span of the expression: blanked out of every view
    (`check/personal_literals.py`)."""
    hatches = {id(use.hatch): use.hatch for use in uses if use.hatch is not None
               and exposure(use, ctx) in (PrivacyClass.PERSONAL, PrivacyClass.NEVER)}
    return [(text, arg.span) for hatch in hatches.values() for arg in hatch.args[:1]
            if isinstance(arg, syntax.Literal) and isinstance(arg.value, str)
            for text in jmespath_texts(arg.value)]


def _finding(use: Use, group_key: bool, ctx: Context):
    """The report a use calls for unless justified (`_never`: even if justified), or None."""
    cls = exposure(use, ctx)
    if cls is PrivacyClass.NEVER:
        return _never
    if cls is PrivacyClass.PERSONAL and _site(use) and not _pseudonymised(use):
        return None if _protected(use) else sites.site_released
    if cls is PrivacyClass.PERSONAL:
        return _personal if not _pseudonymised(use) else _grouped_by_person if group_key else None
    if cls is PrivacyClass.QUASI and not _protected(use):
        return _quasi_key if group_key else _quasi
    return None


def _pseudonymised(use: Use) -> bool:
    if use.hatch is not None or not use.around:
        return False
    inner = use.around[0]
    return isinstance(inner, syntax.Call) and _effect(inner) is Effect.PSEUDONYMISE


def _protected(use: Use) -> bool:
    """Coarsened to at least its floor, derived from two record times, pseudonymised or
    aggregated; a JMESPath `length(...)` (a read that is not whole) only counts."""
    return floors.assess(use).protects


def _effect(call: syntax.Call) -> Effect | None:
    function = lookup(call.name.name)
    return function.effect if function else None


def _never(use: Use, ctx: Context) -> None:
    ctx.emit(error("OCX302", f"`{use.field.qualified}` may never leave the company",
                   use.field.ref.span, "never-exportable field",
                   notes=[_never_note(use)],
                   help="remove it from the column; no justification can release it"))


def _never_note(use: Use) -> str:
    if use.field.privacy is PrivacyClass.NEVER:
        return "it holds credentials, free text or signed meter data that embeds card identifiers"
    return (f"`{use.field.qualified}` is read as a whole object, and some of its fields may "
            "never leave")


# a site's parts that people write or photograph: personal for what they may hold (a
# neighbour's name in the directions, a private owner's name, a house on a picture)
_WRITTEN = frozenset({"directions", "owner", "images"})


def _personal(use: Use, name: str, ctx: Context) -> None:
    field = use.field.qualified
    if any(part in _WRITTEN for part in use.field.path):
        _written(use, ctx)
        return
    notes = [f"`{field}` identifies a driver, a card, a contract or a record that links to one"]
    masks = [node.name.name for node in use.around
             if isinstance(node, syntax.Call) and node.name.name in _MASKS]
    if masks:
        notes.append(f"masking with `{masks[0]}` is not pseudonymisation: what is left still "
                     "identifies, or can be guessed")
    if use.hatch is not None:
        notes.append("fields read inside `jmespath(...)` leave unprotected")
    ctx.emit(error("OCX301", f"personal field `{field}` is released without pseudonymisation",
                   use.field.ref.span, "personal data", notes=notes,
                   help=f"release a keyed pseudonym instead: `pseudonymize({field}) as {name}`"
                        " (or add `because \"...\"` with a justification the privacy officer "
                        "approves)"))


def _written(use: Use, ctx: Context) -> None:
    field = use.field.qualified
    notes = [f"`{field}` is text or pictures people put in (directions naming whom to ask "
             "for the key, a private owner's name, a house on a picture); no check can tell "
             "what it holds"]
    if use.hatch is not None:
        notes.append("fields read inside `jmespath(...)` leave unprotected")
    ctx.emit(error("OCX301", f"personal field `{field}` is released without an allowance",
                   use.field.ref.span, "free content, may name a person", notes=notes,
                   help="leave it out, or add `because \"...\"` with a justification the "
                        "privacy officer approves after reading what the platform holds"))


def _grouped_by_person(use: Use, name: str, ctx: Context) -> None:
    ctx.emit(warning("OCX321", f"grouping by `{name}` makes every group one person",
                     use.field.ref.span, "a personal identifier as group key",
                     notes=[f"`{use.field.qualified}` identifies a driver, so each row of the "
                            "aggregate describes a single person's behaviour"],
                     help="group by non-personal keys such as place and time, or add "
                          "`because \"...\"` with the reason the consumer needs per-person "
                          "figures"))


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


def _quasi_key(use: Use, name: str, ctx: Context) -> None:
    _quasi(use, name, ctx, key=True)


def _quasi(use: Use, name: str, ctx: Context, *, key: bool = False) -> None:
    field = use.field.qualified
    notes = ["times, places, energy and costs single out drivers when combined"]
    extremes = [node for node in use.around
                if isinstance(node, syntax.Call) and node.name.name in _EXTREMES]
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
    if extremes and _roundable(use, extremes[-1]):  # a measure stays a measure: round it
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


def weak_justification(text: syntax.Text, ctx: Context) -> bool:
    """Report a `because` text that says nothing (OCX306); True when it was reported."""
    problem = justification_problem(text.value)
    if problem is None:
        return False
    ctx.emit(error("OCX306", "the justification is too weak to review", text.span,
                   problem,
                   notes=["a reviewer approves the reason, so it must say something: at least "
                          "three distinct words of three or more letters, not mostly digits "
                          "or repeated characters, no word repeated to pad it out"],
                   help='e.g. `because "the study links sessions of one driver over a year"`'))
    return True


def check_include_private(include: syntax.IncludePrivate, module: str, ctx: Context) -> None:
    if module not in ("sessions", "cdrs"):
        why = ("a locations export always keeps only published locations" if module == "locations"
               else "only sessions and CDRs are filtered by location")
        ctx.emit(error("OCX311", f"`include private locations` means nothing for `{module}`",
                       include.span, why, help="remove the clause"))
        return
    weak_justification(include.justification, ctx)
    ctx.emit(warning("OCX310", "the export includes records at private locations",
                     include.span, "home and restricted chargers included",
                     notes=["records at non-public locations (publish=false) reveal where "
                            "people live or work; they are left out by default",
                            "in this dataset every field that describes the site (address, "
                            "coordinates, postal code, EVSE ids, names, owner) is personal"],
                     help="keep this only with the privacy officer's written approval"))


def released_as(effect: Effect, privacy: PrivacyClass,
                expr: syntax.Expr | None = None) -> PrivacyClass:
    """What leaves after the column's outermost transformation; `min` and `max` pass
    one record's value through, so they keep its class."""
    if effect is Effect.PSEUDONYMISE and isinstance(expr, syntax.Call) \
            and telling_pseudonyms.tells(expr):
        return privacy
    if effect in (Effect.CONSTANT, Effect.PSEUDONYMISE):
        return PrivacyClass.PUBLIC
    if isinstance(expr, syntax.Call) and (expr.name.name in _EXTREMES
                                          or power_sums.dominated(expr) is not None):
        return privacy
    if effect is Effect.AGGREGATE and privacy.rank <= PrivacyClass.QUASI.rank:
        return PrivacyClass.PUBLIC
    return privacy
