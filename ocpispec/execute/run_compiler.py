"""The run's expression compiler, keyed for its pseudonym domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ocpispec.execute.client import RunError

if TYPE_CHECKING:
    from ocpispec.execute.pseudonyms import PseudonymDomain


def run_compiler(key: bytes, domain: PseudonymDomain) -> Callable[[str | dict], Any]:
    """The run's compiler, keyed for its pseudonym domain (export, consumer and, with
    `pseudonym scope per run`, a fresh random value that is never stored)."""
    from ocpispec.execute.functions import custom_functions
    from ocpispec.execute.jmes_compile import ExpressionError, compile_expression

    functions = custom_functions(key, domain)
    cache: dict[str, Any] = {}

    def compile(text: str | dict) -> Any:
        if isinstance(text, dict):  # a tree the executor rewrote (see `jmes_fuse`)
            return compile_expression(text, functions)
        if text not in cache:
            try:
                cache[text] = compile_expression(text, functions)
            except ExpressionError as exc:
                raise RunError.of("OCX900", f"the plan holds an invalid expression: {exc}",
                                  help="this is a bug in ocpispec; please report it") from None
        return cache[text]

    return compile
