"""Typing of value expressions: fields, literals, arithmetic and function calls.

The typer also records every field an expression reads (`Use`), with the calls around
it, so the privacy pass can tell a pseudonymised identifier from a raw one.
"""

from __future__ import annotations

import dataclasses
import re

from ocpispec.language import syntax
from ocpispec.check import arguments
from ocpispec.check.context import Context, backticked, did_you_mean
from ocpispec.check.decimal_commas import decimal_comma
from ocpispec.check.duration_order import warn_reversed
from ocpispec.check.function_habits import function_note, meant_call
from ocpispec.check.scope import Scope
from ocpispec.check.values import (  # noqa: F401 - re-exported: the checks import them here
    GEO_OBJECTS,
    UNKNOWN,
    Mode,
    Use,
    Value,
    field_value,
    literal_value,
)
from ocpispec import text
from ocpispec.diagnostics import error
from ocpispec.language.functions import ALIASES, FUNCTIONS, ArgKind, Function, Result, lookup
from ocpispec.schema.model import Kind

_NUMBERS = frozenset({Kind.NUMBER, Kind.INTEGER})
_TEXTS = frozenset({Kind.STRING, Kind.ENUM, Kind.URL})


_RESULTS = {Result.STRING: Value(Kind.STRING), Result.NUMBER: Value(Kind.NUMBER),
            Result.INTEGER: Value(Kind.INTEGER), Result.DATETIME: Value(Kind.DATETIME),
            Result.GEO: Value(Kind.OBJECT, object="GeoLocation"), Result.ANY: UNKNOWN}


