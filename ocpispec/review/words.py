"""Plain words for a privacy officer: fields, transformations, windows and modules.

Everything here turns a piece of the checked spec into an English phrase such as "the
start time, cut to the hour" or "a keyed pseudonym of the contract id, stable within
this export for this consumer". No phrase ever holds a record value: the only text
taken from the spec is field names, units and constants the spec itself states.
"""

from __future__ import annotations

from ocpispec.plan import ir
from ocpispec.language import syntax
from ocpispec.language.functions import ALIASES
from ocpispec.text import code_span

MODULES = {
    "sessions": "charging sessions",
    "cdrs": "charge detail records (the billed record of a charging session)",
    "locations": "charging locations, with their charge points and connectors",
    "tariffs": "tariffs",
    "tokens": "charging tokens (cards, app accounts)",
}
SINGULAR = {"sessions": "session", "cdrs": "CDR", "locations": "location",
            "tariffs": "tariff", "tokens": "token"}
_LEAF_WORDS = {
    "start_date_time": "start time", "end_date_time": "end time", "kwh": "energy (kWh)",
    "total_energy": "total energy (kWh)", "excl_vat": "cost excluding VAT",
    "incl_vat": "cost including VAT",
    "twentyfourseven": "open-all-day flag", "last_updated": "last-updated time",
    "contract_id": "contract id", "auth_id": "contract id",
    "connector_power_type": "connector power type",
}
_OWNER_WORDS = {"cdr_token": "token", "cdr_location": "location"}
_UNITS = {"quarter_hour": "quarter of an hour"}
_KM_PER_DEGREE = 111.32


# what each privacy class means, for an officer who is no engineer (docs/privacy-model.md)
CLASS_WORDS = {
    "public": "published or harmless on its own (a plug type, a session's status): may leave "
              "as it is",
    "quasi-identifier": "says when, where, how much or how someone charged (times, places, "
                        "energy, costs, the card's issuer): harmless alone, but a few "
                        "together can single out one driver, so it leaves coarsened, "
                        "aggregated or with a written reason",
    "personal": "identifies a driver or one charge directly (a card or contract id, a "
                "record's id): leaves only as a keyed pseudonym, or with a written reason",
    "pseudonymous (personal data)": "a keyed pseudonym: the consumer cannot read the id but "
                                    "can link the records that share it, so the data stays "
                                    "personal data (GDPR Recital 26)",
    "never-exportable": "may never leave, whatever the spec says (free text, signed meter "
                        "data)",
}


def class_legend(classes: list[str]) -> tuple[tuple[str, str], ...]:
    """What the classes among `classes` mean, in the order of the legend."""
    return tuple((name, meaning) for name, meaning in CLASS_WORDS.items() if name in classes)


def field_words(path: tuple[str, ...], module: str = "") -> str:
    """`location.postal_code` -> "the location's postal code"; `cdr_token.contract_id`
    -> "the contract id"; `id` of a CDR -> "the CDR's id"."""
    *owners, leaf = path
    if leaf in ("id", "uid") and not owners and module in SINGULAR:
        return f"the {SINGULAR[module]}'s {leaf}"
    if leaf in _LEAF_WORDS:
        return f"the {_LEAF_WORDS[leaf]}"
    name = leaf.replace("_", " ")
    if owners:
        owner = _OWNER_WORDS.get(owners[-1], owners[-1].replace("_", " "))
        if owner.endswith("s") and not owner.endswith("ss"):
            owner = owner[:-1]
        return f"the {owner}'s {name}"
    return f"the {name}"


def scope_words(scope: str) -> str:
    """How long a pseudonym stays the same, as the review states it."""
    match scope:
        case "export":  # "within this export" read as within one file
            return ("the same in every delivery of this export to this consumer (as long as "
                    "the key stays): records of one id link across all deliveries")
        case "per run":
            return "new in every run, so that no two deliveries link"
    period = scope.removeprefix("per ")
    return (f"stable for this consumer within one {period} of the record's time, "
            f"new in the next {period}")


