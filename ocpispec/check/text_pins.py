"""A place written as text in a filter, pinned below its floor (OCX303).

`where cdr_location.postal_code = "3511AB"` keeps the rows of one street, and so do
`matches "3511A*"`, `>= "3511AB" and <= "3511AC"` and `prefix(cdr_location.postal_code,
6) = "3511AB"`: what the filter writes of the place is what every kept row shows, beside
its driver's pseudonym. The numeric and time pins are `check/filter_pins.py`'s.
"""

from __future__ import annotations

from ocpispec.check import floors
from ocpispec.frozen import frozen
from ocpispec.check.values import Use
from ocpispec.language import syntax
from ocpispec.schema.model import Kind


# text quasi-identifiers that name a spot: a filter naming one keeps the rows of one place,
# and so do the ids a charge names its site, charger or tariff by (`location_id`,
# `location.evse.uid`, `cdr_location.id`, `tariff.id`; quasi where a charge reaches them),
# the text and URL that name a charge's tariff as its id does (`tariff.tariff_alt_url`, a
# contract's own), and the issuer of a driver's card (`token.issuer`: an employer, a
# fleet, a one-person firm)
_SPOT_NAMES = frozenset({"address", "name", "latitude", "longitude", "location_id", "evse_uid",
                         "evse_id", "id", "uid", "physical_reference", "tariff_alt_url", "text",
                         "issuer"})
_TEXTS = frozenset({Kind.STRING, Kind.URL})


@frozen
class TextRanges:
    """The bounds the kept conditions put on a text field (`>= "3511AA"`)."""

    lows: dict[str, str]
    highs: dict[str, str]

    def shared(self, use: Use, op: str, value: str) -> str | None:
        """Note `field op value`; the start every value between the bounds shares."""
        name = use.field.qualified
        (self.lows if op in (">", ">=") else self.highs)[name] = value
        if name not in self.lows or name not in self.highs:
            return None
        low, high = self.lows[name], self.highs[name]
        length = next((at for at, (a, b) in enumerate(zip(low, high)) if a != b),
                      min(len(low), len(high)))
        return low[:length]


def text_pin(predicate: syntax.Condition, use: Use, texts: TextRanges) -> str | None:
    """A place written as text on the field, or on a value computed from it: named
    exactly (`=`, `in`), by a pattern or a range whose written start narrows it, or read
    in `jmespath(...)`. A postal code pins beyond its floor of 4 characters (`"3511AB"`:
    a street); an address, a site's name or a coordinate by any value or a start of
    `_SPOT_START` characters, and so does an id of the site, charger or tariff. Cities,
    countries and other coarse texts are not pins."""
    name = use.field.path[-1]
    postal = floors.is_postal(name)
    if use.field.field.kind not in _TEXTS or not (postal or name in _SPOT_NAMES):
        return None
    if use.hatch is not None:
        return "within what `jmespath(...)` tests, to any precision"
    match predicate:
        case syntax.InList(negated=False, options=options):
            values = [item.value for item in options.items]
        case syntax.Compare(op="=", left=syntax.Literal() as literal) | \
                syntax.Compare(op="=", right=syntax.Literal() as literal):
            values = [literal.value]
        case syntax.Matches(pattern=pattern) if not use.around:
            return _pattern_pin(str(pattern.value), postal)
        case syntax.Compare(op=">" | ">=" | "<" | "<=" as op, left=syntax.FieldRef(),
                            right=syntax.Literal(value=str() as value)) if not use.around:
            start = texts.shared(use, op, value)
            return None if start is None or not _narrow(start, postal) else \
                f"in a range of values that all start `{start}`"
        case _:
            return None
    if not values or not all(isinstance(value, str) for value in values):
        return None
    if postal:
        if all(len(value.replace(" ", "")) <= floors.POSTAL_PREFIX for value in values):
            return None
        return f"equal to a postal code of more than {floors.POSTAL_PREFIX} characters"
    return "equal to the value written"


# the written start of an address, a site's name or a coordinate that keeps few places
_SPOT_START = 6


def _pattern_pin(pattern: str, postal: bool) -> str | None:
    """`matches` keeps what its fixed start (before the first `*` or `?`) says, or with
    only `?` wildcards a value of one length with all but a few characters written."""
    start = pattern.split("*", 1)[0].split("?", 1)[0]
    written = pattern if "*" not in pattern else start
    if _narrow(start, postal) or _narrow(written.replace("?", ""), postal):
        return "matching a pattern that writes out most of it"
    return None


def _narrow(start: str, postal: bool) -> bool:
    if postal:
        return len(start.replace(" ", "")) > floors.POSTAL_PREFIX
    return len(start.strip()) >= _SPOT_START
