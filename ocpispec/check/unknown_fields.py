"""Diagnostics for a reference that resolves to no field: a name of another OCPI
version (OCX105), a path through a value (OCX104), a keyword in capitals (OCX008), and
an unknown field (OCX104) with where it is instead (`field_guesses`) or the names like
it (`name_suggestions`)."""

from __future__ import annotations

from ocpispec.check import field_guesses, name_suggestions
from ocpispec.check.dotted_names import dotted_path
from ocpispec.check.field_guesses import owner_name
from ocpispec.check.idle_words import idle_help
from ocpispec.diagnostics import error
from ocpispec.diagnostics.source import Span
from ocpispec.text import with_article
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

if TYPE_CHECKING:
    from ocpispec.check.scope_view import Reach, ScopeView
    from ocpispec.diagnostics import Diagnostic
    from ocpispec.language import syntax
    from ocpispec.schema.model import ObjectType


# a CDR's time spent charging, which OCPI gives as total time minus parking time
_CHARGING_TIME = frozenset({"charging_time", "total_charging_time", "charging_hours",
                            "charging_duration", "time_charging", "active_charging_time"})


def report_unresolved(scope: ScopeView, ref, reach: Reach, rest, resolution) -> None:
    offset = len(reach.parts)
    failed = resolution.failed_at or 0
    span = scope.ctx.segment_span(ref, offset + failed)
    owner = reach.binding.object if reach.binding.name else reach.binding.module
    hint = scope.ctx.catalogue.rename_hint(owner, rest)
    if field_guesses.unwritten_join(scope, ref, reach, failed) is not None:
        scope.ctx.emit(_unknown(scope, ref, reach, rest, failed, resolution.parent, span))
    elif hint is not None:
        scope.ctx.emit(_renamed(scope, ref, reach, hint, span))
    elif resolution.parent is None and failed > 0:
        scope.ctx.emit(_not_an_object(scope, ref, offset + failed, resolution, span))
    else:
        scope.ctx.emit(_unknown(scope, ref, reach, rest, failed, resolution.parent, span))


def _renamed(scope: ScopeView, ref, reach: Reach, hint, segment: Span) -> Diagnostic:
    neutral = ".".join((*reach.parts, *hint.neutral))
    versions = ", ".join(hint.versions)
    old, new = hint.written.split(".")[-1], hint.neutral[-1]
    if scope.ctx.source.text[ref.span.start:ref.span.end] == ref.dotted:
        span, fix = ref.span, f"use `{neutral}`"  # the whole path, under the caret
    elif hint.written.split(".")[:-1] == list(hint.neutral[:-1]):
        # a name inside `jmespath("...")`, where the path is written its own way
        span, fix = segment, f"write `{new}` for `{old}` in the expression"
    else:
        span, fix = ref.span, f"use `{neutral}` in the expression"
    return error("OCX105", f"`{hint.written}` is the OCPI {versions} name of "
                 f"`{'.'.join(hint.neutral)}`", span, f"an OCPI {versions} name",
                 notes=[hint.note, "specs use one set of names that works on every "
                        "OCPI version"],
                 help=f"{fix}, which works on every OCPI version")


def _not_an_object(scope: ScopeView, ref, index: int, resolution, span) -> Diagnostic:
    holder = ".".join(ref.path[:index])
    leaf = resolution.fields[-1] if resolution.fields else None
    kind = leaf.kind.value if leaf is not None else "value"
    above = (*ref.path[:index - 1], *ref.path[index:])  # `location.address.city`
    fix = f"write `{'.'.join(above)}`" if scope.resolves(above) else \
        f"select `{holder}` itself, or pick another field"
    return error("OCX104", f"`{holder}` has no field `{ref.path[index]}`", span,
                 f"`{holder}` is {with_article(kind)}, not an object", help=fix)


def _spread_value(spread, message: str, span: Span, label: str) -> Diagnostic:
    """OCX104 for a spread's value sought on its slot (`slot.value`, `slot_value`): the
    slot is a time, and the slot's part of the value is the spread field itself."""
    value, slot = ".".join(spread[0]), spread[1]
    return error("OCX104", message, span, label, notes=[
        f"`{slot}` is the start of each slot; in each slot's row `{value}` holds the "
        "slot's part of the spread value"], help=f"write `{value}`")


