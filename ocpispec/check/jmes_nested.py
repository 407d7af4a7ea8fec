"""A list of lists where `contains` or `join` wants one list: `evses[].parking_restrictions`
is one list per EVSE, so `contains(evses[].parking_restrictions, 'DISABLED')` is false on
every record (the value is never one of the lists) and `join(',', ...)` fails the run
(OCX570: `join` takes texts). Flattened, `evses[].parking_restrictions[]`, it is one list
of every EVSE's values, which both read as meant."""

from __future__ import annotations

from ocpispec.diagnostics import error

TYPE_CHECKING = False  # typing costs a cold `check` its import; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Any

Path = tuple[str, ...]
# the functions that look into one list of values, and which argument it is
LIST_ARGUMENT = {"contains": 0, "join": 1}


def projected_list(name: str, plain: list[dict]) -> dict | None:
    """The projection (`a[].b`, unflattened) a `contains` or `join` takes as its list,
    through the defaults of `||`; None for any other argument."""
    index = LIST_ARGUMENT.get(name)
    if index is None or len(plain) <= index:
        return None
    node = plain[index]
    while node["type"] == "or_expression":
        node = node["children"][0]
    # `a[].b[]` is a projection of the identity over a flattened list: one list already
    if node["type"] != "projection" or node["children"][1]["type"] == "identity":
        return None
    return node


def written(node: dict) -> str | None:
    """The JMESPath text of a plain path with projections, as its author wrote it."""
    match node:
        case {"type": "field", "value": str(name)}:
            return name
        case {"type": "flatten", "children": [inner]}:
            inner_text = written(inner)
            return None if inner_text is None else f"{inner_text}[]"
        case {"type": "projection", "children": [left, {"type": "identity"}]}:
            return written(left)
        case {"type": "subexpression" | "projection", "children": [*parts]}:
            texts = [written(part) for part in parts]
            return None if None in texts else ".".join(texts)  # type: ignore[arg-type]
    return None


def check_nested(nested: list[tuple[Path, str, str | None]], found, objects: dict[str, str],
                 literal: Any, ctx: Any) -> None:
    """OCX211 for a `contains` or `join` whose list's elements are lists in the catalogue."""
    for path, function, text in dict.fromkeys(nested):
        resolved = next((field for field, _ in found if field.ref.path == path), None)
        if resolved is None:
            continue
        if resolved.binding:
            resolution = ctx.catalogue.resolve_in(objects[resolved.binding], resolved.path)
        else:
            resolution = ctx.catalogue.resolve(resolved.module, resolved.path)
        if not resolution.ok or not resolution.fields or not resolution.fields[-1].many:
            continue
        shown = text or ".".join(path)
        effect = ("is false on every record: the value is never one of the lists"
                  if function == "contains" else
                  "fails the run at the first record that has some: `join` takes texts, "
                  "not lists (OCX570)")
        ctx.emit(error("OCX211", f"`{shown}` is a list of lists: `{function}` of it {effect}",
                       literal.span, "one list per element",
                       notes=[f"`{path[-1]}` is a list in each element; `[]` at the end "
                              "makes one list of every element's values"],
                       help=f"write `{shown}[]`"))
