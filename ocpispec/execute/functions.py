"""Implementations of the .ocx transformations as JMESPath custom functions.

The planner lowers `pseudonymize(cdr_token.uid)` to the JMESPath call
`pseudonymize(cdr_token.uid, 'token')`; this module gathers those calls in one table
(`custom_functions`): the time functions are in `time_functions`, the number functions in
`number_functions`, text and places in `place_functions`, pseudonyms in `pseudonyms`.
Every function maps null to null and never raises for a bad value except
`TransformError`, which the executor turns into an "invalid record" count with the
error's reason. Messages never contain the value itself: it may be personal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from typing import Any

from jmespath import exceptions as jmes_errors
from jmespath.functions import Functions

# what other modules import from here: TransformError and the functions themselves
from ocpispec.frozen import frozen
from ocpispec.execute.errors import TransformError  # noqa: F401
from ocpispec.execute.number_functions import (  # noqa: F401
    add,
    as_number,
    bucketer,
    divide,
    money_sum,
    multiply,
    rounder,
    subtract,
)
from ocpispec.execute.place_functions import (  # noqa: F401
    coordinate_rounder,
    gridder,
    matcher,
    prefixer,
)
from ocpispec.execute.pseudonyms import PseudonymDomain, periodic_pseudonymizer, pseudonymizer
from ocpispec.execute.samples import sampler
from ocpispec.execute.time_functions import (  # noqa: F401
    hour_of_day,
    hours,
    local_hour_of_day,
    local_truncator,
    local_weekday,
    minutes,
    time_compare,
    truncator,
    weekday,
)

Unary = Callable[[Any], Any]


@frozen
class Custom:
    """One custom function: its arity, a generic implementation, and optionally a
    specialiser that, given the literal values of every argument after the first,
    returns a one-argument function with the work for those literals done up front."""

    name: str
    arity: int
    call: Callable[..., Any]
    specialize: Callable[..., Unary] | None = None


def _generic(factory: Callable[..., Unary]) -> Callable[..., Any]:
    def call(value: Any, *literals: Any) -> Any:
        return factory(*literals)(value)

    return call


def custom_functions(master: bytes, domain: PseudonymDomain | str) -> dict[str, Custom]:
    """The custom function table for one delivery: pseudonyms are keyed by `master`
    within `domain` (an export name alone: export scope, no consumer)."""
    pseudonym = lambda family: pseudonymizer(master, domain, family)  # noqa: E731
    if isinstance(domain, str):
        domain = PseudonymDomain(domain)
    sample = sampler(master, domain)
    table = [
        Custom("pseudonymize", 2, _generic(pseudonym), pseudonym),
        Custom("pseudonymize_in", 4, periodic_pseudonymizer(master, domain)),
        Custom("truncate", 2, _generic(truncator), truncator),
        Custom("round", 2, _generic(rounder), rounder),
        Custom("bucket", 2, _generic(bucketer), bucketer),
        Custom("prefix", 2, _generic(prefixer), prefixer),
        Custom("round_coords", 2, _generic(coordinate_rounder), coordinate_rounder),
        Custom("grid", 2, _generic(gridder), gridder),
        Custom("matches", 2, _generic(matcher), matcher),
        Custom("minutes", 2, minutes),
        Custom("hours", 2, hours),
        Custom("weekday", 1, weekday),
        Custom("hour_of_day", 1, hour_of_day),
        Custom("truncate_in", 3, _generic(local_truncator), local_truncator),
        Custom("weekday_in", 2, _generic(local_weekday), local_weekday),
        Custom("hour_of_day_in", 2, _generic(local_hour_of_day), local_hour_of_day),
        Custom("time_compare", 3, time_compare),
        Custom("add", 2, add),
        Custom("subtract", 2, subtract),
        Custom("multiply", 2, multiply),
        Custom("divide", 2, divide),
        Custom("money_sum", 1, money_sum),
        Custom("sampled", 3, _generic(sample), sample),
    ]
    return {custom.name: custom for custom in table}


class OcxFunctions(Functions):
    """JMESPath's built-ins plus the custom table, for `jmespath.search` and for the
    compiler's fallback to the tree interpreter."""

    def __init__(self, custom: Mapping[str, Custom]) -> None:
        self.custom = dict(custom)

    def call_function(self, function_name: str, resolved_args: list[Any]) -> Any:
        custom = self.custom.get(function_name)
        if custom is None:
            return super().call_function(function_name, resolved_args)
        if len(resolved_args) != custom.arity:
            raise jmes_errors.ArityError(custom.arity, len(resolved_args), function_name)
        return custom.call(*resolved_args)


PLAN_TIME_KEY = b"\x00" * 32  # only for compiling at plan time; never used on data
