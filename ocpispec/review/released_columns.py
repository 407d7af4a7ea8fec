"""A released column in the review: the fields it reads and what they mean, its
transformation in words, its privacy class before and after, and the warnings its
missing justification leaves open."""

from __future__ import annotations

from ocpispec.check.calls import calls_in
from ocpispec.check.checked import CheckedColumn, CheckedSpec
from ocpispec.check.personal_literals import redacted_jmespath
from ocpispec.language import syntax
from ocpispec.language.functions import PSEUDONYMOUS, Effect
from ocpispec.plan.columns import personal_hatch
from ocpispec.review import words
from ocpispec.review.model import ReleasedColumn, SourceField
from ocpispec.schema.model import PrivacyClass
from ocpispec.text import code_span


def released_column(column: CheckedColumn, role: str, scope: str, module: str,
                    unjustified: tuple[str, ...], counted: str) -> ReleasedColumn:
    sources = tuple(SourceField(field.qualified, _described(field, column),
                                field.privacy.value)
                    for field in dict.fromkeys(column.sources))
    before = column.privacy.value if column.sources else "none (reads no field)"
    return ReleasedColumn(column.name, role, sources,
                          _words(column, scope, module, counted),
                          before, _released(column), column.justification, unjustified)


def _described(field, column: CheckedColumn) -> str:
    """The field's meaning; for an object read whole, every field of it that leaves:
    `to_string(cdr_token)` said only "the token used" beside a justification about
    the card's uid, while its contract id, type and issuer left with it."""
    if field.qualified not in column.whole:
        return field.field.doc
    from ocpispec.schema import catalogue

    leaves = [path for path, inner in _leaves(catalogue(), field.field.object, ())]
    if not leaves:
        return field.field.doc
    return f"{field.field.doc}; read whole, so all of it leaves: {', '.join(leaves)}"


def _leaves(cat, object_name: str, seen: tuple[str, ...]):
    if object_name in seen:
        return
    for name, inner in cat.object(object_name).fields.items():
        if inner.object:
            for path, leaf in _leaves(cat, inner.object, (*seen, object_name)):
                yield f"{name}.{path}", leaf
        else:
            yield name, inner


def _words(column: CheckedColumn, scope: str, module: str, counted: str) -> str:
    """The transformation in words; the values a `jmespath(...)` compares personal
    fields with are blanked out, as in a filter."""
    text = words.transformation(column.column.expr, scope, module, counted) + _card_words(column)
    if not personal_hatch(column):
        return text
    for call in calls_in(column.column.expr):
        if call.name.name == "jmespath" and call.args and \
                isinstance(call.args[0], syntax.Literal) and isinstance(call.args[0].value, str):
            text = text.replace(code_span(call.args[0].value),
                                code_span(redacted_jmespath(call.args[0].value)))
    return text


def _card_words(column: CheckedColumn) -> str:
    """For a record's own id released as it is (`id as reference because "..."`), or one
    of its public ids (`location_id as site`, `evse_uid`), that the run nulls one holding
    the driver's card (`execute/shown_own_ids.py`, `execute/shown_public_ids.py`): some
    platforms build it from the card, so the officer reads that the column may be empty."""
    from ocpispec.schema.own_ids import own_id_fields, shown_public_ids

    if column.aggregate or column.effect is Effect.PSEUDONYMISE:
        return ""
    for field in column.sources:
        path = (*field.base, *field.path)
        if column.released_as is PrivacyClass.PERSONAL and path in own_id_fields(field.module):
            return ("; empty where it holds the record's own card or contract id, which some "
                    "platforms build it from (`NL-TNM-C12345678-0001`; the run counts them)")
        if field.binding == "" and shown_public_ids(field.module, [".".join(path)]):
            return ("; empty where it holds the record's own card or contract id, which some "
                    "platforms name a site or charger after (`LOC-NL-TNM-C12345678`; the run "
                    "counts them)")
    return ""


def _released(column: CheckedColumn) -> str:
    """The class as released, as the officer reads it: never public for a pseudonym."""
    return PSEUDONYMOUS if column.effect is Effect.PSEUDONYMISE else column.released_as.value


# the warnings of a column that its `because "..."` answers (check.privacy.check_column):
# a quasi-identifier released below its floor, a site's field at private locations
_WANT_JUSTIFICATION = frozenset({"OCX303", "OCX334"})


def unjustified_codes(column: CheckedColumn, spec: CheckedSpec) -> tuple[str, ...]:
    """The codes of the warnings on this column that ask for a justification it lacks:
    the review must not say it needs none."""
    if column.justification is not None:
        return ()
    span = column.column.span
    return tuple(dict.fromkeys(
        d.code for d in spec.warnings
        if d.code in _WANT_JUSTIFICATION and (at := d.primary_span) is not None
        and span.start <= at.start and at.end <= span.end))