RECORDS = "records"  # what `count()` counts in a dataset without `each` or `spread`


def transformation(expr: syntax.Expr, scope: str, module: str = "",
                   counted: str = RECORDS) -> str:
    """What a column's expression does, in plain words. `counted`: what `count()`
    counts, the dataset's rows in words (`row_words`)."""
    match expr:
        case syntax.FieldRef():
            return f"{field_words(expr.path, module)}, as it is"
        case syntax.Call():
            return _call(expr, scope, module, counted)
        case syntax.Literal():
            return f"the fixed value {_literal(expr)}"
        case syntax.BinaryOp():
            return (f"{_operand(expr.left, scope, module, counted)} {_OPERATORS[expr.op]} "
                    f"{_operand(expr.right, scope, module, counted)}")
    return "a computed value"


def row_words(dataset: ir.Dataset) -> str:
    """What one row of a dataset is, for `count()`: a record, unless `each` or
    `spread` make several rows of one."""
    parts = [f"element of `{'.'.join(step.items)}`" for step in dataset.all(ir.Unnest)]
    if (spread := dataset.step(ir.Spread)) is not None:
        parts.append(f"{spread.unit.replace('_', ' ')} slot")
    if not parts:
        return RECORDS
    return (f"rows (one per {' and '.join(parts)} of a record, not one per record; see the "
            "data flow)")


_OPERATORS = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}


def _operand(expr: syntax.Expr, scope: str, module: str, counted: str) -> str:
    if isinstance(expr, syntax.FieldRef):
        return field_words(expr.path, module)
    if isinstance(expr, syntax.Literal):
        return _literal(expr)
    return f"({transformation(expr, scope, module, counted)})"


def _call(call: syntax.Call, scope: str, module: str, counted: str = RECORDS) -> str:
    name = ALIASES.get(call.name.name, call.name.name)
    args = call.args
    first = _inner(args[0], scope, module) if args else ""
    match name, args[1:]:
        case "keep", _:
            return f"{first}, as it is"
        case "pseudonymize", _:
            return f"a keyed pseudonym of {first}, {scope_words(scope)}"
        case "truncate", (syntax.FieldRef(path=(unit,)), syntax.Literal(value=str() as zone)):
            return (f"{first}, cut to the {_UNITS.get(unit, unit.replace('_', ' '))} "
                    f"({zone} time)")
        case "truncate", (syntax.FieldRef(path=(unit,)), *_):
            # a day, week, month or year begins at another hour on the consumer's clock
            clock = " (UTC)" if unit in ("day", "week", "month", "quarter", "year") else ""
            return f"{first}, cut to the {_UNITS.get(unit, unit.replace('_', ' '))}{clock}"
        case "round", ():
            return f"{first}, rounded to a whole number"
        case "round", (syntax.Literal(value=0), *_):
            return f"{first}, rounded to a whole number"
        case "round", (syntax.Literal(value=digits), *_):
            return f"{first}, rounded to {_decimals(digits)}"
        case "bucket", (syntax.ListLiteral(items=items), *_):
            return f"{first}, as a range: {_ranges(items)}"
        case "prefix", (syntax.Literal(value=length), *_):
            return f"the first {length} characters of {_bare(first)}"
        case "round_coords", (syntax.Literal(value=digits), *_):
            return f"{first}, latitude and longitude rounded to {_decimals(digits)}"
        case "grid", (syntax.Literal(value=size), *_):
            return (f"{first}, moved to the centre of its grid cell of {size} degrees "
                    f"(about {_km(size)} north to south)")
        case "minutes" | "hours", (second, *_):
            return f"the {name} from {_bare(first)} to {_bare(_inner(second, scope, module))}"
        case "weekday", rest:
            return f"the day of the week of {_bare(first)} ({_zone_words(rest)})"
        case "hour_of_day", rest:
            return f"the hour of the day (0-23) of {_bare(first)} ({_zone_words(rest)})"
        case "constant", _:
            return f"the fixed value {_literal(args[0]) if args else ''}".rstrip()
        case "jmespath", _:
            return _jmespath(args)
        case "count", _ if call.distinct:
            return _distinct(args[0], scope, module) if args else \
                "the number of different values in the group"
        case "count", _:
            return f"the number of {counted} in the group"
        case "median", _:
            return f"the median of {_bare(first)} over the group"
        case "percentile", (syntax.Literal(value=int() | float() as share), *_):
            return (f"the {_ordinal(round(share * 100, 6))} percentile of {_bare(first)} "
                    "over the group")
        case "sum", _:
            return f"the total of {_bare(first)} over the group"
        case "avg", _:
            return f"the average of {_bare(first)} over the group"
        case "min" | "max", _:
            which = "smallest" if name == "min" else "largest"
            return (f"the {which} value of {_bare(first)} in the group (one record's own "
                    "value)")
    return f"`{name}` of {first}"


