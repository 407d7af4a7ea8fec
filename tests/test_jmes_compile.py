"""The JMESPath compiler must agree with `jmespath.search` on every record."""

from __future__ import annotations

import json
import re

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jmespath.visitor import Options

from ocpispec.execute.functions import OcxFunctions, TransformError, custom_functions
from ocpispec.execute.jmes_compile import ExpressionError, compile_expression

FUNCTIONS = custom_functions(b"test-key-" * 4, "export")
OPTIONS = Options(custom_functions=OcxFunctions(FUNCTIONS))

EXPRESSIONS = [
    # paths, indexes, slices
    "a", "a.b", "a.b.c", "a[0]", "a[-1]", "a[1:3]", "a[::-1]", "a[0].b", '"quoted key"',
    "@", "a | @", "a | b", "a.b | [0]",
    # projections
    "a[*]", "a[*].b", "a[].b", "a[]", "a[][]", "*.b", "a.*", "a[*].b[0]", "a[*].[b, c]",
    "a[?b]", "a[?b == `1`].c", "a[?b > `1`]", "a[?!b]", "a[?b == 'x' || c]",
    # multiselects
    "{x: a, y: b.c}", "[a, b]", "a.{x: b, y: c}", "{x: a[*].b, y: `null`}",
    # comparisons and logic
    "a == b", "a != b", "a < b", "a <= b", "a > b", "a >= b", "a == `true`", "a == `1`",
    "a && b", "a || b", "!a", "!(a && b)", "a == 'B' && kwh > `5`", "status == 'COMPLETED'",
    # literals
    "`[1, 2]`", "'raw'", "`{\"k\": 1}`",
    # built-in functions, including ones that take an expression reference
    "length(a)", "contains(a, 'a')", "to_string(a)", "to_number(a)", "not_null(a, b, `0`)",
    "type(a)", "keys(@)", "join(', ', a)", "sort_by(a, &b)", "max_by(a, &b)", "abs(a)",
    "starts_with(a, 'a')", "map(&b, a)", "length(a[?b])", "contains(['B', 'x'], a)",
    "ends_with(a, b)", "floor(a)", "avg(a)",
    # custom functions, literal arguments (specialised) and record arguments (generic)
    "pseudonymize(a, 'token')", "pseudonymize(a, b)", "truncate(start_date_time, 'hour')",
    "truncate(start_date_time, 'week')", "round(kwh, `1`)", "round(kwh, `0`)",
    "bucket(kwh, `[0, 5, 10]`)", "prefix(a, `2`)", "matches(a, '3*')", "weekday(start_date_time)",
    "hour_of_day(start_date_time)", "minutes(start_date_time, a)", "add(kwh, `1`)",
    "divide(kwh, a)", "time_compare(start_date_time, '>=', '2026-01-01')",
    "{d: pseudonymize(a, 'token'), s: truncate(start_date_time, 'day'), k: round(kwh, `2`)}",
]

KEYS = ["a", "b", "c", "kwh", "status", "start_date_time", "quoted key"]
SCALARS = (st.none() | st.booleans() | st.integers(-3, 12)
           | st.floats(-100, 100, allow_nan=False, width=32)
           | st.sampled_from(["", "a", "B", "x", "3511 AB", "COMPLETED", "2026-01-05T10:23:45Z",
                              "2026-01-05T10:23:45.5+02:00"]))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner,
                                                                max_size=4),
    max_leaves=12)
RECORDS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6)

FIXED = [
    {},
    {"a": [{"b": 1, "c": "x"}, {"b": 3, "c": "y"}, {"b": None}], "b": 2},
    {"a": {"b": {"c": True}}, "b": {"c": [1, 2]}},
    {"a": [[1, 2], [3, [4]], 5], "kwh": 12.345, "status": "COMPLETED", "b": 0},
    {"a": "3511 AB", "b": "session", "kwh": 4.25, "start_date_time": "2026-01-05T10:23:45Z"},
    {"a": "12", "kwh": 7, "start_date_time": "2026-01-05T10:23:45.123456789+01:00"},
    {"a": 0, "b": False, "c": [], "kwh": 0.5, "start_date_time": "2026-01-05T23:59:59"},
]

