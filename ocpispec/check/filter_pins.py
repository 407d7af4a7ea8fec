"""A filter that pins a quasi-identifier below its floor (OCX303).

`where kwh >= 23.41 and kwh < 23.42` in a row dataset tells, of every row it keeps, the
energy to 0.01 kWh, whatever the columns coarsen it to (`round(kwh, 0)`); `where
start_date_time >= 2025-03-01T10:15:00Z and start_date_time < 2025-03-01T10:16:00Z`
tells each row's start to the minute beside `truncate(start_date_time, day)`. That is
the field released below its floor, so it is the warning a column below its floor is,
silenced the same way: `because "..."` after the condition. The conditions every
kept row meets count (the top-level `and` chain), and so does each branch of an `or`:
whether the other branches keep any row is the data's to say (`or country_code =
"ZZ"`), and where they do, a row they cannot have kept is a pinned one. An aggregate's
groups are protected by their minimum group size instead. A fixed window narrower than
an hour pins the time it applies to the same way (`check_window_pin`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Any

from ocpispec.check.context import Context
from ocpispec.check import floors, power_sums
from ocpispec.check.floors import (
    COORDINATE_STEP,
    SITE_COORDINATE_STEP,
    TIME_FLOOR_SECONDS,
    field_floor,
)
from ocpispec.check.privacy import exposure
from ocpispec.check.kept_conditions import FLIPPED, against_literal, as_met, disjunctions, kept
from ocpispec.check.text_pins import TextRanges, text_pin
from ocpispec.check.values import Use
from ocpispec.diagnostics import warning
from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.schema.model import Kind, PrivacyClass, is_decimal_text

def check_pins(where: syntax.Where, tests: Sequence[Any], ctx: Context,
               source: syntax.From | None = None) -> frozenset[str]:
    """Warn OCX303 once per quasi-identifier that the kept rows' conditions pin to less
    than its floor: equal to a value, one of a list, or a range narrower than the floor;
    also when every branch of an `or` pins it (`(kwh >= 23.41 and kwh < 23.42) or (kwh
    >= 50.01 and kwh < 50.02)`: each row is in one of two narrow ranges). Returns the
    fields it pins (`filter_bounds.bounds` leaves them out).
    `tests`: the filter's `filter_privacy.FilterTest`s (a field use and its predicate)."""
    by_leaf = _tests_by_leaf(tests)
    pins = _pins(where.condition, False, by_leaf, ctx, source)
    in_branch: dict[str, Pin] = {}
    for disjunction, negated in _all_disjunctions(where.condition, False):
        branches = [_pins(branch, negated, by_leaf, ctx, source)
                    for branch in disjunction.operands]
        for name, (use, _, shown, floor) in branches[0].items():
            if name not in pins and all(name in branch for branch in branches[1:]):
                pins[name] = (use, disjunction.span, f"{shown} in every branch of the `or`",
                              floor)
        for branch in branches:
            for name, pin in branch.items():
                in_branch.setdefault(name, pin)
    for use, span, shown, floor in pins.values():
        _warn(use, span, shown, floor, ctx)
    for name, (use, span, shown, floor) in in_branch.items():
        if name not in pins:
            _warn(use, span, shown, floor, ctx, branch=True)
    return frozenset(pins)


def _all_disjunctions(condition: syntax.Condition, negated: bool):
    """The `or`s every kept row meets one branch of, and those inside their branches
    (`(a or (b and (c or d)))`): a branch may keep rows of its own."""
    for disjunction, turned in disjunctions(condition, negated):
        yield disjunction, turned
        for branch in disjunction.operands:
            yield from _all_disjunctions(branch, turned)


Pin = tuple[Use, Span, str, float | None]


def _tests_by_leaf(tests: Sequence[Any]) -> dict[int, list[tuple[int, Any]]]:
    """The filter's tests by the predicate they test (its `id`), each with its place."""
    found: dict[int, list[tuple[int, Any]]] = {}
    for place, test in enumerate(tests):
        found.setdefault(id(test.predicate), []).append((place, test))
    return found