class Typer:
    """Types the expressions of one clause and collects the fields they read."""

    def __init__(self, scope: Scope, ctx: Context, mode: Mode) -> None:
        self.scope = scope
        self.ctx = ctx
        self.mode = mode
        self.uses: list[Use] = []
        self.calls: list[syntax.Call] = []

    def value(self, expr: syntax.Expr, around: tuple = ()) -> Value:
        match expr:
            case syntax.FieldRef():
                return self._field(expr, around)
            case syntax.Literal():
                return literal_value(expr)
            case syntax.ListLiteral():
                kinds = {literal_value(item).kind for item in expr.items}
                return Value(kinds.pop() if len(kinds) == 1 else None, many=True)
            case syntax.BinaryOp():
                return self._arithmetic(expr, around)
            case syntax.Call():
                return self._call(expr, around)
        return UNKNOWN

    def _field(self, ref: syntax.FieldRef, around: tuple) -> Value:
        resolved = self.scope.resolve(ref)
        if resolved is None:
            return UNKNOWN
        self.uses.append(Use(resolved, around))
        return field_value(resolved)

    def _arithmetic(self, op: syntax.BinaryOp, around: tuple) -> Value:
        sides = [(side, self.value(side, (op, *around))) for side in (op.left, op.right)]
        for side, value in sides:
            if value.known and (value.kind not in _NUMBERS or value.many):
                duration = _duration(op, sides)
                help = (_number_inside(side, value, self.ctx) if not duration else None) \
                    or _duration_help(op, sides, self.ctx.source.text)
                self.ctx.emit(error(
                    "OCX214", f"`{op.op}` needs numbers, found {with_article(value.describe())}",
                    op.span if duration else side.span,  # the help writes the whole of it
                    value.describe(), notes=["arithmetic works on numbers such as `kwh` or "
                                             "`minutes(start_date_time, end_date_time)`"],
                    help=help))
                return UNKNOWN
        if any(isinstance(side, syntax.Call) and lookup(side.name.name) is None
               for side, _ in sides):
            return UNKNOWN  # `now() - 30`: OCX107 says it; its type is not a number's
        both_int = all(value.kind is Kind.INTEGER for _, value in sides)
        return Value(Kind.INTEGER if both_int and op.op != "/" else Kind.NUMBER)

    # ---- calls -----------------------------------------------------------------------

    def _call(self, call: syntax.Call, around: tuple) -> Value:
        function = lookup(call.name.name)
        if function is None:
            self._unknown_function(call, around)
            return UNKNOWN
        self.calls.append(call)
        if decimal_comma(call, self.ctx, len(function.params)) or not self._placement_ok(call, function, around):
            return UNKNOWN
        if call.distinct:
            function = distinct_form(function)
        lowest = len(function.params) - function.optional_params
        if not lowest <= len(call.args) <= len(function.params):
            self._arity(call, function, lowest)
            return UNKNOWN
        values = [self._argument(call, function, kind, arg, around)
                  for kind, arg in zip(function.params, call.args)]
        if function.name in ("minutes", "hours"):
            warn_reversed(call, self.ctx)
        if function.result is Result.SAME:
            return values[0] if values and values[0] is not None else UNKNOWN
        return _RESULTS[function.result]

    def _placement_ok(self, call: syntax.Call, function: Function, around: tuple) -> bool:
        if not function.aggregate:
            return True
        outer = next((node for node in around if isinstance(node, syntax.Call)
                      and getattr(lookup(node.name.name), "aggregate", False)), None)
        if self.mode is Mode.MEASURE and outer is None:
            return True
        where = (f"inside `{outer.name.name}(...)`" if outer is not None
                 else f"in `{self.mode.value}`")
        length = self._length_help(call, function) if outer is None else None
        self.ctx.emit(error(
            "OCX210", f"aggregate `{function.name}` used {where}",
            call.span if length else call.name.span,
            "aggregates summarise a group", notes=[
                "aggregates (`count`, `sum`, `avg`, `min`, `max`, `median`, `percentile`) "
                "belong in the `compute` list of `group by ... compute ...`, one per column"],
            help=f"aggregates do not nest: compute `{function.name}(...)` per finer group (a "
                 f"finer key in `group by`, such as the time slot) and take the "
                 f"`{outer.name.name}` of the released rows" if outer is not None else
                 length or "move it to `compute`, or use a per-record function such as `round`"))
        return False

    def _length_help(self, call: syntax.Call, function: Function) -> str | None:
        """`count(evses)` in `select`: the chargers of each site, the length of one of the
        record's own lists (with a default where OCPI may leave the list out, OCX570)."""
        if function.name != "count" or call.distinct or len(call.args) != 1 \
                or not isinstance(call.args[0], syntax.FieldRef):
            return None
        path = call.args[0].path
        found = self.ctx.catalogue.resolve(self.scope.module, path)
        if not found.ok or not found.fields[-1].many:
            return None
        listed = ".".join(path) if found.fields[-1].required else f"{'.'.join(path)} || `[]`"
        return f'write `jmespath("length({listed})")`, the number of elements of each record\'s list'

    def _unknown_function(self, call: syntax.Call, around: tuple = ()) -> None:
        from ocpispec.language.parse_values import JMESPATH_ONLY, in_hatch  # an error's help only

        names = sorted({*FUNCTIONS, *ALIASES})
        guess = did_you_mean(call.name.name, names)
        if call.name.name in JMESPATH_ONLY:
            from ocpispec.check.hatch_defaults import with_list_default  # a help's only

            written = with_list_default(call, self.scope, self.ctx.source) or \
                self.ctx.source.text[call.span.start:call.span.end]
            guess = in_hatch(written)
        text = self.ctx.source.text if self.ctx.source is not None else ""
        guess = meant_call(call, guess, text, jmespath_only=call.name.name in JMESPATH_ONLY)
        match call.args:
            case [syntax.FieldRef() as counted] if guess == f"count(distinct {counted.dotted})" \
                    and self.scope.personal(counted.path):
                # a raw personal id is OCX227: write the count of pseudonyms at once
                guess = f"count(distinct pseudonymize({counted.dotted}))"
        joined = function_note(call, text)
        if self._period_compared(call, guess, text):  # `year(t) = 2025`
            return
        from ocpispec.check.zone_calls import zone_call  # an error's help only

        if (zoned := zone_call(call, around, text)) is not None:  # `convert_tz(t, ...)`
            self._zone_call(call, *zoned)
            return
        from ocpispec.check.width_bands import floored_class  # an error's help only

        if (floored := floored_class(call, around, text)) is not None:  # `floor(x / 15)`
            self.ctx.emit(floored)
            return
        # a help that writes a whole call (`pseudonymize(x)` for `hash(x)`) covers it
        whole = call.name.name in JMESPATH_ONLY or (guess is not None and "(" in guess) \
            or (joined or "").startswith("write `")
        hatch = call.name.name in JMESPATH_ONLY
        from ocpispec.check.zoned_helps import zoned_help  # an error's help only

        self.ctx.emit(error(
            "OCX107", f"unknown function `{call.name.name}`",
            call.span if whole else call.name.span,
            "a JMESPath function" if hatch else "not a function of the language",
            notes=[f"functions are {backticked(sorted(FUNCTIONS), 30)}"],
            help=zoned_help(
                joined if joined else
                f"did you mean `{guess}`?" if guess and "(" not in guess else
                f"write `{guess}`" if guess else "see `docs/language.md` for what "
                "each function does", self.scope.clock_zone)))

    def _period_compared(self, call: syntax.Call, guess: str | None, text: str) -> bool:
        """`year(t) = 2025`, `month(t) = 3`: the cut compared with a number is a type
        error once written as `truncate`; the help writes the range of times meant."""
        from ocpispec.language.period_ranges import compared_period, period_range  # a help's only

        cut = re.fullmatch(r"truncate\(([\w.]+), (year|month)\)", guess or "")
        compared = cut and compared_period(text, call.span.end, cut.group(2))
        written = compared and period_range(cut.group(1), cut.group(2), compared[0], text,
                                            self.scope.clock_zone)
        if not written:
            return False
        self.ctx.emit(error(
            "OCX107", f"unknown function `{call.name.name}`",
            dataclasses.replace(call.span, end=compared[1]), "a calendar part as a number",
            notes=["a time is compared with times: the language has no year or month as a "
                   "number; a range of times selects the period"],
            help=f"write `{written}`"))
        return True

    def _zone_call(self, call: syntax.Call, span, written: str) -> None:
        self.ctx.emit(error(
            "OCX107", f"unknown function `{call.name.name}`", span,
            "the zone is an argument of the call that cuts the time",
            notes=["`truncate`, `weekday` and `hour_of_day` take an IANA time zone as "
                   "their last argument and cut the time on that zone's clock"],
            help=f"write `{written}`"))

    def _arity(self, call: syntax.Call, function: Function, lowest: int) -> None:
        highest = len(function.params)
        wanted = str(highest) if lowest == highest else f"{lowest} or {highest}"
        noun = "argument" if highest == 1 and lowest == highest else "arguments"
        self.ctx.emit(error(
            "OCX202", f"`{function.name}` takes {wanted} {noun}, found {len(call.args)}",
            call.span, f"{len(call.args)} given", notes=[function.summary],
            help=self._arity_help(call, function)))

    def _arity_help(self, call: syntax.Call, function: Function) -> str:
        """`count(id)` counts records in SQL: `count()`, or the different values;
        `bucket(x, 0, 5, 10)` has its edges in a list."""
        if function.name == "count" and len(call.args) == 1 and self.ctx.source is not None:
            written = self.ctx.source.snippet(call.args[0].span)
            if isinstance(call.args[0], syntax.Literal):  # SQL's `count(1)`: the records
                return "write `count()`, the number of records"
            return (f"write `count()`, the number of records, or `count(distinct {written})`"
                    ", the number of different values")
        if function.name == "bucket" and len(call.args) > 2 and self.ctx.source is not None \
                and all(isinstance(arg, syntax.Literal) for arg in call.args[1:]):
            value = self.ctx.source.snippet(call.args[0].span)
            edges = ", ".join(self.ctx.source.snippet(arg.span) for arg in call.args[1:])
            return f"write `bucket({value}, [{edges}])`"
        return f"write it like `{function.example}`"

    def _argument(self, call: syntax.Call, function: Function, kind: ArgKind,
                  arg: syntax.Expr, around: tuple) -> Value | None:
        match kind:
            case ArgKind.TIME_UNIT | ArgKind.TIME_ZONE | ArgKind.INTEGER_LITERAL | \
                 ArgKind.NUMBER_LITERAL | ArgKind.NUMBER_LIST | ArgKind.LITERAL:
                return arguments.check_literal_argument(call, function, kind, arg, self.ctx)
            case ArgKind.JMESPATH:
                return arguments.check_hatch(call, arg, self, around)
        value = self.value(arg, (call, *around))
        if value.known and not _accepts(kind, value):
            self._mismatch(call, function, kind, arg, value)
        return value

    def _mismatch(self, call, function: Function, kind: ArgKind, arg, value: Value) -> None:
        shown = f"`{arg.dotted}`" if isinstance(arg, syntax.FieldRef) else "this argument"
        self.ctx.emit(error(
            "OCX201", f"`{function.name}` needs {with_article(kind.value)}, but {shown} is "
            f"{with_article(value.describe())}", arg.span, value.describe(),
            notes=[f"`{function.name}`: {function.summary}"],
            help=_coordinate_help(arg) or self._volume_help(arg) or self._slot_help(arg)
            or self._fields_help(arg, kind, value)
            or _mismatch_help(function, value)))

    def _fields_help(self, arg, kind: ArgKind, value: Value) -> str | None:
        """`round(total_cost, 0)`: the fields of the object the function takes."""
        if value.kind is not Kind.OBJECT or value.geo or value.many or value.object is None \
                or not isinstance(arg, syntax.FieldRef):
            return None
        fits = {ArgKind.NUMBER: (Kind.NUMBER, Kind.INTEGER), ArgKind.DATETIME: (Kind.DATETIME,),
                ArgKind.STRING: (Kind.STRING, Kind.ENUM)}.get(kind)
        fields = [f"`{arg.dotted}.{name}`" for name, field in
                  self.ctx.catalogue.object(value.object).fields.items()
                  if not field.many and field.kind is not Kind.OBJECT
                  and (fits is None or field.kind in fits) and self._in_version(arg, name)]
        if not fields:
            return None
        listed = fields[0] if len(fields) == 1 else \
            ", ".join(fields[:-1]) + " or " + fields[-1]
        return f"pass one of its fields: {listed}"

    def _slot_help(self, arg) -> str | None:
        """`sum(slot)`: the slot is when; what it holds is the spread value's part."""
        spread = self.scope.spread
        if spread is None or not isinstance(arg, syntax.FieldRef) or arg.path != (spread[1],):
            return None
        value = ".".join(spread[0])
        return (f"`{spread[1]}` is the start of each slot; its part of the spread value is "
                f"`{value}`: write `{value}`")

    def _volume_help(self, arg) -> str | None:
        """`sum(period.dimensions.volume)`: a period's volumes of every kind; its energy
        is the derived `period.energy_kwh`."""
        if not isinstance(arg, syntax.FieldRef) or arg.path[-2:] != ("dimensions", "volume"):
            return None
        holder = arg.path[:-2]
        if len(holder) == 1 and (holder[0], "energy_kwh") in self.scope.derived:
            return (f"a period's energy is `{holder[0]}.energy_kwh` (the volume of its "
                    f"ENERGY dimension, else ENERGY_IMPORT): write `{holder[0]}.energy_kwh`")
        if holder == ("charging_periods",):
            return ("add `each charging_periods as period` and write `period.energy_kwh`, "
                    "each period's energy")
        return None

    def _in_version(self, arg: syntax.FieldRef, name: str) -> bool:
        """Whether the pinned version has the field `name` of the object `arg` reads
        (`total_cost.incl_vat` is always null on 2.1.1: OCX106 when pasted)."""
        resolved = self.scope.fields.get(arg)
        if self.ctx.version is None or resolved is None:
            return True
        return self.ctx.version in self.ctx.catalogue.versions_of(
            resolved.module, (*resolved.base, *resolved.path, name))


