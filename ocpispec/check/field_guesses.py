"""Where a field a reference names is, when it is not where the reference looks: a
join's other binding, a join not written, an object inside the record, a list's
elements, the other record of a charge (`check/unknown_fields.py` says so)."""

from __future__ import annotations


from ocpispec.check.element_fields import element_help, unbound_help
from ocpispec.check.other_module import other_module_hint
from ocpispec.schema.joins import JOINS
from ocpispec.lazy_pattern import lazy
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

if TYPE_CHECKING:
    from ocpispec.check.scope_view import Reach, ScopeView
    from ocpispec.language import syntax
    from ocpispec.schema.model import ObjectType


def owner_name(reach: Reach, parent: ObjectType | None) -> str:
    """The object a name was looked up in: the path's last object, or the binding's."""
    return parent.name if parent is not None else reach.binding.object


# `evse_count`, `n_connectors`, `number_of_evses`, `facilities_count`: a list's length
_COUNTED = lazy(r"(?:n|num|nr|no|number_of|count|count_of|total)_(?P<a>[a-z_]+)"
                r"|(?P<b>[a-z_]+?)_(?:count|counts|number|total|n)")


def counted_list(parent: ObjectType, name: str) -> str | None:
    """The list field of `parent` whose number of elements `name` asks for."""
    found = _COUNTED.fullmatch(name.lower())
    if found is None:
        return None
    stem = found.group("a") or found.group("b")
    for option in (stem, f"{stem}s", f"{stem}es", stem.rstrip("s")):
        field = parent.fields.get(option)
        if field is not None and field.many:
            return option
    return None


def site_field_help(scope: ScopeView, ref: syntax.FieldRef) -> str | None:
    """`cdr_location.operator.name`: a field the CDR's copy of its site lacks and the
    location has (its operator, owner, opening times); read through the join."""
    rest = ref.path[1:]
    catalogue = scope.ctx.catalogue
    # the charger's power and voltage are the connector's, its status the EVSE's
    inside = "" if catalogue.resolve("locations", rest).ok else \
        next((part for part, kind in (("connector", "Connector"), ("evse", "EVSE"))
              if catalogue.resolve_in(kind, rest).ok), None)
    if inside is None:
        return None
    joined = next((binding.name for binding in scope.bindings
                   if binding.module == "locations" and binding.name
                   and "." not in binding.name), None)
    path = ".".join((joined or "location", *((inside,) if inside else ()), *rest))
    holder = f"its {inside.upper() if inside == 'evse' else inside}" if inside \
        else "its location"
    return (f"the CDR's site holds no `{rest[0]}`; {holder} does: write `{path}`"
            if joined else f"the CDR's site holds no `{rest[0]}`; {holder} does: "
            "add `join locations on cdr_location.id` and write " f"`{path}`")


def cdr_site_path(scope: ScopeView, ref, reach: Reach, join) -> str | None:
    """`location.postal_code` in a CDR dataset without the join: the CDR's own
    `cdr_location.postal_code`, when it has that field."""
    if join is None or join.target != "locations" or reach.binding.name \
            or reach.binding.module != "cdrs" or len(ref.path) < 2:
        return None
    path = ("cdr_location", *ref.path[1:])
    return ".".join(path) if scope.ctx.catalogue.resolve("cdrs", path).ok else None


def joined_module_with(scope: ScopeView, module: str,
                       name: str) -> tuple[str, str, str, bool] | None:
    """`city` on a session: the module a join brings in that has the field, with
    the join's key, its alias (the name it is joined under) and whether it is joined."""
    joined = {binding.module: binding.name for binding in scope.bindings
              if binding.name and "." not in binding.name}
    for spec in JOINS.get(module, ()):
        if name in scope.ctx.catalogue.root(spec.target).fields:
            alias = joined.get(spec.target, spec.alias)
            return spec.target, spec.written_key, alias, spec.target in joined
    return None


def copied_record(scope: ScopeView, held: tuple[str, ...],
                  name: str) -> tuple[str, str, str, bool] | None:
    """`cdr_token.group_id`: a field of the record that the object `held` of this one
    refers to by a join key (a session's `cdr_token` names its token by `uid`, a CDR's
    `cdr_location` its location by `id`) but does not copy; as `joined_module_with`."""
    joined = {binding.module: binding.name for binding in scope.bindings
              if binding.name and "." not in binding.name}
    for spec in JOINS.get(scope.module, ()):
        if spec.local_key[:-1] == held and not spec.element_list \
                and name in scope.ctx.catalogue.root(spec.target).fields:
            alias = joined.get(spec.target, spec.alias)
            return spec.target, spec.written_key, alias, spec.target in joined
    return None


def named_part(scope: ScopeView, module: str, name: str) -> str:
    """`operator` of a location, a `BusinessDetails` object no column may release
    whole (OCX209): its `name`, the value a column can hold."""
    field = scope.ctx.catalogue.root(module).fields.get(name)
    if field is None or field.object is None or field.many:
        return name
    inner = scope.ctx.catalogue.object(field.object).fields
    return f"{name}.name" if "name" in inner else name


def other_record_hint(scope: ScopeView, reach: Reach, rest: tuple[str, ...], failed: int):
    """`kwh` on a CDR, `cdr_location.city` on a session: the other record's name."""
    if reach.binding.name or failed != 0:
        return None
    location = next((binding.name for binding in scope.bindings
                     if binding.module == "locations" and binding.name
                     and "." not in binding.name), None)
    charge = next((binding.name for binding in scope.bindings
                   if binding.module == "cdrs" and binding.name), None)
    return other_module_hint(reach.binding.module, rest, location, charge)


