"""Functions of SQL, pandas and spreadsheets that a new user writes for a need the
language meets another way: a distinct count (`count_distinct(x)`, `nunique(x)`), a
time formatted to its month (`to_char(t, 'YYYY-MM')`, `strftime('%Y-%m', t)`) or taken
apart (`date_part('hour', t)`), a default for a missing value (`coalesce(x, 'n/a')`),
a date cut (`date_trunc('hour', t)`, `date(t)`), a percentile (`p90(x)`) or a prefix
(`left(x, 2)`).
Each gives the call the language writes, with the user's own arguments; where a near
spelling would mislead (`count_distinct` ~ `constant`, `concat` ~ `count`), the habit
says what was meant."""

from __future__ import annotations

from ocpispec.language import syntax
from ocpispec.language.parse_distances import DISTANCE_FUNCTIONS, box_filter, box_note
from ocpispec.lazy_pattern import lazy

_DISTINCT = frozenset({"count_distinct", "countdistinct", "distinct_count", "n_distinct",
                       "nunique", "uniq", "count_unique", "approx_count_distinct",
                       "distinctcount", "countunique"})
_FORMATS = frozenset({"to_char", "strftime", "date_format", "format_date", "format_datetime",
                      "format_timestamp", "formatdatetime", "to_date", "date_part",
                      "datepart", "format"})
_ROW_COUNTS = frozenset({"size", "value_counts", "n", "count_rows", "countrows",
                         "row_count", "nrow", "len", "counta"})
_DEFAULTS = frozenset({"coalesce", "ifnull", "nvl", "isnull", "fillna", "ifna"})
# a spread measure: the variance is arithmetic over `avg`; a standard deviation its root,
# which the language has not
_VARIANCES = frozenset({"variance", "var", "var_samp", "var_pop", "variance_pop"})
_DEVIATIONS = frozenset({"stddev", "std", "stdev", "stddev_samp", "stddev_pop", "stdevp",
                         "stdev_s", "stdev_p", "sd"})

# the finest part a format names, finest first: `%H` or `HH` is an hour
_FORMAT_PARTS = (("minute", lazy(r"%M|MI|mm|\bnn\b")),
                 ("hour", lazy(r"%H|%I|HH|hh")),
                 ("day", lazy(r"%d|%j|DD|dd|%F")),
                 ("week", lazy(r"%[UVWG]|IW|WW|ww")),
                 ("month", lazy(r"%m|%b|%B|MM|MON|Mon|mon")),
                 ("quarter", lazy(r"Q|%q|\bqq?\b")),
                 ("year", lazy(r"%Y|%y|YYYY|yyyy|YY|yy")))
# `date_part('dow', t)`: a part that is not a cut of the time
_PARTS = {"hour": "hour_of_day({x})", "hh": "hour_of_day({x})",
          "dow": "weekday({x})", "isodow": "weekday({x})", "weekday": "weekday({x})",
          "dw": "weekday({x})", "minute": "truncate({x}, minute)",
          "day": "truncate({x}, day)", "dd": "truncate({x}, day)",
          "week": "truncate({x}, week)", "wk": "truncate({x}, week)",
          "isoweek": "truncate({x}, week)", "month": "truncate({x}, month)",
          "mm": "truncate({x}, month)", "quarter": "truncate({x}, quarter)",
          "qq": "truncate({x}, quarter)", "q": "truncate({x}, quarter)",
          "year": "truncate({x}, year)",
          "yyyy": "truncate({x}, year)"}


# the time between two timestamps: SQL Server's and DuckDB's `datediff('minute', a, b)`,
# MySQL's `timestampdiff(MINUTE, a, b)`, PostgreSQL's `age(b, a)` (the later time first)
_DIFFERENCES = frozenset({"datediff", "date_diff", "timestampdiff", "timestamp_diff",
                          "timediff", "time_diff", "datetime_diff", "duration", "elapsed",
                          "age", "minutes_between", "hours_between"})
_HOURS = frozenset({"hour", "hours", "hh", "h"})
_UNITS = frozenset({*_HOURS, "minute", "minutes", "mi", "n", "min", "second", "seconds",
                    "ss", "s", "day", "days", "dd", "d"})


# a peak over time slots (`peak(sum(...))`, `max_concurrent(...)`): grid planners ask it
_PEAKS = frozenset({"peak", "peak_load", "max_concurrent", "concurrent", "simultaneous",
                    "max_simultaneous", "peak_concurrency"})
_CLOCKS = frozenset({"now", "current_date", "current_timestamp", "current_time", "today",
                     "getdate", "sysdate", "localtimestamp", "utcnow", "run_date"})


