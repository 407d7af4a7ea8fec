"""One JMESPath expression that turns a wire record of some version into a neutral
record holding exactly the requested neutral paths (the default-deny projection).

Objects become multi-select hashes whose expressions stay relative to the nearest
list element, so `cdr_token.contract_id` reads `cdr_token.contract_id` in 2.2.1 and
`auth_id` in 2.1.1; lists become projections (`charging_periods[].{...}`). A path
the version does not carry yields `null`, and so does an object the record lacks
(`total_cost.{...}` is null when `total_cost` is). Keys follow catalogue order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

from ocpispec.schema import neutral
from ocpispec.schema.mapping import VersionMap, fill, path_text, sub_adapter
from ocpispec.schema.model import Field
from ocpispec.schema.neutral import Computed, WirePath

if TYPE_CHECKING:
    from ocpispec.schema.view import CatalogueView

# requested sub-paths per field name; None = the whole field
Tree = dict[str, "Tree | None"]
NULL = "`null`"


def expression(cat: CatalogueView, module: str, version: str,
               paths: Iterable[Sequence[str]]) -> str:
    tree = _tree(cat, module, paths)
    if not tree:
        # a dataset that reads no field (only constants, `count()`): an empty record each
        # time, a new dict, since the pipeline binds joins into it
        return "merge(`{}`)"
    return _object(cat.maps[version], neutral.ROOTS[module], (), tree)


def _tree(cat: CatalogueView, module: str, paths: Iterable[Sequence[str]]) -> Tree:
    tree: Tree = {}
    for path in paths:
        if not path or not cat.resolve(module, path).ok:
            raise ValueError(f"`{'.'.join(path)}` is not a field of `{module}`")
        node: Tree | None = tree
        for name in path[:-1]:
            if node is None:
                break
            node = node.setdefault(name, {})
        if node is not None:
            node[path[-1]] = None
    return tree


def _object(vmap: VersionMap, adapter: str, base: WirePath, tree: Tree | None) -> str:
    items = [f"{field.name}: {_field(vmap, adapter, field, base, _below(tree, field.name))}"
             for field in vmap.fields_of(adapter) if tree is None or field.name in tree]
    return "{" + ", ".join(items) + "}"


def _below(tree: Tree | None, name: str) -> Tree | None:
    return None if tree is None else tree[name]


def _field(vmap: VersionMap, adapter: str, field: Field, base: WirePath,
           tree: Tree | None) -> str:
    source = vmap.source(adapter, field.name)
    if source is None:
        return NULL
    if isinstance(source, Computed):
        return fill(source.template, base)
    path = base + source.path
    if field.object is None:
        return path_text(path)
    inner = sub_adapter(source, field)
    if field.many:
        return f"{path_text(path)}[].{_object(vmap, inner, (), tree)}"
    if source.path:     # `a.{...}`: an absent object stays null, not an object of nulls
        return f"{path_text(path)}.{_object(vmap, inner, (), tree)}"
    return _object(vmap, inner, path, tree)