COMPILED = {text: compile_expression(text, FUNCTIONS) for text in EXPRESSIONS}
CLOSURES = {text: compile_expression(text, FUNCTIONS, codegen=False) for text in EXPRESSIONS}


def _canonical(value: object) -> str:
    """JSON text tells `true` from `1` and `1.0` from `1`, which `==` does not."""
    return json.dumps(value, sort_keys=True)


def _agree(text: str, record: dict) -> None:
    """Generated code and closures both give what jmespath.search gives."""
    try:
        expected = jmespath.search(text, record, OPTIONS)
    except (TypeError, ValueError):
        # ordering a string against a number (the compiler says null), or a variadic
        # function's later argument of a type its signature never checks (`merge(a, b)`
        # with a text b: a run counts the record invalid)
        return
    except (jmespath.exceptions.JMESPathError, TransformError) as raised:
        for compiled in (COMPILED, CLOSURES):
            with pytest.raises(type(raised)):
                compiled[text](record)
        return
    for compiled in (COMPILED, CLOSURES):
        got = compiled[text](record)
        assert _canonical(got) == _canonical(expected), f"{text!r} on {record!r}"


@pytest.mark.parametrize("record", FIXED, ids=range(len(FIXED)))
@pytest.mark.parametrize("text", EXPRESSIONS)
def test_table_agrees_with_jmespath(text: str, record: dict) -> None:
    _agree(text, record)


@settings(max_examples=300, deadline=None)
@given(record=RECORDS)
def test_generated_records_agree_with_jmespath(record: dict) -> None:
    for text in EXPRESSIONS:
        _agree(text, record)


def test_known_values() -> None:
    record = {"kwh": 12.345, "start_date_time": "2026-01-05T10:23:45+01:00", "pc": "3511 AB",
              "geo": {"latitude": "52.09071", "longitude": "5.12142"}}
    run = lambda text: compile_expression(text, FUNCTIONS)(record)  # noqa: E731
    assert run("truncate(start_date_time, 'hour')") == "2026-01-05T09:00:00Z"
    assert run("truncate(start_date_time, 'month')") == "2026-01-01T00:00:00Z"
    assert run("round(kwh, `1`)") == 12.3
    assert run("round(`2.675`, `2`)") == 2.68
    assert run("round(kwh, `0`)") == 12
    assert run("bucket(kwh, `[0, 5, 10, 50]`)") == "10-50"
    assert run("bucket(`-1`, `[0, 5]`)") == "<0"
    assert run("bucket(`70`, `[0, 5, 50]`)") == "50+"
    assert run("prefix(pc, `4`)") == "3511"
    assert run("round_coords(geo, `3`)") == {"latitude": 52.091, "longitude": 5.121}
    assert run("grid(geo, `0.01`)") == {"latitude": 52.095, "longitude": 5.125}
    assert run("weekday(start_date_time)") == "monday"
    assert run("hour_of_day(start_date_time)") == 9
    assert run("minutes('2026-01-05T10:00:00Z', '2026-01-05T11:30:30Z')") == 90.5
    assert run("hours('2026-01-05T10:00:00Z', '2026-01-05T11:30:00Z')") == 1.5
    assert run("matches(pc, '35?1*')") is True


def test_null_in_null_out() -> None:
    for name in ("truncate(x, 'hour')", "round(x, `1`)", "bucket(x, `[1]`)", "prefix(x, `2`)",
                 "round_coords(x, `2`)", "grid(x, `0.1`)", "weekday(x)", "minutes(x, x)",
                 "pseudonymize(x, 'token')", "divide(x, `2`)"):
        assert compile_expression(name, FUNCTIONS)({}) is None, name


