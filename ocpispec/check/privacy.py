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
from ocpispec.check.personal_literals import jmespath_texts
from ocpispec.check.quasi_columns import EXTREMES, warn_quasi, warn_quasi_key
from ocpispec.check.values import Use
from ocpispec.diagnostics import error, warning
from ocpispec.language.functions import Effect, lookup
from ocpispec.schema.model import Kind, PrivacyClass
from ocpispec.diagnostics.source import Span

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
    ctx.compared.extend(_compared_values(uses, ctx))
    justified = column.justification is not None
    if justified:
        weak_justification(column.justification, ctx)
    needed = needs_allowance
    reported: list[syntax.Call] = []  # one OCX303 per generaliser that falls short
    for use in uses:
        finding = _finding(use, group_key, ctx)
        if finding is _never:
            _never(use, ctx)
        elif finding is _grouped_by_person:  # no justification makes a profile an aggregate
            _grouped_by_person(use, name, ctx)
        elif finding is warn_quasi and not justified:
            at = floors.assess(use).at
            if at is None or not any(at is other for other in reported):
                warn_quasi(use, name, ctx)
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
    if cls is PrivacyClass.PERSONAL and group_key:
        return _grouped_by_person
    if cls is PrivacyClass.PERSONAL:
        return None if _pseudonymised(use) else _personal
    if cls is PrivacyClass.QUASI and not _protected(use):
        return warn_quasi_key if group_key else warn_quasi
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
    field = use.field.qualified
    ctx.emit(error(
        "OCX321", f"an aggregate per `{name}` releases each person's own figures",
        use.field.ref.span, "a person as group key",
        notes=[f"`{field}` identifies a driver, a card, a contract or a record that links to "
               "one, pseudonymised or not, so every group is one person: the minimum group "
               "size, which counts drivers, suppresses every group, or, set to 1, releases "
               "each person's exact totals (a month of one session is that session's energy, "
               "below every floor)",
               "no justification allows it: a per-person profile is not an aggregate"],
        help=f"remove `{name}` from `group by` and count the people of each group with "
             f"`count(distinct pseudonymize({_counted(use)})) as drivers` in `compute`; "
             "per-person data for a study is a row dataset (`select` the pseudonym beside "
             f"values at their floors), which the consumer adds up{_per_emsp(use, ctx)}"))


def _per_emsp(use: Use, ctx: Context) -> str:
    """Figures per eMSP asked by the token's contract id or uid: the token names the eMSP
    that issued it in fields of its own (OCPI 2.2.1 and later)."""
    path = use.field.path
    if use.field.module not in ("sessions", "cdrs") or len(path) != 2 \
            or path[0] != "cdr_token" or path[1] not in ("contract_id", "uid") \
            or ctx.version == "2.1.1":
        return ""
    at = use.field.qualified.rsplit(".", 1)[0]
    return (f"; for figures per eMSP, group by `{at}.country_code` and `{at}.party_id`, the "
            "eMSP that issued the card (OCPI 2.2.1 and later), each with `because \"...\"` "
            "saying why the consumer needs the figures per eMSP")


def _counted(use: Use) -> str:
    """The field a group's people are counted by: the driver a session or CDR names."""
    if use.field.module in ("sessions", "cdrs"):
        return "cdr_token.contract_id"
    return use.field.qualified


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
    if isinstance(expr, syntax.Call) and (expr.name.name in EXTREMES
                                          or power_sums.dominated(expr) is not None):
        return privacy
    if effect is Effect.AGGREGATE and privacy.rank <= PrivacyClass.QUASI.rank:
        return PrivacyClass.PUBLIC
    return privacy
