"""The rules of conditions and expressions: their parse-tree nodes -> the syntax tree
(`syntax_builder._ToSyntax` mixes them in)."""

from __future__ import annotations

from ocpispec.language import syntax as s
from ocpispec.language.syntax_leaves import (date_of, ident_of, meta_span, number_of, text_of,
                                             unescape)


class ExpressionRules:
    """Method names are grammar rule names; each is called with the node's meta and its
    built children."""

    # ---- conditions ------------------------------------------------------------------

    def or_condition(self, meta, children):
        return s.Or(tuple(children), meta_span(meta))

    def and_condition(self, meta, children):
        return s.And(tuple(children), meta_span(meta))

    def not_condition(self, meta, children):
        return s.Not(children[0], meta_span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return s.Compare(str(op), left, right, meta_span(meta))

    def in_list(self, meta, children):
        return s.InList(children[0], children[1], False, meta_span(meta))

    def not_in_list(self, meta, children):
        return s.InList(children[0], children[1], True, meta_span(meta))

    def is_null(self, meta, children):
        return s.IsNull(children[0], False, meta_span(meta))

    def is_not_null(self, meta, children):
        return s.IsNull(children[0], True, meta_span(meta))

    def matches(self, meta, children):
        return s.Matches(children[0], text_of(children[1]), meta_span(meta))

    # ---- expressions -----------------------------------------------------------------

    def _binary(self, op, meta, children):
        return s.BinaryOp(op, children[0], children[1], meta_span(meta))

    def add(self, meta, children):
        return self._binary("+", meta, children)

    def subtract(self, meta, children):
        return self._binary("-", meta, children)

    def multiply(self, meta, children):
        return self._binary("*", meta, children)

    def divide(self, meta, children):
        return self._binary("/", meta, children)

    def call(self, meta, children):
        name, *args = children
        return s.Call(ident_of(name), tuple(a for a in args if a is not None), meta_span(meta))

    def distinct_call(self, meta, children):
        name, argument = children
        return s.Call(ident_of(name), (argument,), meta_span(meta), distinct=True)

    def path(self, meta, children):
        return s.FieldRef(tuple(str(c) for c in children), meta_span(meta))

    def list(self, meta, children):
        return s.ListLiteral(tuple(c for c in children if c is not None), meta_span(meta))

    def string(self, meta, children):
        return s.Literal(unescape(str(children[0])[1:-1]), "string", meta_span(meta))

    def number(self, meta, children):
        return s.Literal(number_of(children[0]), "number", meta_span(meta))

    def negative_number(self, meta, children):
        return s.Literal(-number_of(children[0]), "number", meta_span(meta))

    def date(self, meta, children):
        return date_of(children[0])

    def true(self, meta, children):
        return s.Literal(True, "boolean", meta_span(meta))

    def false(self, meta, children):
        return s.Literal(False, "boolean", meta_span(meta))

    def null(self, meta, children):
        return s.Literal(None, "null", meta_span(meta))
