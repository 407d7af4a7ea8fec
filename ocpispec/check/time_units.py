"""What to suggest for a unit of time a clause does not take.

A spelling guess is only right for a misspelling: `years` is close to `days`, `decades`
to `months`, `quarter` to `quarter_hour`, and `every 2 days` would become `every 2
hours`. A word that is itself a unit of time gets the same length in a unit the clause
takes (`last 1 year` -> `last 12 months`), or no suggestion of a length when none holds
it exactly; only other words are matched by spelling.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.context import did_you_mean

# lengths in the smallest unit of their family: fixed units in minutes, calendar units in
# months (a month has no fixed number of days, so the two families never mix)
_FIXED = {"minute": 1, "hour": 60, "day": 1440, "week": 10_080, "fortnight": 20_160}
_CALENDAR = {"month": 1, "quarter": 3, "semester": 6, "year": 12, "decade": 120}
_OTHER = frozenset({"second", "millisecond", "century"})


# abbreviations (`10y`, `120 mo`, `7 d`, `2 hrs`) and the words of the consumers'
# languages (`10 jaar`, `7 Tage`): the unit they stand for. `m` is minute or month: none.
_SHORT = {"y": "year", "yr": "year", "yrs": "year", "mo": "month", "mos": "month",
          "mon": "month", "mth": "month", "mths": "month", "w": "week", "wk": "week",
          "wks": "week", "d": "day", "h": "hour", "hr": "hour", "hrs": "hour",
          "min": "minute", "mins": "minute", "q": "quarter", "qtr": "quarter",
          "qtrs": "quarter", "jaar": "year", "jaren": "year", "maand": "month",
          "maanden": "month", "dag": "day", "dagen": "day", "weken": "week", "uur": "hour",
          "kwartaal": "quarter", "jahr": "year", "jahre": "year", "monat": "month",
          "monate": "month", "tag": "day", "tage": "day", "woche": "week", "wochen": "week",
          "stunde": "hour", "stunden": "hour", "quartal": "quarter"}


def singular(word: str) -> str:
    word = word.lower()
    if word in _SHORT:
        return _SHORT[word]
    return word[:-1] if word.endswith("s") and word[:-1] in (*_FIXED, *_CALENDAR, *_OTHER) \
        else word


def is_time_unit(word: str) -> bool:
    return singular(word) in (*_FIXED, *_CALENDAR, *_OTHER)


def same_length(amount: int, word: str, units: Sequence[str]) -> tuple[int, str] | None:
    """`amount word` as a whole number of the largest of `units` that holds it exactly
    (the unit as `units` spells it, singular after 1); None when none does."""
    single = singular(word)
    family = _FIXED if single in _FIXED else _CALENDAR if single in _CALENDAR else None
    if family is None or amount < 1:  # nothing holds no time (the zero is reported)
        return None
    length = amount * family[single]
    sizes = sorted(((family[singular(unit)], unit) for unit in units
                    if singular(unit) in family), reverse=True)
    for size, unit in sizes:
        if length % size == 0:
            count = length // size
            return count, unit.removesuffix("s") if count == 1 else unit
    return None


def in_number(amount: int, word: str, units: Sequence[str]) -> str | None:
    """The unit of `units` that `word` is in the wrong grammatical number (`day` after 7
    is `days`); None when `word` is not such a unit or its number is right."""
    if word.lower() in units:
        return None
    for unit in units:
        if singular(unit) == singular(word):
            return unit if amount != 1 else unit.removesuffix("s")
    return None


def wrong_number(amount: int, word: str, units: Sequence[str]) -> tuple[str, str] | None:
    """(message, right unit) for a unit the clause takes, in the wrong number: `last 7
    day` is neither unknown nor "1 week, the same length", it is `last 7 days`."""
    right = in_number(amount, word, units)
    if right is None or right == word.lower():
        return None
    return f"`{word}` after {amount} is written `{right}`", right


def spelling_guess(word: str, units: Sequence[str]) -> str | None:
    """The unit `word` is a misspelling of (or the other number of); None for a real
    unit of time the clause does not take (a guess would change the length)."""
    same = [unit for unit in units if singular(unit) == singular(word)]
    if same:  # `minutes` where the clause says `minute`
        return same[0]
    return None if is_time_unit(word) else did_you_mean(word, units)
