"""Arguments that must be written as constants: time units, digits, bucket edges,
grid sizes, `constant(...)` values and the `jmespath("...")` escape hatch."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

from ocpispec import calendar_windows
from ocpispec.check.width_bands import edges_note, width_edges, width_of
from ocpispec.language import syntax
from ocpispec.check import time_units
from ocpispec.check.context import backticked
from ocpispec.check.jmes import analyse_hatch
from ocpispec.diagnostics import error
from ocpispec.check.values import UNKNOWN, Use, Value, literal_value
from ocpispec.language.functions import TIME_UNITS, ArgKind, Function
from ocpispec.text import with_article

if TYPE_CHECKING:
    from typing import Protocol

    from ocpispec.check.context import Context
    from ocpispec.check.scope import Scope

    class Typing(Protocol):
        """What `check_hatch` needs of the typer that calls it (`types.Typer`)."""

        ctx: Context
        scope: Scope
        uses: list[Use]

# Smallest and largest whole number each function accepts for its literal argument.
_INTEGER_RANGES = {"round": (-6, 10), "prefix": (1, 20), "round_coords": (0, 7)}


def check_literal_argument(call: syntax.Call, function: Function, kind: ArgKind,
                           arg: syntax.Expr, ctx: Context) -> Value | None:
    problem = _problem(function, kind, arg)
    if problem is not None:
        label, help = problem
        ctx.emit(error("OCX203", f"`{function.name}` needs {_wanted(function, kind)} here",
                       arg.span, label, notes=[f"`{function.name}`: {function.summary}"],
                       help=help))
        return UNKNOWN
    return literal_value(arg) if isinstance(arg, syntax.Literal) else UNKNOWN


def _wanted(function: Function, kind: ArgKind) -> str:
    match kind:
        case ArgKind.TIME_UNIT:
            return "a time unit"
        case ArgKind.TIME_ZONE:
            return "a time zone"
        case ArgKind.INTEGER_LITERAL:
            low, high = _INTEGER_RANGES.get(function.name, (0, 10))
            return f"a whole number from {low} to {high}"
        case ArgKind.NUMBER_LITERAL:
            return "a positive number"
        case ArgKind.NUMBER_LIST:
            return "a list of increasing numbers"
    return "a constant"


def _problem(function: Function, kind: ArgKind, arg: syntax.Expr) -> tuple[str, str] | None:
    match kind:
        case ArgKind.TIME_UNIT:
            return _unit_problem(arg)
        case ArgKind.TIME_ZONE:
            return _zone_problem(function, arg)
        case ArgKind.INTEGER_LITERAL:
            return _integer_problem(function, arg)
        case ArgKind.NUMBER_LITERAL:
            ok = _number(arg) is not None and _number(arg) > 0
            return None if ok else ("not a positive number", f"write it like `{function.example}`")
        case ArgKind.NUMBER_LIST:
            return _edges_problem(function, arg)
        case ArgKind.LITERAL:
            if isinstance(arg, syntax.Literal) and arg.kind != "null":
                return None
            return ("not a constant", 'write a quoted text, a number, a date, `true` or `false`, '
                    'e.g. `constant("NL") as country`')
    return None


def _unit_problem(arg: syntax.Expr) -> tuple[str, str] | None:
    if isinstance(arg, syntax.FieldRef) and len(arg.path) == 1 and arg.path[0] in TIME_UNITS:
        return None
    quoted = isinstance(arg, syntax.Literal) and isinstance(arg.value, str)
    written = arg.value if quoted else ".".join(getattr(arg, "path", ()))
    how = "without quotes" if quoted else "as one of these words"
    if written and str(written) in TIME_UNITS:
        return (f"units are {backticked(TIME_UNITS)}", f"write the unit {how}: `{written}`")
    guess = time_units.spelling_guess(str(written), TIME_UNITS) if written else None
    example = f", e.g. `{guess}`" if guess is not None else \
        _finer(str(written)) if written and time_units.is_time_unit(str(written)) \
        else ", e.g. `hour`"
    return (f"units are {backticked(TIME_UNITS)}", f"write the unit {how}{example}")


def _finer(word: str) -> str:
    """A unit of time truncate has not (`semester`): the largest one it has that fits it
    whole, whose rows add up to it (`quarter`; two rows per semester)."""
    held = time_units.same_length(1, word, TIME_UNITS)
    if held is None:
        return ""
    count, unit = held
    single = time_units.singular(word)
    plural = 's' if count != 1 else ''
    return (f", e.g. `{unit}`: {with_article(single)} is {count} {unit}{plural}, "
            f"so its rows add up to the {single}")


def _zone_problem(function: Function, arg: syntax.Expr) -> tuple[str, str] | None:
    """A time zone is a quoted IANA name (`"Europe/Amsterdam"`), as in a window's `in`."""
    example = {"truncate": 'truncate(start_date_time, month, "Europe/Amsterdam")'}.get(
        function.name, f'{function.name}(start_date_time, "Europe/Amsterdam")')
    if isinstance(arg, syntax.FieldRef) and arg.path[-1] == "time_zone":
        # `location.time_zone`: a zone per record exists only for a spread's slots
        return ("a zone per record, not a quoted time zone name",
                'the sites\' zone, one for every row: write `"Europe/Amsterdam"` (a '
                "site's own `time_zone` is read only by `spread ... in location time zone`, "
                "docs: Time series)")
    if not (isinstance(arg, syntax.Literal) and arg.kind == "string"):
        written = _unquoted_zone(arg)  # `Europe/Brussels`, read as a division of fields
        if written is not None:
            try:
                calendar_windows.zone_of(written)
                return ("not a quoted time zone name", f'a name is quoted: write `"{written}"`')
            except LookupError:
                from ocpispec.check.zone_names import meant_zone  # the error's help only

                if (meant := meant_zone(written)) is not None:
                    return ("not a quoted time zone name", f'write `"{meant[0]}"`')
        return ("not a quoted time zone name", f"write it like `{example}`")
    try:
        calendar_windows.zone_of(str(arg.value))
    except LookupError:
        from ocpispec.check.zone_names import meant_zone  # the error's help only

        meant = meant_zone(str(arg.value))
        return ("not an IANA time zone",
                (f'write `"{meant[0]}"`' + (f", {meant[1]}" if meant[1] else "")) if meant
                else f"write it like `{example}`")
    return None