def _accepts(kind: ArgKind, value: Value) -> bool:
    if value.many:
        return False
    match kind:
        case ArgKind.ANY_SCALAR:
            return value.kind is not Kind.OBJECT
        case ArgKind.STRING:
            return value.kind in _TEXTS
        case ArgKind.NUMBER:
            return value.kind in _NUMBERS
        case ArgKind.DATETIME:
            return value.kind is Kind.DATETIME
        case ArgKind.GEO:
            return value.geo
    return True


def with_article(words: str) -> str:
    """`a number`, `an enum value`, `a `Price` object`; `null` and `unknown` stay bare."""
    if words in {"unknown", "null"}:
        return words
    return text.with_article(words)


_GENERALISERS = {
    Kind.DATETIME: "for a timestamp use `truncate(..., hour)`, `weekday(...)` or "
                   "`hour_of_day(...)`",
    Kind.NUMBER: "for a number use `round(...)` or `bucket(...)`",
    Kind.INTEGER: "for a number use `round(...)` or `bucket(...)`",
    Kind.STRING: "for text use `prefix(..., n)` or `pseudonymize(...)`",
    Kind.ENUM: "for an enum value use `keep(...)` or select it directly",
}


def _coordinate_help(arg) -> str | None:
    """`round(coordinates.latitude, 2)`: OCPI sends a coordinate as text, and the pair
    has generalisers of its own."""
    if not isinstance(arg, syntax.FieldRef) or len(arg.path) < 2 \
            or arg.path[-1] not in ("latitude", "longitude") or arg.path[-2] != "coordinates":
        return None
    pair = ".".join(arg.path[:-1])
    return (f"OCPI sends coordinates as text; coarsen the pair with `round_coords({pair}, 2)` "
            f"or `grid({pair}, 0.05)` (in `geojson`, `json` or `ndjson`), or select "
            f"`{arg.dotted}` as it is")