def _pins(condition: syntax.Condition, negated: bool, by_leaf: dict[int, list[tuple[int, Any]]],
          ctx: Context, source: syntax.From | None) -> dict[str, Pin]:
    """The quasi-identifiers the rows that meet `condition` (turned round when
    `negated`) have pinned below their floor, first pin first. The tests are looked up
    by the condition's own predicates (`_tests_by_leaf`): going through all the filter's
    tests for each branch of an `or` made a `where` of 6,000 terms take minutes."""
    met = {id(leaf): flag for leaf, flag in kept(condition, negated)}
    ranges, texts = _Ranges(lows={}, highs={}, spans={}), TextRanges(lows={}, highs={})
    if source is not None:
        ranges.window(source)
    pins: dict[str, Pin] = {}
    tests = sorted((entry for leaf in met for entry in by_leaf.get(leaf, ())), key=lambda entry: entry[0])
    for _, test in tests:
        use = test.use
        predicate = as_met(test.predicate, met[id(test.predicate)])
        name = use.field.qualified
        if name in pins \
                or exposure(use, ctx) is not PrivacyClass.QUASI \
                or use.field.field.object is not None:
            continue
        if math.isinf(field_floor(use)):
            if (shown := text_pin(predicate, use, texts)) is not None:
                pins[name] = (use, predicate.span, shown, None)
            elif is_decimal_text(use.field.field):  # `latitude >= 52.09`: a number
                floor = SITE_COORDINATE_STEP if use.field.site else COORDINATE_STEP
                shown, span = _coordinate_pin(predicate, use, ranges, floor)
                if shown is not None:
                    pins[name] = (use, span, shown, floor)
            continue
        if use.hatch is not None:  # `jmespath("kwh == \`23.417\`")`: not measurable
            shown, span = "within what `jmespath(...)` tests, to any precision", \
                use.hatch.span
        elif use.around:  # `round(kwh, 3) = 23.417`: exact unless the value is coarsened
            shown, span = _computed_pin(predicate, use), predicate.span
            if shown is None:  # `kwh * 1 >= 23.41 and kwh * 1 < 23.42`
                shown, span = _computed_range(predicate, use, ranges, ctx)
        else:
            shown, span = _pin(predicate, use, ranges)
        if shown is not None:
            pins[name] = (use, span, shown, field_floor(use))
    return pins


@frozen
class _Ranges:
    """The bounds a filter's kept conditions put on each field, and where they are."""

    lows: dict[str, float]
    highs: dict[str, float]
    spans: dict[str, Span]

    def window(self, source: syntax.From) -> None:
        """A fixed window bounds the time it applies to as the filter's own bounds do:
        `between 10:00 and 11:00` with `where start_date_time >= 10:59` keeps a minute."""
        window = source.window
        if not isinstance(window, syntax.Between):
            return
        start, end = _moment(window.start.value), _moment(window.end.value)
        if start is None or end is None:
            return
        name = source.event_time.field.dotted if source.event_time else "last_updated"
        self.lows[name], self.highs[name], self.spans[name] = start, end, window.span

    def bound(self, use: Use, op: str, value: float, span: Span) -> tuple[str | None, Span]:
        """Note `field op value`; the range it closes when narrower than the floor."""
        found, whole = self.close(use.field.qualified, op, value, span, field_floor(use))
        return (None if found is None else f"in a range of {amount(found, use)}"), whole

    def close(self, name: str, op: str, value: float, span: Span,
              floor: float) -> tuple[float | None, Span]:
        """Note `name op value`; the width of the range it closes below `floor`."""
        if op in (">", ">="):
            self.lows[name] = max(self.lows.get(name, -math.inf), value)
        else:
            self.highs[name] = min(self.highs.get(name, math.inf), value)
        first = self.spans.setdefault(name, span)
        if name not in self.lows or name not in self.highs:
            return None, span
        width = self.highs[name] - self.lows[name]
        if width >= floor * (1 - 1e-9):  # 10.1 - 10 is 0.0999...: at the floor
            return None, span
        return width, Span(min(first.start, span.start), max(first.end, span.end))