def _unknown(scope: ScopeView, ref: syntax.FieldRef, reach: Reach, rest: tuple[str, ...],
             failed: int, parent: ObjectType | None, span: Span) -> Diagnostic:
    """OCX104 for a name no object of the path holds: where it is instead, what it
    means, or the names like it."""
    name, owner = rest[failed], owner_name(reach, parent)
    if scope.spread is not None and len(ref.path) > 1 and ref.path[0] == scope.spread[1]:
        return _spread_value(scope.spread, f"`{ref.path[0]}` has no field `{ref.path[1]}`",
                             ref.span, "the slot is a time")
    if scope.spread is not None and len(ref.path) == 1 \
            and (name == "value" or name.startswith(f"{scope.spread[1]}_")):
        return _spread_value(scope.spread, f"unknown field `{name}` in `{owner}`", ref.span,
                             f"not a field of `{owner}`")
    join = field_guesses.unwritten_join(scope, ref, reach, failed)
    own = field_guesses.cdr_site_path(scope, ref, reach, join)
    if own is not None:  # a CDR carries its site: `cdr_location.postal_code`, no join
        return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                     f"not a field of `{owner}`",
                     notes=[f"a CDR holds the site it was charged at as `cdr_location`; "
                            f"`{ref.path[0]}` is the locations join"],
                     help=f"write `{own}`, or join the locations first: `join "
                          f"{join.target} on {'.'.join(join.local_key)}`")
    if join is not None:
        renamed = next((binding.name for binding in scope.bindings
                        if binding.module == join.target and binding.name
                        and "." not in binding.name), None)
        # inside `jmespath("...")` the path is written its own way (`[0]`, filters)
        written = scope.ctx.source.text[ref.span.start:ref.span.end] == ref.dotted
        fix = f"`{'.'.join((renamed, *ref.path[1:]))}`" if written and renamed else \
            f"`{renamed}` for `{name}` in the expression"
        return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                     f"not a field of `{owner}`",
                     notes=[f"`{name}` is the name of the `{join.target}` join"
                            + (" unless it is named with `as`" if renamed else "")],
                     help=f"the `{join.target}` join is named `{renamed}` here: write "
                          f"{fix}" if renamed else
                     f"join the {join.target} first: " + (
                         f"{join.unnesting} and " if join.unnesting else "")
                     + f"`join {join.target} on {join.written_key}`")
    if len(ref.path) == 1 and name.lower() in ("true", "false", "null"):  # SQL's TRUE
        return _capital_literal(scope, name, span)
    if failed == 0 and name.isupper():  # OCPI fields are lower case: an enum value
        return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                     "a value written without quotes",
                     notes=["a bare word is a field; values are quoted texts"],
                     help=f'a value is quoted: write `"{name}"`')
    if (hint := field_guesses.other_record_hint(scope, reach, rest, failed)) is not None:
        last = scope.ctx.segment_span(ref, len(reach.parts) + hint.written.count("."))
        return error("OCX104", f"unknown field `{name}` in `{owner}`",
                     Span(span.start, max(span.end, last.end)),
                     f"a field of {hint.other}, not of {reach.binding.module}",
                     notes=[f"`{hint.written}` is a field of {hint.other}"], help=hint.help)
    return _in_another_binding(scope, ref, reach, rest, failed, parent, span) \
        or _meant_otherwise(scope, ref, reach, rest, failed, parent, span) \
        or _in_referenced_record(scope, ref, reach, rest, failed, parent) \
        or name_suggestions.suggestion_error(scope, ref, reach, rest, failed, parent, span)


