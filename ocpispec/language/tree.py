"""The spec's parse tree: tokens and rule nodes with source positions, and the base of
the builder that turns it into the typed syntax tree (`syntax_builder`).

The same shapes lark's tree has, so that the lark-free parser (`fast_parser`) and lark
itself (used to explain a syntax error, see `parser`) give the builder the same tree:
`Token` is the text with its terminal `type`, `start_pos` and `end_pos`; `Tree` is a
rule's `data` (its name), `children` (tokens, trees, or None for an absent optional part)
and `meta` (the span it covers; `meta.empty` when it covers no token).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Any


class Token(str):
    __slots__ = ("type", "start_pos", "end_pos")

    type: str
    start_pos: int
    end_pos: int

    def __new__(cls, type_: str, value: str, start_pos: int, end_pos: int) -> Token:
        token = super().__new__(cls, value)
        token.type, token.start_pos, token.end_pos = type_, start_pos, end_pos
        return token

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {str(self)!r})"


class Meta:
    """Where a node starts and ends. `container_*`: where the text of a node that stands
    in for a rule it was lifted out of (`?rule`) starts and ends, punctuation included;
    a parent spans its children's containers."""

    __slots__ = ("empty", "start_pos", "end_pos", "container_start_pos", "container_end_pos")

    def __init__(self) -> None:
        self.empty = True
        self.start_pos: int | None = None
        self.end_pos: int | None = None
        self.container_start_pos: int | None = None
        self.container_end_pos: int | None = None


class Tree:
    __slots__ = ("data", "children", "meta")

    def __init__(self, data: str, children: list[Any], meta: Meta | None = None) -> None:
        self.data, self.children = data, children
        self.meta = Meta() if meta is None else meta

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Tree) and self.data == other.data
                and self.children == other.children)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Tree({self.data!r}, {self.children!r})"


def from_lark(node: Any) -> Any:
    """lark's tree (lark.Tree, lark.Token) as this module's, positions kept."""
    if node is None:
        return None
    if hasattr(node, "data"):
        meta = Meta()
        source = node.meta
        if not getattr(source, "empty", True):
            meta.empty = False
            meta.start_pos, meta.end_pos = source.start_pos, source.end_pos
        return Tree(str(node.data), [from_lark(child) for child in node.children], meta)
    return Token(node.type, str(node), node.start_pos, node.end_pos)


class Builder:
    """Bottom-up: each node's children are built first, then the method named after the
    node's rule is called with `(meta, children)`; a rule without a method stays a Tree
    of its built children. Tokens stay tokens. Only methods a subclass defines count, so
    a rule's name never reaches an inherited attribute."""

    def build_tree(self, tree: Tree) -> Any:
        children = [self.build_tree(child) if isinstance(child, Tree) else child
                    for child in tree.children]
        method = _rule_methods(type(self)).get(tree.data)
        if method is None:
            return Tree(tree.data, children, tree.meta)
        return method(self, tree.meta, children)


def _rule_methods(builder: type) -> dict[str, Any]:
    found = builder.__dict__.get("_rule_methods")
    if found is None:
        found = {name: value for klass in reversed(builder.__mro__)
                 if klass not in (Builder, object)
                 for name, value in vars(klass).items()
                 if callable(value) and not name.startswith("__")}
        builder._rule_methods = found  # type: ignore[attr-defined]
    return found
