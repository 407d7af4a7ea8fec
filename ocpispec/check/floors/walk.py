"""Whether a use of a field reaches its floor (`assess`): the walk from the field
outwards through the calls and arithmetic around it, keeping the smallest step the value
may still show in its current unit; the first call that coarsens to at least the floor
protects the use, and the cells it cuts are the use's `Grid`."""

from __future__ import annotations

import math
from datetime import datetime

from ocpispec import calendar_windows, series
from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.check import literals, power_sums
from ocpispec.check.floors.durations import DURATIONS, between_record_times, duration_quantity
from ocpispec.check.floors.limits import (
    NUMBER_STEP,
    UNIT_SECONDS,
    field_floor,
    is_postal,
    postal_prefix,
)
from ocpispec.check.floors.shortfalls import shortfall
from ocpispec.check.jmes_tests import defaulted_field
from ocpispec.check.quantities import quantity
from ocpispec.check.telling_pseudonyms import tells
from ocpispec.check.values import Use
from ocpispec.language.functions import Effect, lookup

_ALWAYS = frozenset({"weekday", "hour_of_day"})
_CUTS = frozenset({"round", "bucket", "truncate", "round_coords", "grid"})
# Where `truncate` cuts, in seconds since 1970-01-01 (a Thursday; weeks start on Monday).
# Months and years cut on day boundaries, so the day grid stands in for them.
_TRUNCATE_GRIDS = {"minute": (60.0, 0.0), "quarter_hour": (900.0, 0.0),
                   "hour": (3600.0, 0.0), "week": (604_800.0, 4 * 86_400.0)}
# `median` and `percentile` are one record's value too (or a point between two: at
# 0.95 of ten drivers, nearly the largest one's)
_PASS_THROUGH = frozenset({"min", "max", "median", "percentile", "keep"})


def _utc_offset(zone: syntax.Expr | None) -> float:
    """Seconds a local time zone's clock is ahead of UTC (at the start of 2026): its
    boundaries lie that much before UTC's, which matters when another column cuts the
    same time in UTC (Asia/Kolkata's hours start at UTC's half hours)."""
    if not (isinstance(zone, syntax.Literal) and isinstance(zone.value, str)):
        return 0.0
    found = calendar_windows.zone_or_none(zone.value)
    if found is None:
        return 0.0
    return found.utcoffset(datetime(2026, 1, 1)).total_seconds()


@frozen
class Grid:
    """The cells a protecting `round`, `bucket`, `grid` or `round_coords` cuts the raw
    field value x into: boundaries at v = scale * x + shift, where v is on `edges`
    (bucket) or on k * `period` + `offset` (the others). Two columns of one dataset that
    cut the same field on different grids together show cells finer than either."""

    field: str
    floor: float
    scale: float
    shift: float
    period: float | None
    offset: float
    edges: tuple[float, ...] = ()
    # what the raw value is, for comparing grids (`check/grids.py`): the charge's
    # quantity the field holds, or a duration between two of the record's times
    quantity: str = ""


@frozen
class Verdict:
    """Whether a use leaves protected; `shortfall` explains a generaliser that was
    present but too fine (None when there was none); `grid` the cells it leaves in."""

    protects: bool
    shortfall: str | None = None
    grid: Grid | None = None
    at: syntax.Call | None = None  # the generaliser that fell short
    step: float = math.inf  # the smallest step the column may show, in its own unit
    # the value as scale * field + shift, when both are known (unprotected values only)
    affine: tuple[float, float] | None = None
    # how many floors wide the protecting generaliser's cells are, when its scale is
    # known, whatever is added to the value (`round(kwh / 181 + cost * 0, 0)`: 1810)
    coarseness: float | None = None
    # a cut of a value scaled by another value, whose width no one can know: it may pick
    # records (`round(kwh / (kwh + 90), 0)`: 1 above 90 kWh, else 0); None when none
    blind: str | None = None


def assess(use: Use) -> Verdict:
    if series.at_time_floor(use.field.field):  # a spread's slot of an hour or longer
        return Verdict(True)
    return _Walk(use).run()


