"""`ocpispec check` on a spec with a line of thousands of words (a `where` of generated
terms, a list pasted from a spreadsheet) answers in the time its length needs, not its
square (a quadratic step made a line of 6,000 terms take minutes): the caret widening of a diagnostic's help (`diagnostics/help_span.py`) joined the
line's words again at each word, and the pin check of a filter (`check/filter_pins.py`)
went through every term for each branch of an `or`. Measured in this process's CPU time,
which the load of other processes does not change: four times the terms may take at most
eight times as long (the square: sixteen)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

HEADER = '''export long_lines
  consumer "Test consumer"
  purpose "Check specs with long lines"
  legal basis legitimate interests
  retention 1 year
  pseudonym key env TEST_KEY
source profile demo
from sessions
'''
TAIL = '''select round(kwh, 1) as e
output csv to stdout
'''
SHORT, LONG = 1000, 4000


def _checked(run_cli, tmp_path: Path, where: str):
    spec = tmp_path / "long.ocx"
    spec.write_text(HEADER + f"  where {where}\n" + TAIL)
    started = time.process_time()
    done = run_cli("check", str(spec))
    return done, time.process_time() - started


def _grows_linearly(check) -> None:
    """`check(terms)` -> seconds: at most eight times as long for four times the terms."""
    check(SHORT)  # the first check imports and compiles what every later one reuses
    short, long = check(SHORT), check(LONG)
    assert long < 8 * short + 0.2, f"{SHORT} terms: {short:.2f} s of CPU, {LONG} terms: {long:.2f} s"


@pytest.mark.parametrize("typo_at", ["start", "end"])
def test_a_help_on_a_line_of_thousands_of_words_is_fitted_at_once(typo_at: str, run_cli, tmp_path: Path) -> None:
    def check(count: int) -> float:
        terms = [f"kwh > {index}" for index in range(count)]
        terms[0 if typo_at == "start" else -1] = "kwhh > 0"
        done, seconds = _checked(run_cli, tmp_path, " and ".join(terms))
        assert done.exit_code == 1, done.output
        assert "unknown field `kwhh`" in done.output and "did you mean `kwh`?" in done.output
        return seconds

    _grows_linearly(check)


def test_a_where_of_thousands_of_or_branches_is_checked_at_once(run_cli, tmp_path: Path) -> None:
    def check(count: int) -> float:
        done, seconds = _checked(run_cli, tmp_path, " or ".join(f"kwh > {index}" for index in range(count)))
        assert done.exit_code == 0, done.output
        return seconds

    _grows_linearly(check)
