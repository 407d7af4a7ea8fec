"""Compile JMESPath text into nested Python closures.

`jmespath.search` walks the syntax tree for every record; at 100,000 records a second
that walk is most of the cost. This compiler walks the tree once and returns a
function of the record. It follows jmespath.py's tree interpreter node for node (same
truthiness, same null propagation); the one deliberate difference is that ordering a
number against a string yields null instead of raising. Node types it does not handle
(`expref` and functions taking one) fall back to the tree interpreter for that subtree.

Custom functions whose trailing arguments are literals are specialised at compile time
(`pseudonymize(x, 'token')` derives its key once, `truncate(t, 'hour')` picks its unit
once).

This module is the compiler's public face; its parts are `jmes_closures` (a closure per
node), `jmes_calls` (a call's callable), `jmes_values` (JMESPath's truthiness, equality
and ordering) and `jmes_codegen` (straight-line Python for the same trees).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from jmespath import exceptions as jmes_errors
from jmespath.parser import Parser

from ocpispec.execute.functions import Custom
from ocpispec.execute.jmes_calls import ExpressionError
from ocpispec.execute.jmes_closures import ClosureCompiler, Compiled
from ocpispec.execute.jmes_codegen import Source
from ocpispec.execute.jmes_values import CODEGEN_HELPERS, is_false

__all__ = ["Compiled", "ExpressionError", "compile_expression", "is_false", "parse_expression"]


def compile_expression(text: str | dict, custom: Mapping[str, Custom], *,
                       codegen: bool = True) -> Compiled:
    """A function `record -> value` equal to `jmespath.search(text, record, options)`
    with the custom functions registered; `text` may also be a parsed tree (see
    `parse_expression`). `codegen=False` keeps to closures (tests compare both against
    jmespath)."""
    tree = text if isinstance(text, dict) else parse_expression(text)
    compiler = ClosureCompiler(custom)
    try:
        if codegen:
            try:
                return Source(compiler.compile, compiler.resolve_call, CODEGEN_HELPERS).function(tree)
            except (SyntaxError, RecursionError, MemoryError):
                pass  # nested beyond what Python's compiler takes: closures have no such limit
        return compiler.compile(tree)
    except RecursionError:
        raise ExpressionError("the expression nests too deeply to compile") from None


def parse_expression(text: str) -> dict:
    """The syntax tree of `text` (shared: do not modify it); raises `ExpressionError`."""
    try:
        return _parse(text)
    except jmes_errors.JMESPathError as exc:
        raise ExpressionError(str(exc).splitlines()[0]) from None
    except RecursionError:
        raise ExpressionError("the expression nests too deeply to parse") from None


@lru_cache(maxsize=256)
def _parse(text: str) -> dict:
    return Parser().parse(text).parsed