# functions of SQL and spreadsheets a new user reaches for -> what the language writes
# (`{x}`: the call's field)
_FUNCTION_HABITS = {
    "date": "truncate({x}, day)", "day": "truncate({x}, day)",
    "date_trunc": "truncate({x}, month)",
    "month": "truncate({x}, month)", "year": "truncate({x}, year)",
    "quarter": "truncate({x}, quarter)", "week": "truncate({x}, week)",
    "hour": "hour_of_day({x})",
    "dayofweek": "weekday({x})", "day_of_week": "weekday({x})",
    "dow": "weekday({x})", "weekday_name": "weekday({x})",
    "left": "prefix({x}, 4)", "substr": "prefix({x}, 4)",
    "substring": "prefix({x}, 4)",
    "hash": "pseudonymize({x})", "sha256": "pseudonymize({x})",
    "md5": "pseudonymize({x})", "mean": "avg({x})",
    # a whole number: `int` is one letter from `min`, an aggregate (OCX210 in a row)
    "int": "round({x}, 0)", "integer": "round({x}, 0)", "to_int": "round({x}, 0)",
    "duration": "minutes(start_date_time, end_date_time)",
    "datediff": "minutes(start_date_time, end_date_time)",
}

# a percentile as statistics tools name it: `quantile(x, 0.9)`, `p90(x)`, `pct95(x)`
_PERCENTILE_NAMES = lazy(r"(?:quantile|percentile_(?:cont|disc)|approx_percentile|"
                         r"quantile_cont|ntile)|(?:p|pct|perc|percentile_?)(\d{1,2})")


_TRUNCATE_UNITS = {"minute": "minute", "minutes": "minute", "min": "minute", "hour": "hour",
                   "hours": "hour", "h": "hour", "day": "day", "days": "day", "d": "day",
                   "week": "week", "weeks": "week", "isoweek": "week", "month": "month",
                   "months": "month", "quarter": "quarter", "quarters": "quarter",
                   "qtr": "quarter", "q": "quarter", "year": "year", "years": "year",
                   "15 minutes": "quarter_hour", "15min": "quarter_hour"}


def _date_trunc(call: syntax.Call) -> str | None:
    """`date_trunc('hour', start_date_time)` (SQL) or `date_trunc(start_date_time, hour)`:
    `truncate` of the field to the unit written, whichever order they come in."""
    fields = [arg for arg in call.args if isinstance(arg, syntax.FieldRef)]
    words = [str(arg.value).strip().lower() for arg in call.args
             if isinstance(arg, syntax.Literal) and isinstance(arg.value, str)]
    words += [".".join(arg.path).lower() for arg in fields[1:]]  # a bare unit: `hour`
    unit = next((_TRUNCATE_UNITS[word] for word in words if word in _TRUNCATE_UNITS), None)
    if not fields or unit is None:
        return None
    return f"truncate({fields[0].dotted}, {unit})"


def _percentile_habit(call: syntax.Call, text: str) -> str | None:
    """`percentile(x, SHARE)` for a percentile under another name, with the share its
    name or its second argument says (a percentage as a share)."""
    named = _PERCENTILE_NAMES.fullmatch(call.name.name.lower())
    if named is None or not call.args:
        return None
    # the value and the share in either order: `percentile_cont(0.5, kwh)` as SQL's
    # `percentile_cont(0.5) within group (order by kwh)` is often squeezed
    measured = next((arg for arg in call.args if not isinstance(arg, syntax.Literal)), None)
    value = text[measured.span.start:measured.span.end] if measured is not None and text \
        else "kwh"
    given = next((arg.value for arg in call.args if isinstance(arg, syntax.Literal)), None)
    if named.group(1):
        share = int(named.group(1)) / 100
    elif isinstance(given, int | float) and not isinstance(given, bool):
        share = given / 100 if given > 1 else given
    else:
        share = 0.5
    meant = f"percentile({value}, {share:g})"
    # one record's value: cut to the floor of time and energy, as SQL's ordered-set
    # aggregate is told (OCX014), unless the call is rounded already
    rounded = text[:call.span.start].rstrip().lower().endswith("round(") if text else True
    return meant if rounded else f"round({meant}, 1)"


def _prefix_habit(call: syntax.Call) -> str | None:
    """`left(x, 2)`, `substr(x, 1, 2)` (SQL counts from 1) or `substring(x, 0, 2)`: the
    first characters of a field, as many as written."""
    match call.args:
        case [syntax.FieldRef() as field, syntax.Literal(value=int() as n)] \
                if call.name.name.lower() == "left":
            pass
        case [syntax.FieldRef() as field, syntax.Literal(value=0 | 1),
              syntax.Literal(value=int() as n)]:
            pass
        case _:
            return None
    return f"prefix({field.dotted}, {n})" if not isinstance(n, bool) and n >= 1 else None