def _distinct(expr: syntax.Expr, scope: str, module: str) -> str:
    if isinstance(expr, syntax.Call) and expr.args and \
            ALIASES.get(expr.name.name, expr.name.name) == "pseudonymize":
        counted = _bare(_inner(expr.args[0], scope, module))
        return (f"the number of different values of {counted} in the group, counted by "
                "keyed pseudonym (none is released)")
    return f"the number of different values of {_bare(_inner(expr, scope, module))} in the group"


def _jmespath(args: tuple[syntax.Expr, ...]) -> str:
    if args and isinstance(args[0], syntax.Literal) and isinstance(args[0].value, str):
        return f"computed by the JMESPath expression {code_span(args[0].value)} over the record"
    return "computed by a JMESPath expression over the record"


def _inner(expr: syntax.Expr, scope: str, module: str) -> str:
    if isinstance(expr, syntax.FieldRef):
        return field_words(expr.path, module)
    return transformation(expr, scope, module)


def _zone_words(rest: tuple) -> str:
    """`Europe/Amsterdam time` for a time function given a zone, else `UTC`."""
    match rest:
        case (syntax.Literal(value=str() as zone),):
            return f"{zone} time"
    return "UTC"


def _bare(text: str) -> str:
    """Drop a trailing ", as it is" when a phrase is nested in another; a phrase that is
    no noun (`computed by the JMESPath expression ...`) becomes one ("the largest value
    of the result of the JMESPath expression ...", not "... value of computed by ...")."""
    if text.startswith("computed by "):
        return "the result of " + text.removeprefix("computed by ")
    return text.removesuffix(", as it is")


def _ordinal(number: float) -> str:
    """90 -> "90th", 2.5 -> "2.5th", 1 -> "1st", 22 -> "22nd"."""
    shown = f"{number:g}"
    if number != int(number) or int(number) % 100 in (11, 12, 13):
        return f"{shown}th"
    return shown + {1: "st", 2: "nd", 3: "rd"}.get(int(number) % 10, "th")


def _decimals(digits: object) -> str:
    if isinstance(digits, int) and digits < 0:  # round(x, -2): to hundreds
        return f"the nearest {10 ** -digits:,}"
    return "1 decimal" if digits == 1 else f"{digits} decimals"


def _km(degrees: object) -> str:
    try:
        return f"{float(degrees) * _KM_PER_DEGREE:.1f} km"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "an unknown distance"


def _ranges(items: tuple[syntax.Literal, ...]) -> str:
    bounds = [item.value for item in items]
    labels = [f"{low}-{high}" for low, high in zip(bounds, bounds[1:])]
    return ", ".join([f"under {bounds[0]}", *labels, f"{bounds[-1]} or more"]) \
        if bounds else "(no ranges)"


def _literal(literal: syntax.Expr) -> str:
    if not isinstance(literal, syntax.Literal):
        return "a constant"
    if literal.kind == "string":
        return f"\u201c{literal.value}\u201d"
    if literal.kind == "boolean":
        return "true" if literal.value else "false"
    return "empty" if literal.value is None else str(literal.value)


