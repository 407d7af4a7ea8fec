"""Functions a generated row function writes inline (`jmes_codegen`, a function's
`inline`): a remembered pseudonym, a session id's HMAC, a timestamp cut by slicing, a
float rounded. For any value, the expression each writes gives what a call of the
function gives (the same value, or the same error), in whichever order the two meet a
value (a memo filled by one is read by the other), and the function's memo holds the
same values after."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.execute.errors import TransformError
from ocpispec.execute.jmes_codegen import Source
from ocpispec.execute.memo import text_memo
from ocpispec.execute.number_functions import rounder
from ocpispec.execute.pseudonyms import PseudonymDomain, pseudonymizer
from ocpispec.execute.time_functions import truncator

KEY = b"k" * 32
TEXTS = st.text(max_size=8) | st.sampled_from(
    ["NL-TNM-C1", " nl-tnm-c1 ", "NL*TNM*C1", "", "  ", "---", "ＮＬ－ＴＮＭ", "\ud800", "Ünï", "S1"])
VALUES = st.none() | st.booleans() | st.integers(-10 ** 20, 10 ** 20) | st.floats() | TEXTS \
    | st.lists(st.integers(), max_size=1) | st.dictionaries(st.text(max_size=1), st.integers(), max_size=1)
STAMPS = st.sampled_from([
    "2025-03-01T10:15:00Z", "2025-03-01T10:59:59Z", "2025-03-01T10:15:00.500Z",
    "2025-02-29T10:15:00Z", "2024-02-29T23:00:00Z", "2025-03-01T24:00:00Z",
    "2025-03-01T10:60:00Z", "2025-03-01T10:15:00+01:00", "2025-03-01", "not a time", ""]) \
    | st.none() | st.integers() | st.text(max_size=21)
NUMBERS = st.none() | st.booleans() | st.integers(-10 ** 20, 10 ** 20) | st.floats() \
    | st.sampled_from([2.675, 0.05, -0.05, 0.25, 1e15, 1e16, -1e15, 5e-324, 41.45, "3.5", "x"]) \
    | st.floats(-1000, 1000).map(lambda number: round(number, 3))


def _inlined(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`function` as a generated expression calls it: its `inline` text, compiled."""
    source = Source(lambda node: None, lambda name, children: None, {})
    text = function.inline(source, ["v"])  # type: ignore[attr-defined]
    assert text is not None
    exec(f"def _f(v):\n    return {text}\n", source.namespace)  # noqa: S102 - test code
    return source.namespace["_f"]  # type: ignore[no-any-return]


def _outcome(function: Callable[[Any], Any], value: Any) -> tuple:
    try:
        made = function(value)
    except Exception as exc:  # noqa: BLE001 - the same error either way, whatever it is
        return ("error", exc.__class__, str(exc))
    return ("value", made.__class__, made if made == made else "nan")


def _agree(make: Callable[[], Callable[[Any], Any]], values: list[Any]) -> None:
    """The inline text and the function agree on `values`, read in turn by the two
    (through one function and its memo) and by each alone."""
    shared = make()
    inline = _inlined(shared)
    alone, inline_alone = make(), _inlined(make())
    for turn, value in enumerate(values * 2):
        want = _outcome(alone, value)
        assert _outcome(inline_alone, value) == want, value
        assert _outcome(inline if turn % 2 else shared, value) == want, value


@settings(max_examples=200, deadline=None)
@given(values=st.lists(VALUES, max_size=8))
@pytest.mark.parametrize("family", ["session", "cdr", "token", "location"])
def test_a_pseudonym_written_inline_is_the_pseudonym(family: str, values: list) -> None:
    _agree(lambda: pseudonymizer(KEY, PseudonymDomain("inline", "Consumer"), family), values)


def test_a_session_id_is_hashed_without_a_call() -> None:
    """A session id (no memo) is canonicalised and hashed in the expression itself."""
    compute = pseudonymizer(KEY, PseudonymDomain("inline"), "session")
    source = Source(lambda node: None, lambda name, children: None, {})
    text = compute.inline(source, ["v"])  # type: ignore[attr-defined]
    assert ".copy()).update(" in text and ".strip().lower().encode()" in text
    assert _inlined(compute)("S1 ") == compute("s1") == compute("S1")


def test_a_memo_written_inline_reads_the_same_memo() -> None:
    calls: list[Any] = []

    def compute(value: Any) -> Any:
        calls.append(value)
        return None if value == "none" else f"<{value}>"

    memo = text_memo(compute, 2)
    inline = _inlined(memo)
    assert [inline("a"), memo("a"), inline("a"), inline("none"), inline("none"), inline(1)] \
        == ["<a>", "<a>", "<a>", None, None, "<1>"]
    assert calls == ["a", "none", 1]     # a remembered null is read, not computed again
    assert [inline("b"), inline("c"), inline("a")] == ["<b>", "<c>", "<a>"]  # emptied when full
    assert calls == ["a", "none", 1, "b", "c", "a"]


@settings(max_examples=200, deadline=None)
@given(values=st.lists(STAMPS, max_size=8))
@pytest.mark.parametrize("unit", ["minute", "hour", "day", "month", "year"])
def test_a_truncation_written_inline_is_the_truncation(unit: str, values: list) -> None:
    _agree(lambda: truncator(unit), values)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(NUMBERS, max_size=8))
@pytest.mark.parametrize("digits", [0, 1, 2, 6])
def test_a_rounding_written_inline_is_the_rounding(digits: int, values: list) -> None:
    _agree(lambda: rounder(digits), values)


def test_rounding_to_tens_is_not_inlined() -> None:
    source = Source(lambda node: None, lambda name, children: None, {})
    assert rounder(-1).inline(source, ["v"]) is None  # type: ignore[attr-defined]
    with pytest.raises(TransformError):
        _inlined(rounder(1))(math.nan)    # left to `round_`, which refuses it