def _pin(predicate: syntax.Condition, use: Use, ranges: _Ranges) -> tuple[str | None, Span]:
    """What a predicate on the field itself shows: an exact value, or a range it closes."""
    match predicate:
        case syntax.InList(negated=False, options=options) if options.items and all(
                number(item, use) is not None for item in options.items):
            return ("equal to the value written" if len(options.items) == 1 else
                    "equal to one of the values written"), predicate.span
    compared = against_literal(predicate, syntax.FieldRef)
    if compared is None:
        return None, predicate.span
    op, _, literal = compared
    value = number(literal, use)
    if value is None or op == "!=":  # `= null`, or a type the checker refuses anyway
        return None, predicate.span
    if op == "=":
        return "equal to the value written", predicate.span
    return ranges.bound(use, op, value, predicate.span)


def _coordinate_pin(predicate: syntax.Condition, use: Use, ranges: _Ranges,
                    floor: float) -> tuple[str | None, Span]:
    """A latitude or longitude (decimal text) compared with numbers, as the check has
    it written: a value, or a range narrower than the coordinate's floor, is a place
    (numbers in a list are refused, OCX204)."""
    compared = against_literal(predicate, syntax.FieldRef)
    if compared is None:
        return None, predicate.span
    op, _, literal = compared
    value = literal.value
    if not isinstance(value, (int, float)) or isinstance(value, bool) or op == "!=":
        return None, predicate.span
    if op == "=":
        return "equal to the value written", predicate.span
    width, whole = ranges.close(use.field.qualified, op, float(value), predicate.span, floor)
    return (None if width is None else f"in a range of {width:g}"), whole


def _computed_pin(predicate: syntax.Condition, use: Use) -> str | None:
    """A value computed from the field, named exactly (`=`, `in`), pins the field as
    finely as the computation keeps it: below the floor unless a generaliser that reaches
    it (`round(kwh, 0) = 23`) is on the way. Ranges are `_computed_range`'s."""
    named = isinstance(predicate, syntax.InList) and not predicate.negated or \
        isinstance(predicate, syntax.Compare) and predicate.op == "=" and any(
            isinstance(side, syntax.Literal) and side.value is not None
            for side in (predicate.left, predicate.right))
    if isinstance(predicate, syntax.IsNull) and not predicate.negated \
            and power_sums.divides_by(predicate.value, use.field.ref.path):
        return "equal to the value where the divisor computed from it is 0"
    if not named or floors.assess(use).protects:
        return None
    return "equal to the value written, computed from it"


def _computed_range(predicate: syntax.Condition, use: Use, ranges: _Ranges,
                    ctx: Context) -> tuple[str | None, Span]:
    """A range of a value computed from the field (`kwh * 1`, `round(kwh, 3)`,
    `minutes(2025-01-01, start_date_time)`), measured in the value's own steps: the
    floor follows the field through the arithmetic (`floors.assess`). A value whose
    step cannot be known (scaled by another field) is not measured."""
    compared = against_literal(predicate, (syntax.Call, syntax.BinaryOp))
    if compared is None:
        return None, predicate.span
    op, value, literal = compared
    bound = literal.value if isinstance(literal.value, int | float) \
        and not isinstance(literal.value, bool) else _moment(literal.value)
    verdict = floors.assess(use)
    text = " ".join(ctx.source.text[value.span.start:value.span.end].split())
    if op not in ("=", "!=") and bound is not None and not verdict.protects \
            and power_sums.folds(value, use.field.ref.path):
        return (f"computed as `{text}`, which a one-sided bound can hold to a band around a "
                "point, to any precision"), predicate.span
    if op in ("=", "!=") or bound is None or verdict.protects or math.isinf(verdict.step):
        return None, predicate.span
    if verdict.affine is not None and use.field.field.kind is not Kind.DATETIME:
        # back in the field's units: `kwh + 0 >= 23.41` bounds `kwh < 23.42` closes
        scale, shift = verdict.affine
        return ranges.bound(use, op if scale > 0 else FLIPPED[op], (bound - shift) / scale,
                            predicate.span)
    width, span = ranges.close(f"{use.field.qualified} as {text}", op, float(bound),
                               predicate.span, verdict.step)
    if width is None:
        return None, span
    return f"computed as `{text}`, in a range of {width:g}", span