def _in_referenced_record(scope: ScopeView, ref: syntax.FieldRef, reach: Reach,
                          rest: tuple[str, ...], failed: int,
                          parent: ObjectType | None) -> Diagnostic | None:
    """`cdr_token.group_id`: a field of the token the CDR's `cdr_token` names by its
    `uid`, read through the tokens join."""
    name = rest[failed]
    copied = field_guesses.copied_record(scope, tuple(rest[:failed]), name) \
        if failed >= 1 and not reach.binding.name else None
    if copied is None:
        return None
    module, key, alias, joined = copied
    written = f"{alias}.{field_guesses.named_part(scope, module, name)}"
    return error("OCX104", f"unknown field `{name}` in `{owner_name(reach, parent)}`", ref.span,
                 f"a field of the {module.rstrip('s')}, not of its reference here",
                 notes=[f"`{'.'.join(rest[:failed])}` names the {module.rstrip('s')} by "
                        f"`{key}`; its other fields are the joined record's"],
                 help=f"write `{written}`" if joined else
                 f"add `join {module} on {key}` and write `{written}`")


def _in_another_binding(scope: ScopeView, ref: syntax.FieldRef, reach: Reach, rest: tuple[str, ...],
                        failed: int, parent: ObjectType | None, span: Span) -> Diagnostic | None:
    """A field of another binding of the dataset (a join's, an `each`'s), of a join not
    written, of an object inside the record, or of the record written with its name."""
    name, owner = rest[failed], owner_name(reach, parent)
    if (used := field_guesses.charge_element_binding(scope, reach, rest[failed:])) is not None:
        binding, path = used
        part = binding.split(".")[-1]
        return error("OCX104", f"unknown field `{name}` in `{owner}`",
                     ref.span,  # the help writes the whole path
                     f"not a field of `{owner}`",
                     help=f"the {part.upper() if part == 'evse' else part} the charge "
                          f"used is `{binding}`: write `{'.'.join((binding, *path))}`")
    if (sibling := field_guesses.sibling_binding(scope, reach, rest[failed:])) is not None:
        binding, path = sibling
        return error("OCX104", f"unknown field `{name}` in `{owner}`",
                     ref.span,  # the help writes the whole path
                     f"not a field of `{owner}`",
                     help=f"it is a field of `{binding}`: write "
                          f"`{'.'.join((binding, *path))}`")
    if failed == 0 and not reach.binding.name \
            and (joined := field_guesses.joined_module_with(scope, reach.binding.module,
                                                            name)) is not None:
        named = field_guesses.named_part(scope, joined[0], name)
        return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                     f"a field of the joined {joined[0]}",
                     help=f"write `{joined[2]}.{named}`" if joined[3] else
                     f"add `join {joined[0]} on {joined[1]}` and write "
                     f"`{joined[2]}.{named}`")
    if parent is not None \
            and (inner := field_guesses.inner_object_path(scope, parent, rest[failed:])):
        path = ".".join((*ref.path[: len(reach.parts) + failed], *inner))
        return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                     f"a field of `{inner[0]}`", help=f"write `{path}`")
    if failed == 0 and not reach.binding.name \
            and (element := field_guesses.each_help(scope, name, after=tuple(rest[1:]))):
        return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                     f"not a field of `{owner}`", help=element)
    if failed == 0 and not reach.binding.name and len(rest) > 1 \
            and (element := field_guesses.each_help(scope, name, unbound=True)):
        return error("OCX104", f"unknown field `{name}` in `{owner}`", span,
                     f"no `each` names `{name}`", help=element)
    if (own := field_guesses.without_record_name(scope, ref, reach, failed)) is not None:
        return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                     f"the record itself is {with_article(name)}",
                     notes=[f"fields of the {reach.binding.module} record are named "
                            "without a prefix; a prefix names a join or an `each`"],
                     help=f"write `{own}`")
    return None


