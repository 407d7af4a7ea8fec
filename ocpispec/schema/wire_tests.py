"""The full type tests of `wire_check`, one per catalogue kind: a value that fits
passes (None); otherwise the answer is (replacement or None, reason or None,
deviation or None): a harmless deviation is converted and reported, anything else
becomes null with its reason. Reasons and deviations never quote the value."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any

from ocpispec.ids import number_text
from ocpispec.schema import lengths, mail_forms
from ocpispec.timestamps import CANONICAL, format_timestamp, parse_timestamp

# value -> None when it fits, else (replacement or None, reason or None, deviation or None)
Test = Callable[[Any], "tuple[Any, str | None, str | None] | None"]

# 2.3.0 OpenEnums: receivers accept values they do not know, if shaped like a value
OPEN_ENUMS = frozenset({"ConnectorType", "Capability", "Facility", "ParkingType", "ParkingRestriction",
                        "ImageCategory", "EnvironmentalImpactCategory", "TokenType", "VehicleType",
                        "ConnectorCapability"})
_ENUM_SHAPE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}\Z")
# plain decimal, or with an exponent (`"1.0E-4"`: Java's `Double.toString`, a serialiser
# writing every number as text); an integer's text is digits only
_NUMBER_TEXT = re.compile(r"^-?\d{1,15}(\.\d{1,15})?([eE][-+]?\d{1,3})?$")
_INTEGER_TEXT = re.compile(r"^-?\d{1,15}$")


def string(limit: int) -> Test:
    def test(value: Any) -> tuple[Any, str | None, str | None] | None:
        if value.__class__ is str:
            if len(value) <= limit:
                return None
            # over only by white space around it (`" DE"`, a fixed-width formatter): the
            # text itself, as ids are compared everywhere (`ids.key_text`)
            if len(stripped := value.strip()) <= limit:
                return stripped, None, _PADDED
            return None, f"longer than {limit} characters", None
        # an integer however JSON wrote it (`1234`, `1234.0`, `1.234e3`) is the id its
        # digits spell (`ids.number_text`), as pseudonyms and the risk meter read it
        if (value.__class__ is int or value.__class__ is float and value.is_integer()) \
                and len(text := number_text(value)) <= limit:
            return text, None, "a number where OCPI says text, read as text"
        return None, "not a string", None
    return test


# a BCP 47 tag, as most platforms' locale settings write it (`en-GB`, `nl_BE`, `zh-Hant`),
# where OCPI says an ISO 639-1 code of two letters
_TAGGED = re.compile(r"^[A-Za-z]{2}[-_][A-Za-z0-9]{2,8}\Z", re.ASCII)
_LANGUAGE_OF_TAG = "a language tag with a region or script (`en-GB`), read as its language (`en`)"


def language(limit: int) -> Test:
    """A display text's `language`: a tag with a region or script (`en-GB`) is its
    language's two letters; read as too long, every text's language was null."""
    text = string(limit)

    def test(value: Any) -> tuple[Any, str | None, str | None] | None:
        if value.__class__ is str and _TAGGED.match(tag := value.strip()):
            return tag[:2], None, _LANGUAGE_OF_TAG
        return text(value)
    return test


# ASCII digits, to the end (`$` also matches before a final line break, and `\d` of a str
# pattern takes any script's digits, `٥٢.٠٩`, which `float` reads): a text released as
# a coordinate, a time or a date holds that and nothing else
_DEGREES = re.compile(r"^-?\d{1,3}(\.\d{1,15})?\Z", re.ASCII)
_PADDED = "padded with white space, read without it"
# a GeoLocation's latitude and longitude: decimal degrees as text, within these bounds
DEGREE_BOUNDS = {"latitude": 90.0, "longitude": 180.0}


def degrees(limit: int, bound: float) -> Test:
    """A latitude or longitude: text, but only a decimal number of degrees within
    `bound` (OCPI's pattern asks 5 to 7 decimals; fewer are read too). Anything else
    (`J.Jansen`, `0612345678`) becomes null: it would leave in a column of coordinates."""
    text = string(limit)

    def test(value: Any) -> tuple[Any, str | None, str | None] | None:
        if value.__class__ is float and math.isfinite(value) and abs(value) <= bound:
            # a JSON number: the degrees all the same (a serialiser that writes every
            # number as one); as null, the location lost its place on every map
            return repr(value), None, "a number of degrees where OCPI says text, read as text"
        problem = text(value)
        if problem is not None and problem[1] is not None:
            return problem
        written = value if problem is None else problem[0]
        if _DEGREES.match(written.strip()) and abs(float(written)) <= bound:
            return _unpadded(written, problem)
        return None, "not a number of degrees", None
    return test


# a URL's scheme; a browser reads it after dropping leading controls and spaces and
# every tab and line break, so `java\tscript:` is `javascript:`
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_URL_IGNORES = re.compile(r"[\x00-\x20\x7f]")
WEB_SCHEMES = frozenset({"http", "https"})


def url(limit: int) -> Test:
    """An OCPI URL (a website, an image, a tariff's page): text, and when it names a
    scheme, http or https. Any other (`javascript:alert(1)` as an operator's website,
    `data:`, `file:`) would be a live script or local file behind the link a consumer's
    HTML page or map makes of it; it is read as null. So is one with an e-mail address
    in it, as written or percent-encoded (`?driver=jan.jansen%40example.com`, a login
    `https://jan@example.com@host/`), which a platform may put in a query string."""
    text = string(limit)

    def test(value: Any) -> tuple[Any, str | None, str | None] | None:
        problem = text(value)
        if problem is not None:
            return problem
        scheme = _SCHEME.match(_URL_IGNORES.sub("", value))
        if scheme is not None and scheme.group(1).lower() not in WEB_SCHEMES:
            return None, "a URL of another scheme than http(s)", None
        return (None, EMAIL_IN_TEXT, None) if _email_in_url(value) else None
    return test


# a URL is read as a browser or a mail client would read it: percent-decoded, as often
# as it was encoded (`%2540` is `%40` is `@`), its entities and base64 runs read (`mail_forms`)
def _email_in_url(value: str) -> bool:
    return has_email(value) or encoded_email(value)


_CLOCK = re.compile(r"^([01]?\d|2[0-4]):[0-5]\d(:[0-5]\d)?\Z", re.ASCII)
_DAY = re.compile(r"^\d{4}-[01]\d-[0-3]\d\Z", re.ASCII)


_OFFSET_ZONE = re.compile(r"^(UTC|GMT)([+-]\d{1,2}(:?\d{2})?)?\Z", re.IGNORECASE | re.ASCII)


@functools.cache
def _zone_names() -> frozenset[str]:
    from ocpispec.calendar_windows import zone_names

    return frozenset(name.lower() for name in zone_names())


@functools.lru_cache(maxsize=1024)
def _zone_name(text: str) -> bool:
    """A name of the tz database in any casing (`europe/amsterdam`), or UTC with an offset.
    A name spelt as the database spells it is found by its file, once per name (listing
    them opens every file of the database: a twentieth of a second)."""
    from ocpispec.calendar_windows import is_zone_name

    return is_zone_name(text) or text.lower() in _zone_names() or \
        _OFFSET_ZONE.match(text) is not None


# every postal code system: Latin letters and digits, parts joined by a space or a hyphen
_POSTAL = re.compile(r"^[A-Za-z0-9]+([ -][A-Za-z0-9]+)*\Z", re.ASCII)


def _postal_code(text: str) -> bool:
    """A postal code (`3511 AB`, `SW1A 1AA`, `12345-6789`) or none (``): with a digit, as
    every country's has, so a name (`Jan Jansen`) or an e-mail address is none."""
    return text == "" or (_POSTAL.match(text) is not None and any(ch.isdigit() for ch in text))


# an eMI3 or DIN EVSE id as platforms write it (`NL*ABC*E12345`, `BE-BEC-E041503003`,
# `+31*745*123456`): letters and digits in parts joined by `*`, `-`, `_`, `.` or `:`; or
# none (``), which platforms send for a CDR's required id they do not know
_EVSE_ID = re.compile(r"^(\+?[A-Za-z0-9]+([*_.:-]+[A-Za-z0-9]+)*)?\Z", re.ASCII)

# a phone number as written on a sign: digits with `+`, spaces, brackets, `-`, `.` or `/`
_PHONE = re.compile(r"^\+?[0-9 ()./-]*[0-9][0-9 ()./-]*\Z", re.ASCII)

# text fields OCPI gives a format: a time of day, a date, an IANA time zone; and a postal
# code, an EVSE id and a help desk's phone number, public text a hostile platform could
# fill with a driver's e-mail address
FORMATS: dict[str, tuple[Callable[[str], Any], str]] = {
    "time": (_CLOCK.match, "not a time of day"), "date": (_DAY.match, "not a date"),
    "zone": (_zone_name, "not an IANA time zone"), "postal": (_postal_code, "not a postal code"),
    "evse_id": (_EVSE_ID.match, "not an EVSE id"), "phone": (_PHONE.match, "not a phone number")}


# an e-mail address inside text: a local part, an at sign (or NFKC's fullwidth and
# small ones, which a font draws alike), a domain with a top level of letters; spaces
# around the sign and the dots are read too (`jan @ example . com`), so spacing is no way past
_AT_SIGNS = ("@", "\uff20", "\ufe6b")
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+\s*[@\uff20\ufe6b]\s*[\w-]+(\s*\.\s*[\w-]+)*"
                    r"\s*\.\s*[^\W\d_]{2,}(?!\w)")
EMAIL_IN_TEXT = "text with an e-mail address in it"


def has_email(text: str) -> bool:
    return any(sign in text for sign in _AT_SIGNS) and _EMAIL.search(text) is not None


def encoded_email(text: str, free: bool = True) -> bool:
    """Whether a reading of `text` a page or mail client makes holds an e-mail address:
    percent-unescaped and its HTML entities read, and in `free` text (not an id) its
    spelled-out signs and base64 runs too (`mail_forms.forms`)."""
    return any(map(has_email, mail_forms.forms(text, free)))


def prose(limit: int) -> Test:
    """Free text a person writes in a public or place field (a site's name, address or
    city, a company's name, a tariff's or a point's display text): text, and never one
    with an e-mail address in it (`Contact: jan.jansen@example.com`), a driver's or a
    neighbour's, which a platform may put there; such a value is read as null. So is one
    holding an address encoded (`jan.jansen%40example.com`, `&#64;`, `(at)`, base64:
    `mail_forms`). `Parking @ Station` (no address) passes."""
    return _free(limit, free=True)


def _free(limit: int, free: bool) -> Test:
    text = string(limit)

    def test(value: Any) -> tuple[Any, str | None, str | None] | None:
        problem = text(value)
        if problem is not None and problem[1] is not None:
            return problem
        written = value if problem is None else problem[0]
        return (None, EMAIL_IN_TEXT, None) if has_email(written) or encoded_email(written, free) \
            else problem
    return test


def ident(limit: int) -> Test:
    """An id a platform writes that may leave as public or a place (a site's `id`, an
    EVSE's `uid`, a connector's or tariff's id): text, never an e-mail address or one
    holding it (`jan.jansen@example.com` as a home charger's location id); such a value
    is read as null, as in free text (`prose`); an id is not read for base64 (a card's
    uid or a UUID is a run of it) nor for spelled-out signs."""
    return _free(limit, free=False)


def formatted(limit: int, shape: str) -> Test:
    """Text in OCPI's format for it (`08:00`, `2026-01-01`, `Europe/Amsterdam`), else null:
    a field released as a time, a date or a zone carries nothing else."""
    text = string(limit)
    fits, reason = FORMATS[shape]

    def test(value: Any) -> tuple[Any, str | None, str | None] | None:
        problem = text(value)
        if problem is not None and problem[1] is not None:
            return problem
        written = value if problem is None else problem[0]
        return _unpadded(written, problem) if fits(written.strip()) else (None, reason, None)
    return test


def _unpadded(written: str, problem: tuple[Any, str | None, str | None] | None
              ) -> tuple[Any, str | None, str | None] | None:
    """A formatted text that fits once stripped, as it is released: without the white
    space around it (`" 52.09080\\n"` left as a coordinate with a line break in it)."""
    if written == (stripped := written.strip()):
        return problem
    return stripped, None, problem[2] if problem is not None else _PADDED


def number(value: Any) -> tuple[Any, str | None, str | None] | None:
    if value.__class__ is float or value.__class__ is int:
        return None
    if value.__class__ is str and _NUMBER_TEXT.match(value) and math.isfinite(read := float(value)):
        return read, None, "a number sent as text, read as a number"
    return None, "not a number", None


# the whole numbers every output holds exactly: JSON readers (JavaScript, pandas'
# read_json with a null in the column) keep ±(2**53 - 1), Parquet's INT64 less than
# 2**63; a platform's 10**19 (garbage in a power field) failed a Parquet export
INTEGER_RANGE = range(-(2 ** 53 - 1), 2 ** 53)


def integer(value: Any) -> tuple[Any, str | None, str | None] | None:
    if value.__class__ is int:
        return None if value in INTEGER_RANGE else (None, "beyond ±(2^53 - 1)", None)
    if value.__class__ is float and value.is_integer() and abs(value) < 2 ** 53:
        return int(value), None, "a whole number sent with a fraction, read as an integer"
    if value.__class__ is str and _INTEGER_TEXT.match(value):
        return int(value), None, "a number sent as text, read as a number"
    return None, "not an integer", None


_BOOLEAN_TEXT = {"true": True, "false": False}


def boolean(value: Any) -> tuple[Any, str | None, str | None] | None:
    if value.__class__ is bool:
        return None
    # `"true"`/`"false"`: a serialiser writing every scalar as text, as with numbers
    if value.__class__ is str and (read := _BOOLEAN_TEXT.get(value.lower())) is not None:
        return read, None, "a boolean sent as text, read as a boolean"
    return None, "not a boolean", None


# a Unix time, in seconds or milliseconds: said apart from a text of no known form, so the
# CPO looks for the serialiser writing numbers, not for a malformed text
_NUMBER_STAMP = "a number, not a DateTime"
_LEAP_SECOND = "a leap second (`23:59:60`), read as `23:59:59`"


def datetime(value: Any) -> tuple[Any, str | None, str | None] | None:
    """A DateTime: an instant `parse_timestamp` reads. A text of the canonical shape is no
    DateTime for its shape alone: `2026-02-30T10:00:00Z` or `...T25:00:00Z` left in
    `get`'s dump and in a run's columns of times, and as a `last_updated` fell in a
    window by its text. A canonical leap second is written as the second before (the
    body's scan for loose stamps, which rewrites the others, takes it for canonical)."""
    if value.__class__ is not str or len(value) > lengths.DATETIME_LENGTH:
        return None, _NUMBER_STAMP if value.__class__ in (int, float) else "not a DateTime", None
    moment = parse_timestamp(value)
    if moment is None:
        return None, "not a DateTime", None
    if CANONICAL.match(value) and value[17:19] == "60":
        return format_timestamp(moment), None, _LEAP_SECOND
    return None


# values of another field given in an enum's place, and what they mean there
_MISPLACED = {("LocationType", "ONDRIVEWAY"): "ON_DRIVEWAY is OCPI 2.2's `parking_type` for a home's "
                                             "driveway, which OCPI 2.1.1's location `type` has no value for"}


def _letters(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _by_letters(values: frozenset[str]) -> dict[str, str]:
    """An enum's values by their letters and digits, where no two share them."""
    found: dict[str, list[str]] = {}
    for value in values:
        found.setdefault(_letters(value), []).append(value)
    return {letters: same[0] for letters, same in found.items() if len(same) == 1}


def enum(name: str, values: frozenset[str], open_enums: bool) -> Test:
    upper = {value.upper(): value for value in values}
    spelled = _by_letters(values)
    is_open = open_enums and name in OPEN_ENUMS
    a_name = f"{'an' if name[0] in 'AEIOU' else 'a'} {name}"
    misplaced = {letters: f"not {a_name} value: {why}" for (of, letters), why in _MISPLACED.items()
                 if of == name}

    def test(value: Any) -> tuple[Any, str | None, str | None] | None:
        if value.__class__ is not str:
            return None, f"not {a_name} value", None
        if value in values or (is_open and _ENUM_SHAPE.match(value)):
            return None
        canonical = upper.get(value.upper()) if len(value) <= 64 else None
        if canonical is not None:
            return canonical, None, f"{a_name} value in other casing, read as {canonical}"
        if len(value) <= 64 and (canonical := spelled.get(_letters(value))) is not None:
            # `AD-HOC-USER`, ` AD_HOC_USER`, `ad hoc user`: left null, a one-time token
            # (a new uid per charge) was a driver per charge in group counting
            return canonical, None, f"{a_name} value in other spelling, read as {canonical}"
        if misplaced and len(value) <= 64:
            letters = "".join(ch for ch in value.upper() if ch.isalpha())
            return None, misplaced.get(letters, f"not {a_name} value"), None
        return None, f"not {a_name} value", None
    return test