def meant_call(call: syntax.Call, guess: str | None, text: str, *,
               jmespath_only: bool) -> str | None:
    """What an unknown function is told to write: the language's call for a habit of
    SQL, spreadsheets or statistics tools, with the user's own arguments, else `guess`
    (the nearest name). A habit says what was meant where a near spelling misleads
    (`month` ~ `count`, `hour` ~ `hours`, `mean` ~ `median`)."""
    name = call.name.name.lower()
    if not jmespath_only and (instead := _FUNCTION_HABITS.get(name)):
        # the user's own argument as written (`mean(total_parking_time * 60)`: it wrote
        # `avg(start_date_time)`, a timestamp, for anything but a plain field)
        first = call.args[0] if call.args else None
        written = text[first.span.start:first.span.end] if first is not None and text \
            else "start_date_time"
        guess = instead.format(x=first.dotted if isinstance(first, syntax.FieldRef)
                               else written)
    if name in ("date_trunc", "datetrunc", "trunc", "date_bin"):
        guess = _date_trunc(call) or guess
    guess = _percentile_habit(call, text) or guess  # `percentile_cont` is near `percentile`
    if name in ("left", "substr", "substring"):
        guess = _prefix_habit(call) or guess
    return function_habit(call, text) or guess


def function_note(call: syntax.Call, text: str = "") -> str | None:
    """The help for a function whose need the language meets with no call: the run's
    clock (`now() - 30`), which a window states, and texts joined into one."""
    if call.name.name.lower() in _DEVIATIONS and (variance := function_habit(call, text)):
        return (f"the language has no square root: write `{variance}`, the variance (the "
                "standard deviation squared), and name the column for it")
    if call.name.name.lower() in ("hour_of_week", "hourofweek", "week_hour", "weekhour"):
        return _hour_of_week(call, text)
    if call.name.name.lower() in ("random", "rand", "newid", "uuid", "shuffle"):
        return ("a spec releases every record of its window and draws no random sample: "
                "leave it out and run `ocpispec run SPEC --limit N` for a sample")
    if call.name.name.lower() in ("rollup", "cube", "grouping_sets", "grouping"):
        from ocpispec.check.habits import SQL_WORDS  # an error's help only

        what, instead = SQL_WORDS["rollup"]
        return f"{what.replace('`rollup`', f'`{call.name.name}`')}: {instead}"
    if call.name.name.lower() in DISTANCE_FUNCTIONS:
        return _radius(call, text)
    if call.name.name.lower() in _PEAKS:
        return ("the language has no peak over time: make the time a group key (`spread "
                "period.duration over hour in location time zone as hour`, or `truncate("
                "start_date_time, hour) as hour`), compute the measure per slot (`sum("
                "period.duration) / 60 as busy_chargers`: the chargers in use on average "
                "in the hour), and keep the largest rows with `order by busy_chargers desc` "
                "and `limit 20`, or take the maximum per day in the consumer's tool")
    if call.name.name.lower() in _CASES:
        return _case_note(call, text)
    if call.name.name.lower() in _CLOCKS:
        return ("a time relative to the run is the dataset's window, under `from`: e.g. "
                "`last 30 days` or `previous month` instead of a comparison with the clock")
    return joined_texts(call)


# a text's case changed: OCPI writes its codes (`country_code`, `party_id`, a token's
# `type`, a status) in capitals already
_CASES = frozenset({"upper", "lower", "ucase", "lcase", "toupper", "tolower", "upper_case",
                    "lower_case", "initcap", "proper"})


def _case_note(call: syntax.Call, text: str) -> str:
    """`upper(country_code)`: the language changes no case; the field leaves as sent."""
    field = call.args[0].dotted if len(call.args) == 1 \
        and isinstance(call.args[0], syntax.FieldRef) else None
    written = f"write `{field}` as it is" if field else "release the field as it is"
    return (f"the language changes no text's case: {written} (OCPI sends its codes, such "
            "as `country_code`, `party_id` and statuses, in capitals), and compare it with "
            "the value in capitals, e.g. `= \"NL\"`")


_COMPARED_RADIUS = lazy(r"\s*<=?\s*(\d{1,6}(?:\.\d{1,6})?)\s*(km|m)?\b")


def _radius(call: syntax.Call, text: str) -> str:
    """`distance(coordinates, 50.86, 5.83) < 5`: the box on the coordinates around the
    point, as far as the number compared (km; metres from 100 on)."""
    numbers = [float(arg.value) for arg in call.args if isinstance(arg, syntax.Literal)
               and isinstance(arg.value, int | float) and not isinstance(arg.value, bool)]
    field = next((arg.dotted for arg in call.args if isinstance(arg, syntax.FieldRef)),
                 "coordinates")
    compared = _COMPARED_RADIUS.match(text, call.span.end) if text else None
    km = None
    if compared is not None:
        km = float(compared.group(1))
        km = km / 1000 if compared.group(2) == "m" or (not compared.group(2) and km >= 100) \
            else km
    return (f"the language has no distance: {box_note(numbers, km)}; write the condition "
            f"`{box_filter(field, numbers, km)}` in place of the comparison")