def window_words(window: ir.Window) -> str:
    if window.event_time and window.kind in ("since", "between"):
        # a fixed window on an event time selects by that time, not by the last update
        subject = f"records whose `{window.event_time}` is"
        words = (f"{subject} at or after {window.start}" if window.kind == "since" else
                 f"{subject} from {window.start} up to {window.end}")
        return (f"{words} (records are fetched by last update from a day earlier, and kept "
                "when that time is in the window)")
    words = _window_kind_words(window)
    if window.event_time:
        return (f"{words}; applied to `{window.event_time}` (records are fetched by "
                "last update from a day earlier, and kept when that time is in the window)")
    return words


def _window_kind_words(window: ir.Window) -> str:
    match window.kind:
        case "all":
            return "all records the platform holds (no time window)"
        case "since-last-run":
            return ("since the last successful run: each run delivers the records updated "
                    "after the previous delivery")
        case "since":
            return f"records updated since {window.start}"
        case "between":
            return f"records updated from {window.start} up to {window.end}"
        case "last":
            unit = window.unit or ""
            span = f"{unit.removesuffix('s')}" if window.amount == 1 else \
                f"{window.amount} {unit if unit.endswith('s') else unit + 's'}"
            return f"the last {span}, counted back from the time of each run"
        case "previous" | "month-to-date":
            return (f"{window.rule}: whole calendar periods before the period each run falls "
                    "in" if window.kind == "previous" else
                    f"{window.rule}: from the start of the run's month up to the run")
    return window.kind


def join_words(join: ir.Join, module: str) -> str:
    local = ".".join(join.local_key)
    singular = SINGULAR.get(module, module)
    if join.element:
        return (f"each {join.element} is matched to each "
                f"{SINGULAR.get(join.module, join.module)} it names (from `{join.module}`) "
                f"by `{join.element}.{local}`, one row per pair, a {join.element} naming none "
                f"kept once; fields read through it are named `{join.alias}.…`")
    return (f"each {singular} is matched to its {SINGULAR.get(join.module, join.module)} "
            f"(from `{join.module}`) by `{local}`; fields read through it are named "
            f"`{join.alias}.…`")


def privacy_filter_words(step: ir.PrivacyFilter) -> str:
    match step.rule:
        case "exclude-private-locations":
            text = ("records at non-public locations are left out: locations with `publish` "
                    "false, and locations the platform does not list")
            if step.exclude:
                text += "; home-charging records are left out too"
            return text
        case "public-locations-only":
            return "only locations with `publish` true are released"
        case "public-tariffs-only":
            return ("only tariffs a connector of a published location names are released: "
                    "a home charger's tariff, or one only some drivers get, is left out")
        case "included-by-spec":
            return "records at non-public locations are INCLUDED, by a written allowance"
        case "not-location-bound":
            return f"{step.description}: there is no location to screen"
    return step.description


def series_words(dataset: ir.Dataset) -> tuple[str, ...]:
    """`each` and `spread` steps, as the reviewer reads them."""
    found = []
    for step in dataset.all(ir.Unnest):
        owner = f"`{step.parent}`" if step.parent else "record"
        found.append(f"each {owner} becomes one row per element of `{'.'.join(step.items)}`, "
                     f"named `{step.alias}.…`; only its fields the spec reads are kept")
    spread = dataset.step(ir.Spread)
    if spread is not None:
        zone = "UTC" if spread.zone == "utc" else "the location's local time"
        found.append(f"`{'.'.join(spread.value)}` is spread over the "
                     f"{spread.unit.replace('_', ' ')}s ({zone}) from `{'.'.join(spread.start)}` "
                     f"to `{'.'.join(spread.end)}`, pro rata and exactly (the parts add up to "
                     f"the value); the slot is named `{spread.alias}`")
    return tuple(found)