def _unquoted_zone(arg: syntax.Expr) -> str | None:
    """`Europe/Brussels` or `UTC` written without quotes: the name it spells."""
    match arg:
        case syntax.FieldRef(path=path):
            return ".".join(path)
        case syntax.BinaryOp(op="/", left=left, right=right):
            parts = (_unquoted_zone(left), _unquoted_zone(right))
            return None if None in parts else "/".join(parts)  # type: ignore[arg-type]
    return None


def _integer_problem(function: Function, arg: syntax.Expr) -> tuple[str, str] | None:
    low, high = _INTEGER_RANGES.get(function.name, (0, 10))
    value = _number(arg)
    if isinstance(value, int) and low <= value <= high:
        return None
    return ("not a whole number in range" if value is not None else "not a whole number",
            f"write it like `{function.example}`")


def _edges_problem(function: Function, arg: syntax.Expr) -> tuple[str, str] | None:
    help = f"write it like `{function.example}`"
    if (width := width_of(arg)) is not None:  # `bucket(x, 15)`: a width, as other tools take
        return ("a width, not the edges", f"for classes {width:g} wide, write the edges "
                f"`{width_edges(width)}` ({edges_note(width)})")
    if not isinstance(arg, syntax.ListLiteral) or not arg.items:
        return ("not a list of numbers", help)
    edges = [_number(item) for item in arg.items]
    if any(edge is None for edge in edges):
        return ("every edge must be a number", help)
    if any(a >= b for a, b in zip(edges, edges[1:])):
        return ("edges must increase from left to right", help)
    return None


def _number(expr: syntax.Expr) -> int | float | None:
    if isinstance(expr, syntax.Literal) and expr.kind == "number":
        return expr.value  # type: ignore[return-value]
    return None


def check_hatch(call: syntax.Call, arg: syntax.Expr, typer: Typing, around: tuple) -> Value:
    """`jmespath("...")`: the text must compile, and every field it reads must resolve."""
    if not (isinstance(arg, syntax.Literal) and arg.kind == "string"):
        typer.ctx.emit(error("OCX211", "`jmespath` needs the expression as a quoted text",
                             arg.span, "not a quoted text",
                             help='write it like '
                                  '`jmespath("length(charging_periods)") as periods`'))
        return UNKNOWN
    for resolved, whole in analyse_hatch(arg, typer.scope, typer.ctx):
        typer.uses.append(Use(resolved, (call, *around), whole=whole, hatch=call))
    return UNKNOWN