class _Walk:
    """Follows the value from the field outwards as v = scale * x + shift (shift None:
    unknown; scale None: not an affine function of x, so its step cannot be known)."""

    def __init__(self, use: Use) -> None:
        self.use = use
        self.floor = field_floor(use)
        self.scale: float | None = 1.0
        self.shift: float | None = 0.0
        self.shortfall: str | None = None
        self.short_at: syntax.Call | None = None
        self.duration = False
        self.blind: str | None = None
        self.quantity = quantity(use.field)
        self.shown = use.field.qualified
        self.previous: object = use.field.ref

    @property
    def step(self) -> float:
        """The smallest step the value may show, in its current unit."""
        return math.inf if self.scale is None else self.floor * abs(self.scale)

    def run(self) -> Verdict:
        for node in self.use.around:
            if self._protects(node):
                return Verdict(True, grid=self._cells(node), coarseness=self._coarseness(node),
                               blind=self.blind)
            self.previous = node
        if self.duration and self.shortfall is None:
            self.shortfall = ("`minutes` and `hours` between two times of the record give an "
                              "exact duration: round it to at most 1 decimal, bucket it or "
                              "aggregate it")
        affine = (self.scale, self.shift) if self.scale and self.shift is not None else None
        return Verdict(False, self.shortfall, at=self.short_at, step=self.step, affine=affine)

    def _protects(self, node: syntax.Call | syntax.BinaryOp) -> bool:
        if node is self.use.hatch:
            if not self.use.whole:
                return True  # a structural read: `length(...)`, `type(...)`, `keys(...)`
            if not defaulted_field(node):  # `x || \`0\``: the field's own value
                self.scale = None
            return False
        if isinstance(node, syntax.BinaryOp):
            self._arithmetic(node)
            return False
        return self._call(node)

    def _arithmetic(self, op: syntax.BinaryOp) -> None:
        on_left = literals.contains(op.left, self.previous)
        factor = literals.constant(op.right if on_left else op.left)
        if self.scale is None:
            return
        match op.op, factor:
            case "+", None:
                self.shift = None
            case "+", _:
                self.shift = None if self.shift is None else self.shift + factor
            case "-", _ if on_left:
                self.shift = None if self.shift is None or factor is None else \
                    self.shift - factor
            case "-", _:
                self.scale = -self.scale
                self.shift = None if self.shift is None or factor is None else \
                    factor - self.shift
            case "*", float() if factor is not None:
                self.scale *= factor
                self.shift = None if self.shift is None else self.shift * factor
            case "/", float() if on_left and factor:
                self.scale /= factor
                self.shift = None if self.shift is None else self.shift / factor
            case _:
                self.scale = None  # scaled by another value, or divided into a constant

    def _coarseness(self, node: syntax.Call | syntax.BinaryOp) -> float | None:
        if not isinstance(node, syntax.Call) or not self.scale or not math.isfinite(self.step):
            return None
        argument = node.args[1] if len(node.args) > 1 else None
        match node.name.name:
            case "round" | "round_coords":
                digits = literals.constant(argument) if argument is not None else 0.0
                width = None if digits is None else 10.0 ** -digits
            case "grid":
                width = literals.constant(argument)
            case "bucket":
                edges = literals.edges(argument) or ()
                width = min((b - a for a, b in zip(edges, edges[1:])), default=None)
            case "truncate":
                unit = literals.unit(argument) if argument is not None else None
                width = float(UNIT_SECONDS.get(unit or "", 0)) or None
            case _:
                width = None
        return None if width is None else width / self.step

    def _cells(self, call: syntax.Call | syntax.BinaryOp) -> Grid | None:
        if not isinstance(call, syntax.Call) or self.scale is None or self.shift is None:
            return None
        name = call.name.name
        argument = call.args[1] if len(call.args) > 1 else None
        common = (self.shown, self.floor, self.scale, self.shift)
        match name:
            case "round" | "round_coords":
                digits = literals.constant(argument) if argument is not None else 0.0
                period = 10.0 ** -(digits or 0)
                return Grid(*common, period, period / 2, quantity=self.quantity)
            case "grid":
                return Grid(*common, literals.constant(argument), 0.0, quantity=self.quantity)
            case "bucket":
                return Grid(*common, None, 0.0, tuple(literals.edges(argument) or ()),
                            quantity=self.quantity)
            case "truncate":
                unit = literals.unit(argument) if argument is not None else None
                period, offset = _TRUNCATE_GRIDS.get(unit or "", (86_400.0, 0.0))
                zone = call.args[2] if len(call.args) > 2 else None
                return Grid(*common, period, (offset - _utc_offset(zone)) % period,
                            quantity=self.quantity)
            case "hour_of_day" | "weekday":
                # the hours (days) of the clock it reads: beside the same time cut on
                # another clock (Asia/Kathmandu's hours start at UTC's :15), finer cells
                period = 3600.0 if name == "hour_of_day" else 86_400.0
                zone = call.args[1] if len(call.args) > 1 else None
                return Grid(*common, period, -_utc_offset(zone) % period,
                            quantity=self.quantity)
        return None

    def _call(self, call: syntax.Call) -> bool:
        name = call.name.name
        function = lookup(name)
        if function is None:
            self.scale = None
            return False
        if function.effect is Effect.PSEUDONYMISE and (told := tells(call, self.short_at)):
            self.shortfall = told if self.shortfall is None else f"{self.shortfall}; {told}"
            self.short_at = self.short_at or call
            return False
        if function.effect in (Effect.PSEUDONYMISE, Effect.CONSTANT) or name in _ALWAYS:
            return True
        # a cut of a value scaled by another value is OCX338's (`check/selecting_measures.py`)
        if function.effect is Effect.AGGREGATE and self.blind is None and \
                (dominated := power_sums.dominated(call)) is not None:
            self.shortfall, self.short_at = dominated, call
            return False
        if function.effect is Effect.AGGREGATE:
            return name not in _PASS_THROUGH
        if name in _PASS_THROUGH:
            return False
        check = _CHECKS.get(name)
        if check is None:
            self.scale = None
            return False
        if self.scale is None and name in _CUTS and self.blind is None:
            self.blind = f"`{name}` cuts a value scaled by another value"
        verdict = check(self, call)
        if not verdict and self.shortfall is None and not (self.duration and name in DURATIONS):
            self.shortfall = shortfall(name, call, self.use, self.step)
        if not verdict and self.short_at is None:
            self.short_at = call
        return verdict

    # ---- one per generaliser ---------------------------------------------------------

    def _truncate(self, call: syntax.Call) -> bool:
        unit = literals.unit(call.args[1]) if len(call.args) > 1 else None
        return unit is not None and _coarse(UNIT_SECONDS.get(unit, 0), self.step)

    def _round(self, call: syntax.Call) -> bool:
        digits = literals.constant(call.args[1]) if len(call.args) > 1 else 0
        return digits is not None and _coarse(10.0 ** -digits, self.step)

    def _bucket(self, call: syntax.Call) -> bool:
        edges = literals.edges(call.args[1]) if len(call.args) > 1 else None
        if not edges:
            return False
        widths = [b - a for a, b in zip(edges, edges[1:])]
        return all(_coarse(width, self.step) for width in widths)

    def _prefix(self, call: syntax.Call) -> bool:
        length = literals.constant(call.args[1]) if len(call.args) > 1 else None
        field = self.use.field.field
        return (self.previous is self.use.field.ref and is_postal(field.name)
                and length is not None and 0 < length <= postal_prefix(self.use))

    def _round_coords(self, call: syntax.Call) -> bool:
        digits = literals.constant(call.args[1]) if len(call.args) > 1 else None
        return digits is not None and _coarse(10.0 ** -digits, self.step)

    def _grid(self, call: syntax.Call) -> bool:
        size = literals.constant(call.args[1]) if len(call.args) > 1 else None
        return size is not None and _coarse(size, self.step)

    def _duration(self, call: syntax.Call) -> bool:
        if between_record_times(call):
            # a duration: a new quantity, exact to the second, with the number floor in
            # the call's unit. Its raw value is the duration in minutes (whichever call
            # reads it), so `round(hours(s, e) / 10, 0)` has a grid of 600 minutes, to
            # compare with other cuts of it and to tell a cut that picks records out
            hours = call.name.name == "hours"
            self.quantity, sign = duration_quantity(call, self.use.field.module)
            self.floor = NUMBER_STEP * (60.0 if hours else 1.0)
            self.scale, self.shift = sign / (60.0 if hours else 1.0), 0.0
            self.shown = f"{call.name.name}({call.args[0].dotted}, {call.args[1].dotted})"
            self.duration = True
            return False
        # a time against a constant or another record's time: the time itself, in minutes
        unit = 60 if call.name.name == "minutes" else 3600
        first = call.args[0] is self.previous
        other = literals.epoch_seconds(call.args[1 if first else 0])
        if self.scale is not None:
            self.scale = (-self.scale if first else self.scale) / unit
        if self.shift is not None and other is not None:
            self.shift = ((other - self.shift) if first else (self.shift - other)) / unit
        else:
            self.shift = None
        return False


_CHECKS = {"truncate": _Walk._truncate, "round": _Walk._round, "bucket": _Walk._bucket,
           "prefix": _Walk._prefix, "round_coords": _Walk._round_coords, "grid": _Walk._grid,
           "minutes": _Walk._duration, "hours": _Walk._duration}


def _coarse(step: float, floor: float) -> bool:
    return step >= floor * (1 - 1e-9)
