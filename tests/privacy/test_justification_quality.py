"""Justifications must say something (issue 7 item 7), on columns, filters and
`include private locations`; every justification shows in the plan."""

from __future__ import annotations

import pytest
from frontend_helpers import HEADER, check_text, codes_of, diagnose_source
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.diagnostics import report
from ocpispec.check.context import justification_problem
from ocpispec.plan.planner import plan
from ocpispec.render.plan_text import plan_text
from ocpispec.diagnostics.source import SourceFile

FAST = settings(max_examples=80, deadline=None)

EMPTY = [
    "0000000000 0", "a b c d e f g h i j", "needed", "ok ok", "lorem ipsum dolor sit amet",
    "foo bar baz qux", "data data data needed", "aaaaaaaaaaaaaaaa bbbbbbbb", "xxx yyy zzz",
    "1234567890 1234567890 card", "asdf qwer zxcv", "!!!!!!!!!!!!!!!!!!!!", "uid uid uid",
    "the the the the", "tbd todo fixme", "n/a - - - - - -", "because because because",
    "research 12345678901234567890", "Card card CARD needed",
    # the mark of a text still to be written, beside real words
    "TODO fill this in later", "TBD with the privacy officer", "FIXME: write the reason here",
    "justification to be added by the analyst", "xxx check with legal department",
]
MEANINGFUL = [
    "the fraud team matches blocked cards by uid",
    "the study links sessions of one driver over a year",
    "billing disputes need the exact end time",
    "EV research 2026 per grid cell analysis",
    "fleet operator reconciles its own cards monthly",
    "Stadtwerke prüfen gesperrte Karten",
    "the charger here is a shared depot, its sessions are the fleet's",
    "to be able to decide where to build chargers",
]


@pytest.mark.parametrize("text", EMPTY)
def test_empty_justifications_are_refused(text) -> None:
    assert justification_problem(text) is not None
    column = f'select cdr_token.uid as card because "{text}"\noutput csv to stdout\n'
    assert "OCX306" in codes_of("from cdrs\n" + column)


@pytest.mark.parametrize("text", MEANINGFUL)
def test_real_reasons_pass(text) -> None:
    assert justification_problem(text) is None
    column = f'select cdr_token.uid as card because "{text}"\noutput csv to stdout\n'
    assert codes_of("from cdrs\n" + column) == []


@pytest.mark.parametrize("clause", [
    'where cdr_token.uid = "04" because "0000000000 0"',
    'include private locations because "a b c d e f g h i j"',
])
def test_every_because_is_held_to_the_same_rule(clause) -> None:
    body = f"from sessions\n  {clause}\nselect round(kwh, 1) as k\noutput csv to stdout\n"
    assert "OCX306" in codes_of(body)


@FAST
@given(st.text(alphabet="0123456789 ", min_size=1, max_size=60))
def test_digits_and_spaces_never_justify(text) -> None:
    assert justification_problem(text) is not None


@FAST
@given(st.text(alphabet=st.characters(codec="ascii", categories=["L"]), min_size=1,
               max_size=2), st.integers(1, 30))
def test_single_letters_or_pairs_never_justify(word, times) -> None:
    assert justification_problem(" ".join([word] * times)) is not None


@FAST
@given(st.lists(st.from_regex(r"[a-z]{3,9}", fullmatch=True), min_size=1, max_size=2),
       st.integers(1, 8))
def test_fewer_than_three_distinct_words_never_justify(words, times) -> None:
    assert justification_problem(" ".join(words * times)) is not None


@FAST
@given(st.from_regex(r"[a-z]{4,9}", fullmatch=True), st.sampled_from(MEANINGFUL))
def test_a_word_padded_three_times_is_refused(word, reason) -> None:
    assert justification_problem(f"{reason} {word} {word} {word}") is not None


@FAST
@given(st.sampled_from(MEANINGFUL), st.integers(0, 10**12))
def test_a_real_reason_with_a_number_in_it_passes(reason, number) -> None:
    assert justification_problem(f"{reason} since {number % 10000}") is None


def test_diagnostics_render(snapshot) -> None:
    body = ('from cdrs\n  where cdr_token.uid = "04" because "uid uid uid"\nselect\n'
            '  cdr_token.uid as card because "0000000000 0"\n'
            '  cdr_token.contract_id as contract because "a b c d e f g h i j"\n'
            "output csv to stdout\n")
    source = SourceFile("why.ocx", HEADER + body)
    assert report.render(diagnose_source(source), {"why.ocx": source}) == snapshot


def test_every_justification_appears_in_the_plan() -> None:
    reasons = ["the fraud team reviews these blocked cards",
               "billing disputes need the exact end time",
               "depot chargers of our own fleet customers"]
    body = ("from sessions\n"
            f'  where cdr_token.uid in ["04"] because "{reasons[0]}"\n'
            f'  include private locations because "{reasons[2]}"\n'
            f'select end_date_time as ended because "{reasons[1]}"\noutput csv to stdout\n')
    text = plan_text(plan(check_text(body)))
    flat = " ".join(text.split())
    assert all(f'because "{reason}"' in flat for reason in reasons)


def test_a_measure_justification_appears_in_the_plan() -> None:
    why = "the grid operator sizes cables by the largest session"
    body = ("from sessions\ngroup by truncate(start_date_time, week) as week\ncompute\n"
            f'  max(kwh) as biggest because "{why}"\n  minimum group size 10\n'
            "output csv to stdout\n")
    planned = plan(check_text(body))
    assert f'because "{why}"' in " ".join(plan_text(planned).split())
    assert planned.datasets[0].step(type(planned.datasets[0].steps[-2])).measures[0] \
        .justification == why