def _meant_otherwise(scope: ScopeView, ref: syntax.FieldRef, reach: Reach, rest: tuple[str, ...],
                     failed: int, parent: ObjectType | None, span: Span) -> Diagnostic | None:
    """A field of a list's elements, a list's length, a time OCPI leaves to compute,
    or a path written with `_` for its dots."""
    name, owner = rest[failed], owner_name(reach, parent)
    if parent is not None and (listed := field_guesses.list_holding(scope, parent, rest[failed:])):
        holder = ".".join((*ref.path[: len(reach.parts) + failed], listed))
        alias = "connector" if listed == "connectors" else \
            "evse" if listed == "evses" else "item"
        leaf = ".".join((alias, *rest[failed:]))
        return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                     f"a field of each of `{holder}`",
                     notes=[f"`{holder}` is a list: a row per element is `each`"],
                     help=f"add `each {holder} as {alias}` and write `{leaf}`")
    counted = field_guesses.counted_list(parent, name) if parent is not None else None
    if counted is not None:  # `evse_count`, `number_of_connectors`: a list's length
        path = ".".join((*ref.path[: len(reach.parts) + failed], counted))
        return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                     f"the number of `{counted}`?",
                     notes=[f"`{counted}` is a list; a column counts its elements with "
                            "JMESPath's `length`, a record without it as 0"],
                     help=f"write `jmespath(\"length({path} || `[]`)\") as {name}`")
    if failed == 0 and not reach.binding.name and reach.binding.module == "cdrs" \
            and name.lower() in _CHARGING_TIME:
        where, told = _charging_time(scope.ctx.source.text, ref.span)
        return error("OCX104", f"unknown field `{name}` in `{owner}`", where or span,
                     "OCPI gives no charging time", notes=[
                         "a CDR gives the hours connected (`total_time`) and, of "
                         "those, the hours not charging (`total_parking_time`); a CDR "
                         "without a parking time gives an empty difference"],
                     help=told)
    if failed == 0 and not reach.binding.name and (idle := idle_help(
            reach.binding.module, name, next((binding.name for binding in scope.bindings
                                              if binding.module == "cdrs"
                                              and binding.name), None))) is not None:
        return error("OCX104", f"unknown field `{name}` in `{owner}`", span, idle.label,
                     notes=[idle.note], help=idle.help)
    written = dotted_path(ref.path[:len(reach.parts) + failed], name,
                          tuple(rest[failed + 1:]), scope.resolves,
                          tuple(parent.fields) if parent is not None else ())
    if written is not None:
        return error("OCX104", f"unknown field `{name}` in `{owner}`", ref.span,
                     "a path written with `_` for its dots", help=f"write `{written}`")
    return None


def _capital_literal(scope: ScopeView, name: str, span: Span) -> Diagnostic:
    """`credit = FALSE`, `end_date_time = NULL`: SQL's capitals, read as a field; a
    comparison with null is written `is null` (the caret takes the `=` in)."""
    fixed = written = name.lower()
    text = scope.ctx.source.text if scope.ctx.source is not None else ""
    before = text[:span.start].rstrip()
    operator = next((op for op in ("!=", "<>", "=") if before.endswith(op)), None)
    if fixed == "null" and operator is not None and not before.endswith(("<=", ">=")) \
            and before[-len(operator) - 1:-len(operator)].isspace():
        span = Span(len(before) - len(operator), span.end)
        fixed = "is null" if operator == "=" else "is not null"
        name, written = f"{operator} {name}", fixed
    return error("OCX008", f"`{name}` is written `{written}`", span,
                 "a keyword in capitals",
                 notes=["`true`, `false` and `null` are words of the language, in lower "
                        "case; in quotes they would be texts"],
                 help=f"write `{fixed}`")


def _charging_time(text: str, span: Span) -> tuple[Span | None, str]:
    """How to write a CDR's charging time where the name stands: in arithmetic, in
    parentheses (`total_time - total_charging_time` pasted without them is minus the
    parking time); subtracted from `total_time`, it is the parking time itself, the
    caret then over the whole difference."""
    before, after = text[:span.start].rstrip(), text[span.end:].lstrip()[:1]
    if before.endswith("-") and before[:-1].rstrip().endswith("total_time"):
        start = len(before[:-1].rstrip()) - len("total_time")
        return Span(start, span.end), ("`total_time` less the charging time is the time "
                                       "not charging: write `total_parking_time`")
    if before[-1:] in ("+", "-", "*", "/") or after in ("+", "-", "*", "/"):
        return None, "it is computed: write `(total_time - total_parking_time)`"
    return None, "it is computed: write `total_time - total_parking_time`"
