"""Functions of SQL, pandas and spreadsheets that a new user writes for a need the
language meets another way: a distinct count (`count_distinct(x)`, `nunique(x)`), a
time formatted to its month (`to_char(t, 'YYYY-MM')`, `strftime('%Y-%m', t)`) or taken
apart (`date_part('hour', t)`), a default for a missing value (`coalesce(x, 'n/a')`).
Each gives the call the language writes, with the user's own arguments; where a near
spelling would mislead (`count_distinct` ~ `constant`, `concat` ~ `count`), the habit
says what was meant."""

from __future__ import annotations

import re

from ocpispec.language import syntax

_DISTINCT = frozenset({"count_distinct", "countdistinct", "distinct_count", "n_distinct",
                       "nunique", "uniq", "count_unique", "approx_count_distinct",
                       "distinctcount", "countunique"})
_FORMATS = frozenset({"to_char", "strftime", "date_format", "format_date", "format_datetime",
                      "format_timestamp", "formatdatetime", "to_date", "date_part",
                      "datepart", "format"})
_DEFAULTS = frozenset({"coalesce", "ifnull", "nvl", "isnull", "fillna", "ifna"})

# the finest part a format names, finest first: `%H` or `HH` is an hour
_FORMAT_PARTS = (("minute", re.compile(r"%M|MI|mm|\bnn\b")),
                 ("hour", re.compile(r"%H|%I|HH|hh")),
                 ("day", re.compile(r"%d|%j|DD|dd|%F")),
                 ("week", re.compile(r"%[UVWG]|IW|WW|ww")),
                 ("month", re.compile(r"%m|%b|%B|MM|MON|Mon|mon")),
                 ("year", re.compile(r"%Y|%y|YYYY|yyyy|YY|yy")))
# `date_part('dow', t)`: a part that is not a cut of the time
_PARTS = {"hour": "hour_of_day({x})", "hh": "hour_of_day({x})",
          "dow": "weekday({x})", "isodow": "weekday({x})", "weekday": "weekday({x})",
          "dw": "weekday({x})", "minute": "truncate({x}, minute)",
          "day": "truncate({x}, day)", "dd": "truncate({x}, day)",
          "week": "truncate({x}, week)", "wk": "truncate({x}, week)",
          "isoweek": "truncate({x}, week)", "month": "truncate({x}, month)",
          "mm": "truncate({x}, month)", "year": "truncate({x}, year)",
          "yyyy": "truncate({x}, year)"}


# the time between two timestamps: SQL Server's and DuckDB's `datediff('minute', a, b)`,
# MySQL's `timestampdiff(MINUTE, a, b)`, PostgreSQL's `age(b, a)` (the later time first)
_DIFFERENCES = frozenset({"datediff", "date_diff", "timestampdiff", "timestamp_diff",
                          "timediff", "time_diff", "datetime_diff", "duration", "elapsed",
                          "age", "minutes_between", "hours_between"})
_HOURS = frozenset({"hour", "hours", "hh", "h"})
_UNITS = frozenset({*_HOURS, "minute", "minutes", "mi", "n", "min", "second", "seconds",
                    "ss", "s", "day", "days", "dd", "d"})


_CLOCKS = frozenset({"now", "current_date", "current_timestamp", "current_time", "today",
                     "getdate", "sysdate", "localtimestamp", "utcnow", "run_date"})


def function_note(call: syntax.Call) -> str | None:
    """The help for a function whose need the language meets with no call: the run's
    clock (`now() - 30`), which a window states, and texts joined into one."""
    if call.name.name.lower() in _CLOCKS:
        return ("a time relative to the run is the dataset's window, under `from`: e.g. "
                "`last 30 days` or `previous month` instead of a comparison with the clock")
    return joined_texts(call)


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
    if name in _DISTINCT and len(written) == 1:
        return f"count(distinct {written[0]})"
    if name in _FORMATS:
        return _formatted(name, call)
    if name in _DIFFERENCES:
        return _difference(name, call)
    if name in _DEFAULTS and len(call.args) == 2 and isinstance(call.args[0], syntax.FieldRef) \
            and isinstance(call.args[1], syntax.Literal) and isinstance(call.args[1].value, str):
        default = call.args[1].value.replace("'", "")
        return f"jmespath(\"{call.args[0].dotted} || '{default}'\")"
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