def test_bad_values_raise_transform_errors_without_the_value() -> None:
    with pytest.raises(TransformError) as caught:
        compile_expression("truncate(x, 'hour')", FUNCTIONS)({"x": "SECRET-not-a-time"})
    assert "SECRET" not in caught.value.reason


def test_pseudonyms_are_hmac_sha256_of_the_canonical_id() -> None:
    import hmac

    from ocpispec.execute.pseudonyms import derive_key, hmac_sha256

    from ocpispec.execute.pseudonyms import PseudonymDomain

    master = b"test-key-" * 4
    family = derive_key(master, PseudonymDomain("export"), "session")
    info = b"".join(len(p).to_bytes(4, "big") + p
                    for p in (b"ocpispec/v2", b"export", b"", b"", b"session"))
    extracted = hmac.digest(b"ocpispec pseudonym keys v2", master, "sha256")
    assert family == hmac.digest(extracted, info + b"\x01", "sha256"), "RFC 5869 HKDF"
    expected = hmac.digest(family, b"abc-123", "sha256")[:16].hex()
    assert compile_expression("pseudonymize(id, 'session')", FUNCTIONS)({"id": " ABC-123 "}) \
        == expected
    for key in (b"k", b"k" * 64, b"k" * 100):
        assert hmac_sha256(key)(b"message") == hmac.digest(key, b"message", "sha256")


def test_pseudonyms_are_keyed_and_domain_separated() -> None:
    other = custom_functions(b"another-key-" * 3, "export")
    record = {"uid": "ABC123", "session": "abc123"}
    token = compile_expression("pseudonymize(uid, 'token')", FUNCTIONS)(record)
    assert token == compile_expression("pseudonymize(uid, 'token')", FUNCTIONS)(
        {"uid": "abc123"}), "ids are case-insensitive"
    assert token != compile_expression("pseudonymize(session, 'session')", FUNCTIONS)(record)
    assert token != compile_expression("pseudonymize(uid, 'token')", other)(record)
    assert re.fullmatch(r"[0-9a-f]{32}", token), "128 bits as hex"


@pytest.mark.parametrize("text", ["nope(a)", "length(a, b)", "truncate(a, 'fortnight')",
                                  "pseudonymize(a)", "a[", "round(a, b, c)"])
def test_bad_expressions_fail_at_compile_time(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(text, FUNCTIONS)


def test_a_multiselect_list_is_written_in_the_generated_code() -> None:
    """`[a, b]` (a driver reader's `contains(['AD_HOC_USER', ...], ...)` once per row)
    is part of the generated function, not a closure called from it, and makes a new
    list per call (null for a null value)."""
    for text in ("[a, b]", "contains(['B', 'x'], a)", "a.[b, c]"):
        compiled = compile_expression(text, FUNCTIONS)
        fallbacks = [name for name, value in compiled.__globals__.items()
                     if name.startswith("_k") and callable(value)
                     and getattr(value, "__name__", "") == "<lambda>"]
        assert fallbacks == [], text
    listed = compile_expression("[a, b]", FUNCTIONS)
    first, second = listed({"a": 1}), listed({"a": 1})
    assert first == second == [1, None] and first is not second
    assert compile_expression("a.[b, c]", FUNCTIONS)({"a": None}) is None


def test_numbers_are_told_as_jmespath_tells_them() -> None:
    from decimal import Decimal
    from fractions import Fraction
    from numbers import Number

    from ocpispec.execute.jmes_values import is_number

    class Count(int):
        pass

    for value in (0, 1, -2.5, float("nan"), True, False, None, "1", [], {}, Decimal(1),
                  Fraction(1, 3), Count(3), complex(1, 0), b"1"):
        assert is_number(value) == (isinstance(value, Number) and not isinstance(value, bool))
