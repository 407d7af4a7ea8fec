"""Fusing a normalizer into the expressions that read its output.

A normalizer is one multiselect hash over the wire record, `{id: id, kwh: kwh,
cdr_token: {contract_id: cdr_token.contract_id}, ...}`; the filter and the projection
then read the neutral record it built. Substituting each field of the neutral record
by the normalizer's expression for it gives expressions over the wire record that
compute the same values without building the neutral record: a dict (and its nested
dicts) less per record.

Only fields read where the current node is the record itself are substituted (not the
right side of a projection, a filter condition or an expression reference, which read
other values). A field the normalizer does not list is null, as in the neutral record:
default-deny is kept. Normalizers that could fail (function calls) are not fused, so
a record counts as invalid exactly when it did before.
"""

from __future__ import annotations

from typing import Any

Tree = dict[str, Any]

# node types whose evaluation never raises: a normalizer made of them can be fused
_SAFE = frozenset({"field", "key_val_pair", "literal", "multi_select_dict", "multi_select_list",
                   "subexpression", "projection", "flatten", "index_expression", "index",
                   "identity", "current", "and_expression", "or_expression", "not_expression"})
# every child is evaluated against the current node
_ALL_CHILDREN = frozenset({"multi_select_dict", "multi_select_list", "key_val_pair", "comparator",
                           "and_expression", "or_expression", "not_expression", "flatten",
                           "function_expression"})
# only the first child is; the others read what it produced
_FIRST_CHILD = frozenset({"projection", "value_projection", "filter_projection",
                          "index_expression", "pipe"})
# nothing below reads the current node (an expression reference is applied elsewhere)
_UNTOUCHED = frozenset({"literal", "index", "slice", "expref"})
_NULL: Tree = {"type": "literal", "value": None, "children": []}


def _entry(hash_: Tree, name: str) -> Tree:
    entries = {pair["value"]: pair["children"][0] for pair in hash_["children"]}
    return entries.get(name, _NULL)


class Unfusable(Exception):
    """The expression holds a node type this module does not know how to rewrite."""


def fusable(normalizer: Tree) -> bool:
    """Whether `normalizer` is a multiselect hash that cannot fail on a wire object."""
    return normalizer["type"] == "multi_select_dict" and _only_safe(normalizer)


def fuse(expression: Tree, normalizer: Tree) -> Tree:
    """`expression` (over the neutral record) rewritten over the wire record; raises
    `Unfusable`. `normalizer` must be `fusable`."""
    fields = {pair["value"]: pair["children"][0] for pair in normalizer["children"]}
    return _rewrite(expression, fields, normalizer)


def _only_safe(node: Tree) -> bool:
    return node["type"] in _SAFE and all(_only_safe(child) for child in node["children"])


def _rewrite(node: Tree, fields: dict[str, Tree], whole: Tree) -> Tree:
    kind = node["type"]
    if kind == "field":
        return fields.get(node["value"], _NULL)
    if kind in ("current", "identity"):
        return whole
    if kind == "subexpression":
        return _subexpression(node, fields, whole)
    if kind in _ALL_CHILDREN:
        children = [_rewrite(child, fields, whole) for child in node["children"]]
        return {**node, "children": children}
    if kind in _FIRST_CHILD:
        first, *rest = node["children"]
        return {**node, "children": [_rewrite(first, fields, whole), *rest]}
    if kind in _UNTOUCHED:
        return node
    raise Unfusable(kind)


def _subexpression(node: Tree, fields: dict[str, Tree], whole: Tree) -> Tree:
    """`a.b.c`: the head reads the record; a head that became one of the normalizer's
    hashes (always an object: it is built from the wire object) is looked into."""
    head, *rest = node["children"]
    head = _rewrite(head, fields, whole)
    while rest and rest[0]["type"] == "field":
        if head["type"] == "multi_select_dict":
            head = _entry(head, rest.pop(0)["value"])
        elif head["type"] == "subexpression" and head["children"][-1]["type"] == "multi_select_dict":
            # `(x.{k: e}).k` is `x.e`: null when x is, e read from x otherwise
            *path, hash_ = head["children"]
            head = {**head, "children": [*path, _entry(hash_, rest.pop(0)["value"])]}
        else:
            break
    if not rest:
        return head
    return {**node, "children": [head, *rest]}
