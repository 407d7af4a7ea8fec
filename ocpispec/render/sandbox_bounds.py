"""The bounds of the sandbox: a filter, operator or printed value may not build a text
or list longer than MAX_TEXT, take a size above MAX_WIDTH, or make a sequence longer
than MAX_SEQUENCE; what a step would build is weighed before it is built (`sizes.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2.exceptions import SecurityError

from ocpispec.render.sandbox_vocabulary import MAX_TEXT, MAX_WIDTH, SIZED_FILTERS
from ocpispec.render.sizes import NOT_WRITING, format_problem, predicted, weight


def bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """The filter, refusing sizes above MAX_WIDTH and results above ten times
    MAX_SEQUENCE (a chain of `replace` grows tenfold at each step)."""
    skip = 2 if hasattr(function, "jinja_pass_arg") else 1  # the context and the value
    sized = name in SIZED_FILTERS
    writes = name not in NOT_WRITING

    def bounded(*args: Any, **kwargs: Any) -> Any:
        for value in (*args[skip:], *kwargs.values()) if sized else ():
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and abs(value) > MAX_WIDTH:
                raise SecurityError(f"`{name}` takes sizes up to {MAX_WIDTH:,}")
        if name == "sum" and not _numeric_start(args[skip + 1:], kwargs):
            raise SecurityError("`sum` adds numbers; it may not start from a text or list")
        if writes and len(args) >= skip:
            _before_writing(name, args[skip - 1], args[skip:], kwargs)
        return within_bounds(f"`{name}`", function(*args, **kwargs))

    if hasattr(function, "jinja_pass_arg"):  # Jinja passes the environment or context first
        bounded.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return bounded


def _before_writing(name: str, value: Any, args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> None:
    """Refuses, before it runs, a filter that would build more than MAX_TEXT."""
    if name == "format" and (problem := format_problem(value, MAX_WIDTH)) is not None:
        raise SecurityError(f"`format` {problem}")
    refuse_above(f"`{name}`", predicted(name, value, args, kwargs, MAX_TEXT))


def _numeric_start(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """`|sum(start=[])` joins lists one by one, each a copy: quadratic in the rows."""
    start = args[0] if args else kwargs.get("start", 0)
    return isinstance(start, (int, float))


def refuse_above(what: str, size: int) -> None:
    if size > MAX_TEXT:
        raise SecurityError(f"{what} would build a value longer than {MAX_TEXT:,}")


def within_bounds(what: str, value: Any) -> Any:
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_TEXT:
        raise SecurityError(f"{what} built a value longer than {MAX_TEXT:,}")
    return value


def weighed_result(operator: str, left: Any, right: Any) -> int:
    """The weight of a list or tuple that `*` or `+` would build (0 for anything else):
    `[s] * 1000` is short but holds `s` a thousand times."""
    if operator == "+":
        both = isinstance(left, (list, tuple)) and isinstance(right, (list, tuple))
        return weight(left, MAX_TEXT) + weight(right, MAX_TEXT) if both else 0
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, (list, tuple)) and isinstance(count, int) and count > 1:
            return weight(sequence, MAX_TEXT) * count
    return 0


def product_size(left: Any, right: Any) -> int:
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, (str, list, tuple)) and isinstance(count, int):
            return len(sequence) * max(count, 0)
    return 0
