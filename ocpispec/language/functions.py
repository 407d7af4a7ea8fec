"""The function library of the .ocx language: signatures and privacy effects.

This table is shared: the checker types calls with it, the planner lowers calls to
JMESPath custom functions of the same name, the executor implements them, and the
docs list them. Implementations live in the executor, not here.
"""

from __future__ import annotations

import enum

from ocpispec.frozen import frozen


class ArgKind(enum.Enum):
    """What a parameter accepts. `ANY_SCALAR` is any non-object, non-list value."""

    ANY_SCALAR = "any value"
    STRING = "text"
    NUMBER = "number"
    DATETIME = "timestamp"
    GEO = "coordinates"
    INTEGER_LITERAL = "whole number"
    NUMBER_LITERAL = "number constant"
    NUMBER_LIST = "list of numbers"
    TIME_UNIT = "time unit"
    TIME_ZONE = "time zone"
    LITERAL = "constant"
    JMESPATH = "JMESPath expression"


class Effect(enum.Enum):
    """What a function does to the privacy of its input.

    RAW: the value leaves as it is (keep). PSEUDONYMISE: keyed HMAC, personal
    identifiers may pass. GENERALISE: coarsens a quasi-identifier (not enough for
    a personal identifier), and only when its parameters reach the floor of the
    field's kind (ocpispec/check/floors/). DERIVE: computes a new quantity from
    inputs; `minutes`/`hours` protect only between two timestamps of the record.
    CONSTANT: no input data. RAW_EXPRESSION: the escape hatch, classified by every
    field it touches. AGGREGATE: summarises a group (`min`/`max` pass one record's
    value through and protect nothing).
    """

    RAW = "kept as is"
    PSEUDONYMISE = "pseudonymised"
    GENERALISE = "generalised"
    DERIVE = "derived"
    CONSTANT = "constant"
    RAW_EXPRESSION = "raw JMESPath"
    AGGREGATE = "aggregated"


# the class as released of a pseudonymised value, wherever people read it (the review
# page, the register): a pseudonym links a person's records and stays personal data
# under the GDPR (Recital 26), although the checker lets it leave like a public value
PSEUDONYMOUS = "pseudonymous (personal data)"


def stated_class(treatment: str, released_as: str) -> str:
    """The class as released that a person or a consumer's tool is told (the manifest,
    Parquet's column metadata, the disclosure log): `released_as` (the class the checker
    lets a column leave as, which the privacy fingerprint covers), except that a
    pseudonym is PSEUDONYMOUS, never public."""
    return PSEUDONYMOUS if treatment == Effect.PSEUDONYMISE.value else released_as


class Result(enum.Enum):
    SAME = "same as input"
    STRING = "text"
    NUMBER = "number"
    INTEGER = "whole number"
    DATETIME = "timestamp"
    GEO = "coordinates"
    ANY = "any"


@frozen
class Function:
    name: str
    params: tuple[ArgKind, ...]
    result: Result
    effect: Effect
    summary: str
    example: str
    aggregate: bool = False
    optional_params: int = 0


TIME_UNITS = ("minute", "quarter_hour", "hour", "day", "week", "month", "quarter", "year")

