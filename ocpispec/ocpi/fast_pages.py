"""A list page read in C where it is clean: `get`'s fast path (`get sessions`).

`msgspec` decodes the page twice, each time into types generated from the catalogue:

- the *strict* types hold every field with the inline test the wire reader gives it
  (`wire_check`: text length, enum value, canonical DateTime, number, boolean), the
  key and required fields as present and not null, and no field the catalogue does
  not know. A page that decodes into them is one on which the Python reader would
  find nothing: no invalid value, no deviation, no unknown field, no problem;
- the *public* types hold only the fields `Release` lets out, so the released object
  comes from C, and only what the release would have written.

A page that does not fit the strict types exactly (a wrong type, an unknown or renamed
field, an envelope key besides `data`, `status_code`, `status_message` and `timestamp`,
a loose timestamp, an escaped surrogate, a byte order mark...) is not read
here at all: `page(content)` returns None and the caller reads it the usual way. So
the fast path can only be stricter than the Python one, never looser;
`tests/test_fast_pages.py` holds the two to the same released objects, keys, stamps
and withheld counts with hypothesis.

    reader = page_reader(release)          # None where there is no fast path
    body = reader(content)                 # the envelope, with `data` a `CleanPage`

Only modules without privacy flags or embedded sites take it (sessions of 2.2.1 and
2.3.0, tariffs, tokens): a location's or CDR's flags are judged by value, and a
2.1.1 session holds its location.

Where `get` leaves out what a run would (`ocpi.public_scope`: a session at a site not
published, a tariff no published connector names), the page also gives each object's
place, the key its scope looks it up by, read from the strict object as `public_scope.place`
reads it from the dict (`CleanPage.places`); the parent keeps those the scope knows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, Union

import msgspec
import orjson
from msgspec import UNSET, Meta, UnsetType, defstruct

from ocpispec.ids import key_text, key_text_source
from ocpispec.ocpi.fast_columns import Columns
from ocpispec.ocpi.fast_notes import flat_notes, notes_function
from ocpispec.ocpi.objects import _DATETIME_SUFFIXES, ObjectCheck
from ocpispec.ocpi.release_cards import card_probe
from ocpispec.ocpi.public_scope import EMBEDDED_LOCATIONS, PLACE_FALLBACKS, PLACE_FIELDS
from ocpispec.ocpi.repeated import FLAGGED_MODULES
from ocpispec.ocpi.repeated_counts import multiplicities
from ocpispec.ocpi.repeated_keys import COUNTED
from ocpispec.schema import mail_forms
from ocpispec.schema.catalogue import catalogue
from ocpispec.schema.own_ids import card_as_id
from ocpispec.schema.records import _keep_tree
from ocpispec.schema.wire_shapes import _Shapes
from ocpispec.schema.wire_walk import _Shape
from ocpispec.ocpi.strict_pages import STAMP_PATTERN, AsParsed, Fits
from ocpispec.generated_code import code_of

PageReader = Callable[[bytes], "dict[str, Any] | None"]

_EXACT_STAMP = Annotated[str, Meta(min_length=20, max_length=20, pattern=STAMP_PATTERN)]
# the root's `last_updated` as text, its pattern tested a page at a time (`strict_pages`)
_STAMP_TEXT = Annotated[str, Meta(min_length=20, max_length=20)]
# a real instant, in C: canonical only where the body holds no loose timestamp
# (`timestamps.loose_timestamps`) and no escape that could hide one from that scan
_QUICK_STAMP = Annotated[datetime, Meta(tz=True)]
# orjson reads integers in this range as int, a larger one as float: larger ones are slow-path
_INTEGER = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]
_WHOLE = Annotated[int, Meta(ge=-9007199254740991, le=9007199254740991)]
# an envelope value as orjson reads it (a larger integer it reads as a float, msgspec as
# an int); a nested one is the slow path's
_ENVELOPE_VALUE = Union[_INTEGER, float, str, bool, None]
_NO_FLOATS = frozenset({"text", "id", "prose", "stamp", "choice", "whole", "flag"})
# the leaves whose strict value is the value msgspec reads as `Any` (a DateTime is read as
# a `datetime`, an object kept whole as a strict struct, written in another order): where
# every released field is one, the objects are taken from the strict ones (`_Reader`)
_AS_WIRED = frozenset({"text", "id", "prose", "choice", "number", "whole", "flag"})
# free text (`wire_tests.prose`) fits without an at sign and without what may encode
# one (`mail_forms`: a percent escape, an entity, a bracket, a run of base64, as the
# walk's quick condition reads them); one with it is the slow path's
_NO_AT_SIGN = f"^(?![\\s\\S]*[A-Za-z0-9+/_-]{{{mail_forms.RUN}}})[^@\uff20\ufe6b%&(\\[{{]*$"


def strict_fit(version: str, module: str, ids: bool = True,
               own: bool | None = None) -> Callable[..., bool | None] | None:
    """Whether the objects of a page fit the strict types, so that the wire reader would
    find nothing on any of them (`run`'s workers then skip it), or None where the module
    has no fast path:

        fits = strict_fit(version, module)
        fits(body["data"], content, loose, body)   # True, else None; `loose`: loose_timestamps(content)

    The objects are those orjson parsed from `content` (the worker's one parse of the
    page), checked by `msgspec.convert` against the same types a decode of the text
    would use: the reader reads those objects, so the test sees exactly what it would."""
    if module in FLAGGED_MODULES or module == "locations":
        return None
    try:
        fits = catalogue().cached(("strict-page", version, module),
                                  lambda: _Builder(version, module, frozenset(), text_stamp=False).fits())
    except _NoFastPath:
        return None
    as_parsed = AsParsed()
    # a record whose public id is its own card (`own_ids`) is the reader's to null and
    # count; `ids=False` where the export reads no such id (`may_release_public_ids`)
    # (`own`: the record's other own ids, `may_show_own_ids`; as `ids` unless told)
    own = ids if own is None else own
    carded = card_as_id(version, module, ids, own) if ids or own else None
    if carded is None:
        return _Attempts(lambda data, content, loose, body=None: True if fits.objects(
            data, content, loose, lambda: as_parsed(body, content)) else None).read  # type: ignore[arg-type,return-value]
    return _Attempts(lambda data, content, loose, body=None: True if fits.objects(
        data, content, loose, lambda: as_parsed(body, content)) and not any(
            carded(item, None) for item in data) else None).read  # type: ignore[arg-type,return-value]


def page_reader(release: Any) -> PageReader | None:
    """The fast reader of `release`'s pages (a `Release` whose crawl counts unknown
    fields and whose projection is compiled), or None where there is none. With a
    scope, its pages carry each object's place (`CleanPage.places`)."""
    version, module = release.version, release.module
    if module in FLAGGED_MODULES or module == "locations" or release.counts_unknown \
            or release._project is None:
        return None
    places = release.scope is not None
    if places and module not in ("sessions", "tariffs"):
        return None     # a scope that judges more than the place (`PublicScope.keeps_places`)
    if places and release.keep_private:
        return None     # out of the scope is a private form (`Release.apply`), not left out
    try:
        reader = catalogue().cached(("fast-page", version, module, release.open_paths, places),
                                    lambda: _Builder(version, module, release.open_paths).reader(
                                        places, card_probe(version, module, release.open_paths)))
    except _NoFastPath:
        return None
    return _Attempts(reader).read