def _hour_of_week(call: syntax.Call, text: str) -> str:
    """`hour_of_week(t)`: the language has its two halves (it was told `hour_of_day`)."""
    arguments = ", ".join(text[arg.span.start:arg.span.end] for arg in call.args) \
        if text and call.args else "start_date_time"
    return (f"write `weekday({arguments}) as weekday, hour_of_day({arguments})`, the hour of "
            "the week as two group keys (168 groups; `order by` puts the weekdays from Monday "
            "to Sunday)")


def joined_texts(call: syntax.Call) -> str | None:
    """`concat(country_code, party_id)`: the language joins no texts; the parts leave as
    columns of their own (a JMESPath `join` fails on a record that lacks one)."""
    if call.name.name.lower() not in ("concat", "concat_ws", "string_agg", "textjoin"):
        return None
    parts = [f"`{arg.dotted}`" for arg in call.args if isinstance(arg, syntax.FieldRef)]
    shown = " and ".join(parts) if parts else "each part"
    return f"texts are not joined into one: release {shown} as columns of their own"


def function_habit(call: syntax.Call, text: str) -> str | None:
    """The call the language writes for `call`, an unknown function (`text`: the spec)."""
    name = call.name.name.lower()
    written = [text[arg.span.start:arg.span.end] for arg in call.args]
    if name in _ROW_COUNTS and not written:  # pandas' `size()`, dplyr's `n()`
        return "count()"
    if name in _DISTINCT and len(written) == 1:
        return f"count(distinct {written[0]})"
    if name in _VARIANCES | _DEVIATIONS and len(written) == 1:
        factor = written[0] if isinstance(call.args[0], syntax.FieldRef) else f"({written[0]})"
        return f"avg({factor} * {factor}) - avg({written[0]}) * avg({written[0]})"
    if name in _FORMATS:
        return _formatted(name, call)
    if name in _DIFFERENCES:
        return _difference(name, call)
    if name in _DEFAULTS and len(call.args) == 2 and isinstance(call.args[0], syntax.FieldRef) \
            and isinstance(call.args[1], syntax.Literal):
        return _with_default(call.args[0].dotted, call.args[1].value)
    return None


def _with_default(field: str, default: object) -> str | None:
    """`coalesce(x, 'n/a')`, `coalesce(kwh, 0)`: JMESPath's `||`, the default a raw
    string or a JSON literal (a number, `true`, `false`)."""
    match default:
        case str():
            return f"jmespath(\"{field} || '{default.replace(chr(39), '')}'\")"
        case bool():
            return f"jmespath(\"{field} || `{str(default).lower()}`\")"
        case int() | float():
            return f"jmespath(\"{field} || `{default}`\")"
    return None


def _formatted(name: str, call: syntax.Call) -> str | None:
    """`to_char(t, 'YYYY-MM')`, `strftime('%Y-%m', t)`, `date_part('hour', t)`: the
    time's field and the finest part the format or the part names."""
    refs = [arg for arg in call.args if isinstance(arg, syntax.FieldRef)]
    field = next((arg for arg in refs if arg.dotted.lower() not in _PARTS), None)
    words = [arg.value for arg in call.args
             if isinstance(arg, syntax.Literal) and isinstance(arg.value, str)]
    words += [arg.dotted for arg in refs if arg is not field]  # `datepart(hour, t)`
    if field is None or not words:
        return None
    if name in ("date_part", "datepart"):
        part = _PARTS.get(words[0].strip().lower())
        return part.format(x=field.dotted) if part else None
    unit = next((unit for unit, pattern in _FORMAT_PARTS if pattern.search(words[0])), None)
    return f"truncate({field.dotted}, {unit})" if unit else None


def _difference(name: str, call: syntax.Call) -> str | None:
    """`date_diff('hour', start_date_time, end_date_time)`: `hours(...)` of the two
    times in the order they come, else `minutes(...)`; `age` names the later one first."""
    units = [str(arg.value).lower() for arg in call.args
             if isinstance(arg, syntax.Literal) and isinstance(arg.value, str)]
    refs = [arg for arg in call.args if isinstance(arg, syntax.FieldRef)]
    units += [ref.dotted.lower() for ref in refs if ref.dotted.lower() in _UNITS]
    times = [ref.dotted for ref in refs if ref.dotted.lower() not in _UNITS]
    if len(times) != 2:
        return None
    first, second = reversed(times) if name == "age" else times
    unit = "hours" if name == "hours_between" or (units and units[0] in _HOURS) else "minutes"
    return f"{unit}({first}, {second})"
