"""A filter on a value a function never gives: `weekday(t) = "Saturday"` (it gives
`saturday`), `weekday(t) in ["sat", "sun"]`, `hour_of_day(t) = 24`. Such a condition is
never true, so the export was silently empty, or missing the days it was for."""

from __future__ import annotations

from ocpispec.language import syntax
from ocpispec.diagnostics import Diagnostic, error

# what `weekday` gives (`execute/functions.py`), and the words a user may write for a day
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_OTHER_NAMES = {
    **{day[:2]: day for day in WEEKDAYS}, **{day[:3]: day for day in WEEKDAYS},
    "tues": "tuesday", "weds": "wednesday", "thur": "thursday", "thurs": "thursday",
    **dict(zip(("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag",
                "zondag"), WEEKDAYS)),
    **dict(zip(("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag",
                "sonntag"), WEEKDAYS)),
    **dict(zip(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
               WEEKDAYS)),
    "sonnabend": "saturday"}
_DAY_NUMBERS = {str(n): WEEKDAYS[n - 1] for n in range(1, 8)}


def never_given(expr: syntax.Expr, literal: syntax.Literal) -> Diagnostic | None:
    """The diagnostic for comparing `expr`, a call of `weekday` or `hour_of_day`, with
    a `literal` it never gives; None for anything else."""
    if not isinstance(expr, syntax.Call):
        return None
    match expr.name.name, literal.value:
        case "weekday", str(text) if text not in WEEKDAYS:
            return _weekday(text, literal)
        case "hour_of_day", int(hour) if not isinstance(hour, bool) and not 0 <= hour <= 23:
            return _hour(hour, literal)
        case "hour_of_day", float(hour) if not hour.is_integer() or not 0 <= hour <= 23:
            return _hour(hour, literal)
    return None


def _weekday(text: str, literal: syntax.Literal) -> Diagnostic:
    word = text.strip().lower().rstrip(".")
    meant = word if word in WEEKDAYS else _OTHER_NAMES.get(word) or _DAY_NUMBERS.get(word)
    return error("OCX205", f"`weekday` never gives `\"{text}\"`", literal.span,
                 "never matches",
                 notes=["`weekday(...)` gives the day's English name in lower case: "
                        + ", ".join(f"`{day}`" for day in WEEKDAYS)],
                 help=f'write `"{meant}"`' if meant else
                 "compare with one of the names above")


def _hour(hour: int | float, literal: syntax.Literal) -> Diagnostic:
    fixed = 0 if hour == 24 else None
    return error("OCX205", f"`hour_of_day` never gives `{hour}`", literal.span,
                 "never matches",
                 notes=["`hour_of_day(...)` gives the hour the time falls in, a whole number "
                        "from 0 (00:00 to 00:59) to 23"],
                 help=f"write `{fixed}` (midnight is hour 0)" if fixed is not None else
                 "compare with a whole number from 0 to 23")