class _Attempts:
    """Stops trying after `GIVE_UP` pages in a row that did not fit, none having fitted
    before: a platform whose pages never fit (loose timestamps, a field of its own in
    every object) would pay the scans and a decode that fails for every page."""

    GIVE_UP = 4

    def __init__(self, reader: PageReader) -> None:
        self.reader, self.misses, self.fitted = reader, 0, False

    def read(self, content: bytes, *more: Any) -> dict[str, Any] | None:
        if self.misses >= self.GIVE_UP and not self.fitted:
            return None
        body = self.reader(content, *more)  # type: ignore[call-arg]
        if body is None:
            self.misses += 1
        else:
            self.fitted = True
        return body


class _NoFastPath(Exception):
    """The module's shape has something the strict types cannot state."""


class _Builder:
    def __init__(self, version: str, module: str, open_paths: frozenset[str],
                 text_stamp: bool = True) -> None:
        """`text_stamp`: the root's `last_updated` is read as text (`get` keeps it, the
        window reads it); without it (`strict_fit`, whose objects only say whether the
        page fits) it is read as every other DateTime, in C: checking the canonical
        pattern by regular expression cost a quarter of the strict decode."""
        cat = catalogue()
        self.check = ObjectCheck(version, module, None)
        self.shape = _Shapes(version).of(cat.wired[version].roots[module])
        self.keep = _keep_tree(cat, version, module, open_paths)
        self.embedded = frozenset(EMBEDDED_LOCATIONS.get(module, ()))
        self.made: dict[int, type] = {}
        self.stamp: Any = _EXACT_STAMP     # the type of a DateTime below the root's `last_updated`
        self.loose_sensitive = False
        self.released_floats = False
        self.as_wired = True    # every released leaf's strict value is the one `Any` reads (`_AS_WIRED`)
        self.text_stamp = text_stamp
        self.filled: dict[str, None] = {}     # the root's key texts `Fits` tests, in order
        self.stamp_text = False                 # the root's `last_updated` is `_STAMP_TEXT`
        self.root_required: frozenset[str] = frozenset()

    def fits(self) -> Fits:
        envelope = [(name, _ENVELOPE_VALUE, UNSET) for name in ("status_code", "status_message", "timestamp")]
        strict, objects = [], []
        for stamp in (_EXACT_STAMP, _QUICK_STAMP):
            self.made, self.stamp = {}, stamp
            listed = list[self._strict(self.shape, root=True)]  # type: ignore[misc]
            # no other key: msgspec skips an unknown key's value without testing its UTF-8,
            # its numbers (`1e400`) or its depth, where orjson refuses the whole body
            page = defstruct("StrictPage", [("data", listed), *envelope], forbid_unknown_fields=True)
            strict.append(msgspec.json.Decoder(page))
            objects.append(listed)
        required = frozenset(self.check.required) | frozenset(self.check.needed)
        return Fits(*strict, self.loose_sensitive, *objects,
                    multiplicities(self.shape.objects, self.shape.tests, required), tuple(self.filled),
                    self.stamp_text)

    def reader(self, places: bool = False, carded: Any = None) -> PageReader:
        """`places`: the pages give each object's place too (`public_scope.place`);
        `carded`: a page with an object it finds true is the slow path's
        (`release_cards.CardProbe`: a released text holding the record's card)."""
        fits = self.fits()
        public = self._public(self.keep, self.shape)
        public_page = msgspec.json.Decoder(defstruct("PublicPage", [("data", list[public])]))
        # the released objects taken from the strict ones, in C, instead of a second
        # decode of the page's text: 5.5k of 64k instructions a realistic session
        taken = list[public] if self.as_wired else None
        place = self._place_function() if places else None
        columns = Columns(_key_function(self.check.keys), notes_function(self.shape, self.keep),
                          flat_notes(self.shape, self.keep), self.root_required, place,
                          ("country_code", "party_id", PLACE_FIELDS[self.check.module]) if places else (),
                          self.check.keys)
        # msgspec writes a float's exponent without `+` (`1e20`), orjson with it: where a
        # released field may hold a float, orjson writes the line, as the slow path does
        lines = _orjson_lines if self.released_floats else _msgspec_lines
        return _Reader(fits, public_page, columns, lines, taken, carded).read  # type: ignore[return-value]

    def _place_function(self) -> Callable[[Any], tuple[Any, Any, Any]]:
        """`public_scope.place` (a tariff: its party and id) of a strict object: a field
        missing or null is None, a field the version lacks too (2.1.1 has no party)."""
        for name in PLACE_FALLBACKS if self.check.module != "tariffs" else ():
            if (name in self.shape.objects or name in self.shape.quick) and name not in self.embedded:
                raise _NoFastPath   # an embedded site a strict page may hold: the place would read it
        names = ("country_code", "party_id", PLACE_FIELDS[self.check.module])
        parts = ", ".join(f"None if (v := o.{name}) is UNSET else v" if name in self.shape.quick
                          else "None" for name in names)
        env: dict[str, Any] = {"UNSET": UNSET}
        exec(code_of(f"def place(o):\n    return ({parts})"), env)  # noqa: S102 - catalogue names only
        return env["place"]  # type: ignore[no-any-return]

    def _strict(self, shape: _Shape, root: bool = False) -> type:
        if (made := self.made.get(id(shape))) is not None:
            if made is object:
                raise _NoFastPath   # a shape within itself: the catalogue has none
            return made             # one shape in two places (a tariff's `min_price` and `max_price`)
        self.made[id(shape)] = object
        required = set(self.check.required) | set(self.check.needed) if root else set()
        required |= {name for name, _, _ in shape.defaults}  # a missing one is a deviation
        # a site's, party's or driver's key is counted per object (`exact_counts`): one
        # missing beside one given twice would balance
        required |= {name for name in shape.quick if name in COUNTED}
        fields: list[tuple[Any, ...]] = []
        for name, (code, arg) in shape.quick.items():
            if name.endswith(_DATETIME_SUFFIXES) and code != "stamp":
                self.loose_sensitive = True
            value = self._leaf(shape, name, code, arg, root and name in self.check.needed,
                               name in required)
            fields.append(_field(name, value, name in required))
        for name, (sub, many) in shape.objects.items():
            if root and name in self.embedded:
                if name in required:    # 2.1.1 sessions: every valid one holds its site
                    raise _NoFastPath
                fields.append((name, UnsetType, UNSET))   # an embedded site: the slow path's
                continue
            inner = self._strict(sub)
            fields.append(_field(name, list[inner] if many else inner, name in required))
        if root and not set(self.check.needed) <= set(shape.quick):
            raise _NoFastPath
        if root:    # never UNSET nor null in a strict object (`fast_columns`)
            self.root_required = frozenset(name for name in required if name in shape.quick
                                           or name in shape.objects and name not in self.embedded)
        made = defstruct(f"Strict{len(self.made)}", _ordered(fields), forbid_unknown_fields=True,
                         gc=False)
        self.made[id(shape)] = made
        return made

    def _leaf(self, shape: _Shape, name: str, code: str, arg: Any, needed: bool, required: bool) -> Any:
        match code:
            case "text" | "id":   # a key field holds more than white space (`ObjectCheck.judge`)
                if needed:  # tested a page at a time (`strict_pages`)
                    self.filled[name] = None
                # an "id" holds no at sign: no page with one fits (`strict_pages.at_sign`)
                return Annotated[str, Meta(max_length=arg)]
            case "prose":
                return Annotated[str, Meta(max_length=arg, pattern=_NO_AT_SIGN)]
            case "stamp":   # the window reads `last_updated` as text, its pattern tested a page at a time
                if self.text_stamp and name == "last_updated" and shape is self.shape:
                    self.stamp_text = True
                    return _STAMP_TEXT
                return self.stamp
            case "choice":
                return Literal[tuple(sorted(arg))]
            case "number":
                return Union[_INTEGER, float]
            case "whole":
                return _WHOLE
            case "flag":
                return bool
        if required:
            raise _NoFastPath   # no valid object leaves it out
        return UnsetType        # tested in Python only: present, the page is the slow path's

    def _public(self, keep: dict[str, Any], shape: _Shape) -> type:
        fields: list[tuple[Any, ...]] = []
        for name, below in keep.items():
            if below is None:
                code = shape.quick.get(name, ("other",))[0]
                self.released_floats |= code not in _NO_FLOATS
                self.as_wired &= code in _AS_WIRED or name not in shape.objects and code == "other"
                fields.append((name, Any, UNSET))
                continue
            self.as_wired = False   # an object the strict one left out would be taken as one without fields
            sub, many = shape.objects[name]
            inner = self._public(below, sub)
            fields.append((name, Union[list[inner] if many else inner, None], UNSET))
        return defstruct(f"Public{id(keep)}", fields, gc=False)


