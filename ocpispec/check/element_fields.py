"""A field of a list's elements written as the record's own (`status` of a location,
whose status is per EVSE; `standard`, per connector): the `each` that reaches it."""

from __future__ import annotations

from ocpispec.schema.model import Kind

# the name an element of a list is usually given (`each evses as evse`)
ELEMENT_NAMES = {"charging_periods": "period", "evses": "evse", "connectors": "connector",
                 "elements": "element", "price_components": "component"}


def element_help(catalogue, module: str, name: str, bound: dict[tuple[str, ...], str],
                 fields: frozenset[str], after: tuple[str, ...] = ()) -> str | None:
    """The help for `name`, unknown in `module`'s records, when an element of one of
    their lists (or of a list in those elements) has it. `bound`: the lists an `each`
    already unnests (their path in the record) and its name; `fields`: the record's
    own field names, which an element's name may not hide; `after`: the path written
    after `name`."""
    found = _route(catalogue, catalogue.root(module), (),
                   lambda list_name, obj: name in obj.fields)
    if found is None:
        return None
    written, alias = _eaches(found, bound, fields, None)
    element = found[-1].removesuffix("s").replace("_", " ")
    inner = bound.get((*found, name))  # `price_components.price`: a list unnested already
    if not written and inner is not None and after:
        return f"`{name}` is unnested as `{inner}`: write `{'.'.join((inner, *after))}`"
    if not written:
        return f"`{name}` is a field of each {element}: write `{alias}.{name}`"
    return (f"`{name}` is a field of each {element}: add `{written}` to the dataset and "
            f"write `{alias}.{name}`")


def unbound_help(catalogue, module: str, head: str, bound: dict[tuple[str, ...], str],
                 fields: frozenset[str]) -> str | None:
    """`connector.standard` on locations without the `each` that names `connector`:
    the `each` clauses that do, when `head` is the usual name of an element."""
    found = _route(catalogue, catalogue.root(module), (),
                   lambda list_name, obj: ELEMENT_NAMES.get(list_name) == head)
    if found is None:
        return None
    written, _ = _eaches(found, bound, fields, head)
    return f"no `each` names `{head}`: add `{written}` to the dataset, after its joins"


def _eaches(found: tuple[str, ...], bound: dict[tuple[str, ...], str],
            fields: frozenset[str], head: str | None) -> tuple[str, str]:
    """The `each` clauses that unnest the lists `found` (those not `bound` yet), and
    the name of the innermost element."""
    written: list[str] = []
    parent = ""
    for depth in range(1, len(found) + 1):
        path = found[:depth]
        alias = bound.get(path)
        if alias is None:
            alias = ELEMENT_NAMES.get(path[-1], path[-1].removesuffix("s"))
            alias = alias if alias not in fields or alias == head else f"{alias}_item"
            written.append(f"each {parent + '.' if parent else ''}{path[-1]} as {alias}")
        parent = alias
    return " ".join(written), parent


def _route(catalogue, obj, above: tuple[str, ...], fits) -> tuple[str, ...] | None:
    """The lists, outermost first, down to the first list that `fits` (its name and
    its element's object; two deep at most: an EVSE's connectors)."""
    lists = [(list_name, catalogue.object(field.object)) for list_name, field in
             obj.fields.items() if field.many and field.kind is Kind.OBJECT
             and field.object is not None]
    for list_name, element in lists:
        if fits(list_name, element):
            return (*above, list_name)
    if above:
        return None
    for list_name, element in lists:
        found = _route(catalogue, element, (list_name,), fits)
        if found is not None:
            return found
    return None
