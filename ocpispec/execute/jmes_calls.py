"""Calls in compiled expressions: a call's Python callable, chosen once at compile time.

A custom function whose trailing arguments are literals is specialised (`pseudonymize(x,
'token')` derives its key once, `truncate(t, 'hour')` picks its unit once); a built-in
called with arguments of its plain types goes straight to its function, past jmespath's
signature walk. An unknown function, or a wrong number of arguments, is an
`ExpressionError` when the expression is compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jmespath.functions import REVERSE_TYPES_MAP

from ocpispec.execute.functions import Custom, OcxFunctions


class ExpressionError(ValueError):
    """The expression does not parse or calls an unknown function or wrong arity."""


class CallResolver:
    """Resolves the calls of expressions compiled with `custom` functions; `functions`
    holds them beside jmespath's built-ins (the tree interpreter's fallback calls them)."""

    def __init__(self, custom: Mapping[str, Custom]) -> None:
        self.custom = custom
        self.functions = OcxFunctions(custom)

    def resolve(self, name: str, children: list[dict]) -> tuple[Callable[..., Any],
                                                                list[dict]] | None:
        """The Python callable of a call and the argument nodes it takes, or None when
        the call needs the tree interpreter (an expression-reference argument)."""
        if any(child["type"] == "expref" for child in children):
            self._check_known(name, len(children))
            return None
        custom = self.custom.get(name)
        if custom is None:
            self._check_known(name, len(children))
            return _builtin(self.functions, name, len(children)), children
        if len(children) != custom.arity:
            raise ExpressionError(f"`{custom.name}()` takes {custom.arity} arguments, "
                                  f"got {len(children)}")
        rest = children[1:]
        if custom.specialize is not None and all(c["type"] == "literal" for c in rest):
            try:
                unary = custom.specialize(*(child["value"] for child in rest))
            except (ValueError, TypeError) as exc:
                raise ExpressionError(f"`{custom.name}()`: {exc}") from None
            return unary, children[:1]
        return custom.call, children

    def _check_known(self, name: str, count: int) -> None:
        spec = self.functions.FUNCTION_TABLE.get(name)
        if spec is None:
            raise ExpressionError(f"unknown function `{name}()`")
        signature = spec["signature"]
        variadic = bool(signature) and signature[-1].get("variadic")
        if count < len(signature) or (count > len(signature) and not variadic):
            raise ExpressionError(f"`{name}()` takes {len(signature)} arguments, got {count}")


def _builtin(functions: OcxFunctions, name: str, count: int) -> Callable[..., Any]:
    """A built-in's call. jmespath validates every call's arguments by walking its
    signature (a third of a driver reader's time, `contains` once per row): where each
    argument's allowed types are plain ones, a call whose arguments are of those exact
    types goes straight to the function; any other call takes jmespath's own path,
    which raises its error."""
    call = functions.call_function
    spec = functions.FUNCTION_TABLE[name]
    signature = spec["signature"]

    def checked(*args: Any) -> Any:
        return call(name, list(args))

    if len(signature) != count or any(
            arg.get("variadic") or any("-" in kind for kind in arg["types"]) for arg in signature):
        return checked  # a variadic call, or an array whose elements are typed
    allowed = tuple(frozenset(python for kind in arg["types"] for python in REVERSE_TYPES_MAP[kind])
                    or None for arg in signature)
    function = spec["function"]
    if count == 1:
        (only,) = allowed

        def one(value: Any) -> Any:
            if only is None or value.__class__.__name__ in only:
                return function(functions, value)
            return call(name, [value])
        return one
    if count == 2:
        first, second = allowed

        def two(left: Any, right: Any) -> Any:
            if (first is None or left.__class__.__name__ in first) and \
                    (second is None or right.__class__.__name__ in second):
                return function(functions, left, right)
            return call(name, [left, right])
        return two
    return checked