def _field(name: str, value: Any, required: bool) -> tuple[Any, ...]:
    return (name, value) if required else (name, Union[value, None], UNSET)


def _ordered(fields: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Required fields first, as a struct without keyword-only fields needs them."""
    return [f for f in fields if len(f) == 2] + [f for f in fields if len(f) == 3]


def _key_function(keys: tuple[str, ...]) -> Callable[[Any], tuple[str, ...]]:
    """`ObjectCheck.key` of a strict object: its key fields as `ids.key_text` reads them."""
    parts = ", ".join(f"'' if (v := o.{name}) is UNSET else {key_text_source('v', 'k')}" for name in keys)
    env: dict[str, Any] = {"UNSET": UNSET, "key_text": key_text}
    exec(code_of(f"def key(o):\n    return ({parts},)"), env)  # noqa: S102 - catalogue names only
    return env["key"]  # type: ignore[no-any-return]


def _msgspec_lines(objects: list[Any], encode: Callable[[Any], bytes] = msgspec.json.Encoder().encode_lines
                   ) -> list[bytes]:
    """One line per object, encoded in one call: JSON holds no raw line break (nor `\\r`)."""
    return encode(objects).splitlines(keepends=True)


def _orjson_lines(objects: list[Any]) -> list[bytes]:
    dumps = orjson.dumps
    return [dumps(obj) + b"\n" for obj in msgspec.to_builtins(objects)]


class _Reader:
    def __init__(self, fits: Fits, public: msgspec.json.Decoder, columns: Columns,
                 lines: Callable[[list[Any]], list[bytes]], taken: Any = None,
                 carded: Callable[[Any], bool] | None = None) -> None:
        """`taken`: the type of the released objects where they are taken from the strict
        ones (`_Builder.as_wired`), else None: the page's text is decoded again."""
        self.fits, self.public, self.columns, self.lines = fits, public, columns, lines
        self.taken, self.carded = taken, carded

    def read(self, content: bytes) -> dict[str, Any] | None:
        if (page := self.fits.page(content)) is None:
            return None
        if self.carded is not None and any(map(self.carded, page.data)):
            return None     # a text holding a record's card: read as null the slow way
        try:
            released = self.lines(self._released(page, content))
        except (msgspec.ValidationError, msgspec.DecodeError):
            return None
        body: dict[str, Any] = {name: value for name in ("status_code", "status_message", "timestamp")
                                if (value := getattr(page, name)) is not UNSET}
        body["data"] = self.columns.page(page.data, released)
        return body

    def _released(self, page: Any, content: bytes) -> list[Any]:
        if self.taken is not None:
            try:
                return msgspec.convert(page.data, self.taken, from_attributes=True)  # type: ignore[no-any-return]
            except msgspec.ValidationError:
                pass
        return self.public.decode(content).data  # type: ignore[no-any-return]
