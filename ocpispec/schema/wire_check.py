"""Reading a wire record as the catalogue types it: every known field is checked
against its type, known deviations are read tolerantly, and both are reported.

    reader = wire_reader("2.2.1", "sessions")   # built once per version and module
    findings = reader(record)                   # fixes `record` in place

A value whose type does not fit (an object or a list where OCPI says string, a
string longer than OCPI allows, an unknown enum value, a text that is no DateTime)
becomes null and is reported by path and reason, never by value: it cannot leak
into a column, whatever it carries. A field sent under a known other name
(`deviations.RENAMES`, or in other casing) is moved to its OCPI name; a missing
field with a safe default (`deviations.DEFAULTS`) gets it; a number or a boolean sent as
text (`"12.5"`, `"true"`) or an id sent as a number is converted; a list of one sent as its
one item (`"evses": {...}`) is read as the list (`ONE_ITEM`), an object sent as a list of
one (`"cdr_token": [{...}]`) as the object (`ONE_OBJECT`). Each of these is reported as
a deviation.

The same walk notes unknown field paths (`Findings.unknown`, as `records.unknown_fields`
gives them). Per version and module the walk is generated once as straight-line code
(`wire_codegen`); a value that fails its inline test gets its full test (`wire_tests`).

The walk itself, and the deviations it reads, are `wire_walk`; the shapes it walks (a test
per field, and what each object may be sent as) are built by `wire_shapes`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocpispec.schema.catalogue import catalogue
from ocpispec.schema.embedded_location import location_reshaper
from ocpispec.schema.price_shapes import price_reshaper
from ocpispec.schema.publish import (
    REPEATED,
    on_driveway,
    repeated_flags,
    says_home_charging,
    says_not_public,
)
from ocpispec.schema.own_ids import own_id_check
from ocpispec.schema.own_party import party_filler
from ocpispec.schema.records import UNUSUAL
from ocpispec.schema.token_shapes import token_reshaper
from ocpispec.schema.wire_codegen import generate
from ocpispec.schema.wire_shapes import _Shapes
from ocpispec.schema.wire_walk import _HELPERS


@dataclass(frozen=True, slots=True)
class Findings:
    """What reading one record found: `invalid` (path, reason) pairs whose value was
    nulled, `deviations` read tolerantly (descriptions naming paths only), and the
    `unknown` field paths as `records.unknown_fields` gives them."""

    invalid: tuple[tuple[str, str], ...]
    deviations: tuple[str, ...]
    unknown: tuple[str, ...] = ()


NOTHING = Findings((), ())
_NOT_PUBLIC = "publish: another key (`Publish`, `is_published`...) says not public: read as false"
_LISTED = ("publish: `publish_allowed_to` names who may see the site (OCPI allows it only beside "
           "`publish: false`): read as false")
_MORE_THAN_USED = ("location.evses: the embedded location holds more than the EVSE and connector used, so "
                   "which was used is unknown: their ids and the connector's kind read as null")
_DRIVEWAY = "publish: a site with `parking_type` ON_DRIVEWAY is a home's driveway: read as false"
_AT_HOME = ("home_charging_compensation: says the CDR was charged at the driver's home in a "
            "form other than `true`: read as true")
Reader = Callable[[dict[str, Any]], Findings]


def wire_reader(version: str, module: str, party: str | None = None) -> Reader:
    """The reader of one module's records in one version (built once, then cached).
    `party`: the CPO party an object sent without one is read as (`own_party`)."""
    cat = catalogue()
    root = cat.wired[version].roots[module]
    read = cat.cached(("wire-reader", version, root), lambda: _make_reader(version, root, module))
    fill = party_filler(version, module, party)
    return read if fill is None else cat.cached(("wire-reader", version, root, party),
                                                lambda: _with_party(read, fill))


def _with_party(read: Reader, fill: Callable[[dict[str, Any], list[str]], None]) -> Reader:
    """`read`, after an object sent without its party is given the one `fill` knows (the
    walk then checks it as sent; almost no platform leaves it out, as almost none here)."""
    def read_owned(record: dict[str, Any]) -> Findings:
        filled: list[str] = []
        fill(record, filled)
        findings = read(record)
        if not filled:
            return findings
        return Findings(findings.invalid, (*filled, *findings.deviations), findings.unknown)
    return read_owned


def _make_reader(version: str, root: str, module: str) -> Reader:
    shape = _Shapes(version).of(root)
    walk, own_ids = generate(shape, "", _HELPERS), own_id_check(shape, module, version)
    location, cdr = module == "locations", module == "cdrs"
    taxed = version == "2.3.0" and module in ("cdrs", "sessions")
    embedded = version == "2.1.1" and module in ("cdrs", "sessions")
    reshape = price_reshaper(version, module)
    # where and by whom a session or CDR charged, in the other version's shape: each read
    # only for a record holding the field that calls for it (almost none does)
    other_shapes = tuple(reader for reader in (location_reshaper(version, module),
                                               token_reshaper(version, module)) if reader is not None)

    def read(record: dict[str, Any]) -> Findings:
        invalid: list[tuple[str, str]] = []
        found: list[str] = []
        unknown: list[str] = []
        if REPEATED in record:  # settled the cautious way as the body was parsed
            found.extend(f"{kind}: given more than once in one object: read as the value "
                         "that says private" for kind in repeated_flags(record))
        # read before the walk, which nulls a flag that is no boolean (`1`, `"yes"`)
        at_home = cdr and says_home_charging(record)
        # and a `publish_allowed_to` of the wrong shape (`["NL-TNM-C0123"]`), which it nulls
        # and a `parking_type` (`" ON_DRIVEWAY "`) that is no value of its enum
        listed = location and bool(record.get("publish_allowed_to"))
        driveway = location and on_driveway(record)
        if reshape is not None:
            reshape(record, found)
        for field, read_shape in other_shapes:
            if field in record:
                read_shape(record, found)
        walk(record, invalid, found, unknown)
        if own_ids is not None:
            own_ids(record, invalid)
        if taxed and invalid:
            _taxes_unknown(record, invalid)
        if embedded and _more_than_used(record.get("location")):
            found.append(_MORE_THAN_USED)
        if location and record.get("publish") is not False:
            if listed or says_not_public(record):
                record["publish"] = False
                found.append(_LISTED if listed or record.get("publish_allowed_to") else _NOT_PUBLIC)
            elif driveway:  # read as sent: the walk moves or nulls a value, never makes one
                record["publish"] = False
                found.append(_DRIVEWAY)
        if at_home:
            if record.get("home_charging_compensation") is not True:
                record["home_charging_compensation"] = True
                found.append(_AT_HOME)
        elif cdr and record.get("home_charging_compensation") is not None:
            record["home_charging_compensation"] = False  # `"false"` where no walk reads it (2.1.1)
        if invalid or found or unknown:
            return Findings(tuple(invalid), tuple(found), _once(unknown))
        return NOTHING
    return read


def _more_than_used(location: Any) -> bool:
    """Whether a 2.1.1 session's or CDR's location embeds more than the one EVSE and
    connector used (`neutral._used` then reads their ids and connector as null)."""
    evses = location.get("evses") if location.__class__ is dict else None
    if evses.__class__ is not list:
        return False
    connectors = evses[0].get("connectors") if len(evses) == 1 and evses[0].__class__ is dict else None
    return len(evses) > 1 or (connectors.__class__ is list and len(connectors) > 1)


def _taxes_unknown(record: dict[str, Any], invalid: list[tuple[str, str]]) -> None:
    """A 2.3.0 Price's `taxes` read as null as the wrong type is taxes of unknown amount,
    not none (which an absent list says): the total including them stays unknown."""
    for path, _ in invalid:
        head, _, last = path.rpartition(".")
        if last == "taxes" and head and "." not in head:
            price = record.get(head)
            if price.__class__ is dict and price.get("taxes") is None:
                price["taxes"] = [{"amount": None}]


def _once(unknown: list[str]) -> tuple[str, ...]:
    """Each named path once, `UNUSUAL` as often as it was met (as `unknown_fields`)."""
    return (*dict.fromkeys(path for path in unknown if path != UNUSUAL),
            *(path for path in unknown if path == UNUSUAL))