def _mismatch_help(function: Function, value: Value) -> str:
    if value.many:
        return "pick a single value, or count the list with `jmespath(\"length(...)\")`"
    if value.kind is Kind.OBJECT and not value.geo:
        return "pass one of the object's fields instead of the whole object"
    fallback = f"write it like `{function.example}`"
    return _GENERALISERS.get(value.kind, fallback) if value.kind else fallback


def distinct_form(function: Function) -> Function:
    """`count(distinct x)` takes one value of any scalar kind (OCX226 refuses
    `distinct` on other aggregates)."""
    if function.name != "count":
        return function
    return dataclasses.replace(function, params=(ArgKind.ANY_SCALAR,))


def _duration(op: syntax.BinaryOp, sides: list) -> bool:
    """`end_date_time - start_date_time`: a duration as SQL and pandas write it."""
    return op.op == "-" and all(value.kind is Kind.DATETIME and not value.many
                                for _, value in sides)


def _number_inside(side: syntax.Expr, value: Value, ctx: Context) -> str | None:
    """`total_cost / total_energy`, as OCPI 2.1.1's number cost reads: the object's
    number fields, to write over the caret (`total_cost.excl_vat`)."""
    if not isinstance(side, syntax.FieldRef) or value.many or not value.object:
        return None
    fields = ctx.catalogue.object(value.object).fields.values()
    numbers = [f"{side.dotted}.{field.name}" for field in fields
               if field.kind in _NUMBERS and not field.many]
    if not numbers:
        return None
    others = f" (or {backticked(numbers[1:])})" if numbers[1:] else ""
    return (f"`{side.dotted}` is a `{value.object}` object: write `{numbers[0]}`{others}, "
            "one of its numbers")


def _duration_help(op: syntax.BinaryOp, sides: list, text: str) -> str:
    """For a duration, the call that computes it with the two times in their order; any
    other arithmetic on a time or a text is pointed at the number fields."""
    if _duration(op, sides):
        later, earlier = (text[side.span.start:side.span.end] for side, _ in sides)
        return (f"a duration between two times is computed: write `minutes({earlier}, "
                f"{later})` (or `hours(...)`)")
    return "compute on numeric fields; for times use `minutes(...)` or `hours(...)`"