def number(literal: syntax.Literal, use: Use) -> float | None:
    """A bound in the floor's unit: seconds for a time, the value for a number."""
    value = literal.value
    if use.field.field.kind is Kind.DATETIME:
        return _moment(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def amount(width: float, use: Use) -> str:
    """A width in the field's unit, as a reviewer reads it (`0.05`, `10 minutes`)."""
    if use.field.field.kind is Kind.DATETIME:
        return _minutes(width)
    return f"{width:g}"


def _floor_words(floor: float, use: Use) -> str:
    if use.field.field.kind is Kind.DATETIME:
        return "an hour" if floor == TIME_FLOOR_SECONDS else f"{floor:g} seconds"
    return f"steps of {floor:g}"


def _warn(use: Use, span: Span, shown: str, floor: float | None, ctx: Context, *,
          branch: bool = False) -> None:
    """`floor` None: a text (a postal code's floor is its first 4 characters; an address
    or a name has none). `branch`: one branch of an `or` pins it, not every kept row."""
    field = use.field.qualified
    floor_words = _floor_words(floor, use) if floor is not None else (
        f"its first {floors.POSTAL_PREFIX} characters" if floors.is_postal(use.field.path[-1])
        else "none: no generaliser coarsens it, only leaving it out does")
    notes = ["a row export releases the records its filter keeps, so the filter tells "
             f"each row's `{field}` as precisely as it is written, whatever the columns "
             f"coarsen it to; the floor is {floor_words}"]
    if branch:
        notes.append("whether the other branches of the `or` keep any row is the data's to "
                     "say, not the spec's: with one that never holds (`or kwh < 0`, a "
                     "country code no record has), every kept row is one this branch pins")
    ctx.emit(warning(
        "OCX303", f"the filter pins the quasi-identifier `{field}` below its floor",
        span, f"the rows this branch of the `or` keeps have `{field}` {shown}" if branch
        else f"every kept row has `{field}` {shown}", notes=notes,
        help=_pin_help(use, field, floor)))


def _pin_help(use: Use, field: str, floor: float | None) -> str:
    """A range is a way out only for a field that has a floor: a postal code's first
    characters, a number's steps, an hour. An issuer, an address or a name has none."""
    if floor is None and not floors.is_postal(use.field.path[-1]):
        return (f"`{field}` has no coarser form: aggregate the dataset, filter on another "
                "field, or add `because \"...\"` after the condition with the reason")
    return (f"filter `{field}` on a range of at least the floor, aggregate the dataset, "
            "or add `because \"...\"` after the condition with the reason")


def check_window_pin(source: syntax.From, ctx: Context) -> None:
    """A fixed window narrower than an hour pins the time it applies to, as a filter
    does: `between 2026-03-01T10:15:00Z and 2026-03-01T10:16:00Z` with `window on
    start_date_time` tells every row's start to the minute (on `last_updated`, when the
    platform last changed it). Rows only: the caller skips aggregates."""
    window = source.window
    if not isinstance(window, syntax.Between):
        return
    start, end = _moment(window.start.value), _moment(window.end.value)
    if start is None or end is None or not 0 < end - start < TIME_FLOOR_SECONDS:
        return
    field = source.event_time.field.dotted if source.event_time else "last_updated"
    ctx.emit(warning(
        "OCX303", f"the window pins the quasi-identifier `{field}` below its floor",
        window.span, f"every row has `{field}` in a range of {_minutes(end - start)}",
        notes=["a row export releases the records its window keeps, so a window narrower "
               f"than the floor tells each row's `{field}` that precisely, whatever the "
               "columns coarsen it to; the floor is an hour"],
        help="widen the window to at least an hour, or aggregate the dataset"))


def _moment(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _minutes(seconds: float) -> str:
    minutes = seconds / 60
    return f"{minutes:g} minute{'s' if minutes != 1 else ''}"