def sibling_binding(scope: ScopeView, reach: Reach,
                    rest: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
    """`location.evse.max_electric_power`: the binding of the same join that has
    the field (`location.connector`), also under the name a user's word means
    (`location.power` is `location.connector.max_electric_power`)."""
    if not reach.binding.name:
        return None
    family = reach.parts[0]
    catalogue = scope.ctx.catalogue
    own = reach.binding.object
    meant = [(field, *rest[1:]) for field in catalogue.meant(rest[0])]
    if any(catalogue.resolve_in(own, path).ok for path in meant):
        meant = []  # `location.lat`: the location's own `coordinates` is suggested
    for path in (rest, *meant):
        for other in scope.reaches:
            # a join's other bindings, or an element inside this one (`each
            # evse.connectors as connector` beside `each evses as evse`)
            inside = bool(reach.base) and len(other.base) > len(reach.base) and \
                other.base[:len(reach.base)] == reach.base
            if other is not reach and (other.parts[:1] == (family,) or inside) and \
                    catalogue.resolve_in(other.binding.object, path).ok:
                return other.binding.name, path
    return None


def inner_object_path(scope: ScopeView, parent, rest: tuple[str, ...]) -> tuple[str, ...] | None:
    """`twentyfourseven` of a location: the first object field (not a list) of
    `parent` that holds the path, `opening_times.twentyfourseven` (a CDR's
    `excl_vat`: `total_cost.excl_vat`, the first of its prices)."""
    catalogue = scope.ctx.catalogue
    found = [(field.name, *rest) for field in parent.fields.values()
             if field.object and not field.many and field.object in catalogue.neutral.objects
             and catalogue.resolve_in(field.object, rest).ok]
    return found[0] if found else None


def list_holding(scope: ScopeView, parent, rest: tuple[str, ...]) -> str | None:
    """`max_electric_power` of an EVSE: the one list of objects of `parent` whose
    elements hold the path (`connectors`)."""
    catalogue = scope.ctx.catalogue
    found = [field.name for field in parent.fields.values()
             if field.object and field.many and field.object in catalogue.neutral.objects
             and catalogue.resolve_in(field.object, rest).ok]
    return found[0] if len(found) == 1 else None


def without_record_name(scope: ScopeView, ref, reach: Reach, failed: int) -> str | None:
    """`location.coordinates` in a locations dataset: the record named by its
    module's singular, as a join of it would be; the path without it."""
    module = scope.module
    singular = {"locations": "location", "tariffs": "tariff", "sessions": "session",
                "cdrs": "cdr", "tokens": "token"}.get(module)
    if reach.binding.name or failed != 0 or ref.path[0] != singular or len(ref.path) < 2:
        return None
    return ref.dotted.split(".", 1)[1] \
        if scope.ctx.catalogue.resolve(module, ref.path[1:]).ok else None


def charge_element_binding(scope: ScopeView, reach: Reach,
                           rest: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
    """`location.connectors.max_electric_power`, `location.evse.connector.standard`:
    the list a join's binding is the charge's own element of (`location.connector`,
    the connector the session used), named as the list or through its holder; the
    path through the list would be a list of every connector's value (OCX209)."""
    word = rest[0].lower()
    for other in scope.reaches:
        last = other.parts[-1] if other.parts else ""
        if other is reach or other.parts[:1] != reach.parts[:1] or len(other.parts) < 2 \
                or word not in (last, last + "s") or len(rest) < 2:
            continue
        if scope.ctx.catalogue.resolve_in(other.binding.object, rest[1:]).ok:
            return other.binding.name, rest[1:]
    return None


def unwritten_join(scope: ScopeView, ref, reach: Reach, failed: int):
    if reach.binding.name or failed != 0:
        return None
    for join in scope.ctx.catalogue.joins(scope.module):
        if join.alias == ref.path[0]:
            return join
    return None


def each_help(scope: ScopeView, name: str, *, unbound: bool = False,
              after: tuple[str, ...] = ()) -> str | None:
    """`status` of a location: a field of its EVSEs, reached with `each`; `unbound`:
    `evse.status` written without the `each` that names `evse` (`name`)."""
    bound = {reach.base: reach.binding.name for reach in scope.reaches
             if reach.binding.module == scope.module and reach.binding.name and reach.base}
    fields = frozenset(scope.ctx.catalogue.root(scope.module).fields)
    if unbound:
        return unbound_help(scope.ctx.catalogue, scope.module, name, bound, fields)
    if scope.module == "cdrs" and name in ("tariff_id", "tariff_ids") and not after:
        return _cdr_tariffs_help(bound.get(("tariffs",)))
    return element_help(scope.ctx.catalogue, scope.module, name, bound, fields, after)


def _cdr_tariffs_help(alias: str | None) -> str:
    """A CDR's tariff ids as a session's or a location's name them: the CDR's own list
    of the tariffs it was charged by holds them in every version, where a charging
    period's `tariff_id` is OCPI 2.2.1 and 2.3.0 only (always null on 2.1.1)."""
    if alias is not None:
        return f"the tariffs of a CDR are unnested as `{alias}`: write `{alias}.id`"
    return ("a CDR lists the tariffs it was charged by in `tariffs`: add `each tariffs as "
            "tariff_used` to the dataset and write `tariff_used.id` (every OCPI version; "
            "a charging period's `period.tariff_id` is OCPI 2.2.1 and 2.3.0 only)")