_FUNCTIONS = (
    Function("keep", (ArgKind.ANY_SCALAR,), Result.SAME, Effect.RAW,
             "release the value unchanged; a personal field also needs `because \"...\"`",
             "keep(status) as status"),
    Function("pseudonymize", (ArgKind.ANY_SCALAR,), Result.STRING, Effect.PSEUDONYMISE,
             "keyed HMAC-SHA-256 pseudonym, stable per export key and field family",
             "pseudonymize(cdr_token.uid) as driver"),
    Function("truncate", (ArgKind.DATETIME, ArgKind.TIME_UNIT, ArgKind.TIME_ZONE),
             Result.DATETIME, Effect.GENERALISE,
             "cut a timestamp down to the start of its unit (UTC)",
             "truncate(start_date_time, hour) as started", optional_params=1),
    Function("round", (ArgKind.NUMBER, ArgKind.INTEGER_LITERAL), Result.NUMBER,
             Effect.GENERALISE, "round a number to n decimals (0 when omitted)",
             "round(kwh, 1) as energy_kwh", optional_params=1),
    Function("bucket", (ArgKind.NUMBER, ArgKind.NUMBER_LIST), Result.STRING,
             Effect.GENERALISE, "put a number into a labelled range such as `5-10` or `50+`",
             "bucket(kwh, [0, 5, 10, 20, 50]) as energy_band"),
    Function("prefix", (ArgKind.STRING, ArgKind.INTEGER_LITERAL), Result.STRING,
             Effect.GENERALISE, "keep the first n characters (postal areas)",
             "prefix(location.postal_code, 4) as area"),
    Function("round_coords", (ArgKind.GEO, ArgKind.INTEGER_LITERAL), Result.GEO,
             Effect.GENERALISE, "round latitude and longitude to n decimals",
             "round_coords(coordinates, 3) as position"),
    Function("grid", (ArgKind.GEO, ArgKind.NUMBER_LITERAL), Result.GEO, Effect.GENERALISE,
             "snap coordinates to the centre of a grid cell of the given size in degrees",
             "grid(location.coordinates, 0.01) as cell"),
    Function("minutes", (ArgKind.DATETIME, ArgKind.DATETIME), Result.NUMBER, Effect.DERIVE,
             "minutes from the first timestamp to the second",
             "minutes(start_date_time, end_date_time) as duration_min"),
    Function("hours", (ArgKind.DATETIME, ArgKind.DATETIME), Result.NUMBER, Effect.DERIVE,
             "hours from the first timestamp to the second",
             "hours(start_date_time, end_date_time) as duration_h"),
    Function("weekday", (ArgKind.DATETIME, ArgKind.TIME_ZONE), Result.STRING,
             Effect.GENERALISE,
             "day of the week (`monday` ... `sunday`) of a timestamp, in UTC",
             "weekday(start_date_time) as day", optional_params=1),
    Function("hour_of_day", (ArgKind.DATETIME, ArgKind.TIME_ZONE), Result.INTEGER,
             Effect.GENERALISE,
             "hour of the day (0-23) of a timestamp, in UTC",
             "hour_of_day(start_date_time) as hour", optional_params=1),
    Function("constant", (ArgKind.LITERAL,), Result.SAME, Effect.CONSTANT,
             "a fixed value in every row", "constant(\"NL\") as country"),
    Function("jmespath", (ArgKind.JMESPATH,), Result.ANY, Effect.RAW_EXPRESSION,
             "raw JMESPath over the record; every field it touches is checked and classified",
             "jmespath(\"length(charging_periods)\") as periods"),
    Function("count", (), Result.INTEGER, Effect.AGGREGATE, "number of records in the group",
             "count() as sessions", aggregate=True),
    Function("sum", (ArgKind.NUMBER,), Result.NUMBER, Effect.AGGREGATE,
             "sum over the group", "sum(kwh) as energy_kwh", aggregate=True),
    Function("avg", (ArgKind.NUMBER,), Result.NUMBER, Effect.AGGREGATE,
             "mean over the group", "avg(kwh) as mean_kwh", aggregate=True),
    Function("min", (ArgKind.NUMBER,), Result.NUMBER, Effect.AGGREGATE,
             "smallest value in the group", "min(kwh) as min_kwh", aggregate=True),
    Function("max", (ArgKind.NUMBER,), Result.NUMBER, Effect.AGGREGATE,
             "largest value in the group", "max(kwh) as max_kwh", aggregate=True),
    Function("median", (ArgKind.NUMBER,), Result.NUMBER, Effect.AGGREGATE,
             "middle value of the group (exact up to 4,096 values, then within 0.5%)",
             "median(kwh) as median_kwh", aggregate=True),
    Function("percentile", (ArgKind.NUMBER, ArgKind.NUMBER_LITERAL), Result.NUMBER,
             Effect.AGGREGATE, "value below which the given share (0.05 to 0.95) of the "
             "group lies", "percentile(kwh, 0.9) as p90_kwh", aggregate=True),
)

FUNCTIONS: dict[str, Function] = {f.name: f for f in _FUNCTIONS}

# British spelling is accepted and means the same.
ALIASES: dict[str, str] = {"pseudonymise": "pseudonymize"}


def lookup(name: str) -> Function | None:
    return FUNCTIONS.get(ALIASES.get(name, name))
