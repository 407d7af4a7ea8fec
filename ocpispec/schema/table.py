"""Builds object types from the compact data tables of `v2_*.py` and `annotations.py`.

An object table lists one object per unindented line and one field per indented
line: `name  type  cardinality` where type is a scalar kind (`string`, `number`,
`integer`, `boolean`, `datetime`, `url`), an enum of the version or an object name,
and cardinality is `1` (required), `?` (optional), `*` (list) or `+` (non-empty list).
The annotation table has the same layout with `name  class  doc...` lines.

A field's annotated class is what the field itself reveals. For an object field it
is also a floor for everything below it (`cdr_location.coordinates` raises the
otherwise public `GeoLocation.latitude` to quasi-identifier), and the field's own
`Field.privacy` is the class of the whole value: the highest class inside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

from ocpispec.frozen import frozen
from ocpispec.schema.model import Field, Kind, ObjectType, PrivacyClass

SCALARS = {"string": Kind.STRING, "number": Kind.NUMBER, "integer": Kind.INTEGER,
           "boolean": Kind.BOOLEAN, "datetime": Kind.DATETIME, "url": Kind.URL}
CLASSES = {"public": PrivacyClass.PUBLIC, "quasi": PrivacyClass.QUASI,
           "personal": PrivacyClass.PERSONAL, "never": PrivacyClass.NEVER}
CARDINALITIES = {"1": (False, True), "?": (False, False), "*": (True, False), "+": (True, True)}


@frozen
class Row:
    """One field line of an object table: `name type cardinality`."""

    name: str
    type: str
    cardinality: str


@frozen
class Note:
    """One field line of the annotation table: privacy class and doc."""

    privacy: PrivacyClass
    doc: str


@frozen
class Derived:
    """An object built from another one with some fields changed (2.1.1 embeds a
    Location in sessions and CDRs, where its place fields describe a driver).
    `changes` maps a field to a class name (`quasi`) or a replacement object name."""

    base: str
    changes: Mapping[str, str]


@frozen
class ObjectSet:
    """Object types plus the annotated class of every field, which `effective`
    uses as a floor when walking down a path."""

    objects: Mapping[str, ObjectType]
    declared: Mapping[tuple[str, str], PrivacyClass]

    def floor(self, object_name: str, field_name: str) -> PrivacyClass:
        return self.declared[(object_name, field_name)]


def sections(text: str) -> Iterator[tuple[str, list[list[str]]]]:
    """Yields (header, lines split into words) for each unindented header."""
    header, lines = None, []
    for raw in text.splitlines():
        line = raw.split("  #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            if header is not None:
                yield header, lines
            header, lines = line.strip(), []
        else:
            lines.append(line.split())
    if header is not None:
        yield header, lines


def parse_objects(text: str) -> dict[str, tuple[Row, ...]]:
    tables: dict[str, tuple[Row, ...]] = {}
    for header, lines in sections(text):
        if header in tables:
            raise ValueError(f"object `{header}` is defined twice")
        tables[header] = tuple(Row(*words) for words in lines)
    return tables


def parse_notes(text: str) -> dict[tuple[str, str], Note]:
    notes: dict[tuple[str, str], Note] = {}
    for header, lines in sections(text):
        for name, privacy, *doc in lines:
            notes[(header, name)] = Note(CLASSES[privacy], " ".join(doc))
    return notes


def apply_derived(tables: dict[str, tuple[Row, ...]], derived: Mapping[str, Derived],
                  notes: dict[tuple[str, str], Note]) -> None:
    """Adds derived objects to `tables` and their annotations to `notes` (in place)."""
    for name, spec in derived.items():
        rows = []
        for row in tables[spec.base]:
            note = notes[(spec.base, row.name)]
            change = spec.changes.get(row.name)
            if change in CLASSES:
                note = Note(CLASSES[change], note.doc)
            elif change is not None:
                row = Row(row.name, change, row.cardinality)
            notes[(name, row.name)] = note
            rows.append(row)
        tables[name] = tuple(rows)


def build(tables: Mapping[str, tuple[Row, ...]], notes: Mapping[tuple[str, str], Note],
          enums: Mapping[str, tuple[str, ...]]) -> ObjectSet:
    """Turns parsed tables into ObjectTypes; every field must be annotated."""
    declared = {(obj, row.name): notes[(obj, row.name)].privacy
                for obj, rows in tables.items() for row in rows}
    whole: dict[str, PrivacyClass] = {}

    def whole_class(obj: str, trail: tuple[str, ...] = ()) -> PrivacyClass:
        if obj in trail:
            raise ValueError(f"object `{obj}` contains itself")
        if obj not in whole:
            whole[obj] = PrivacyClass.highest(
                [row_class(obj, row, trail + (obj,)) for row in tables[obj]])
        return whole[obj]

    def row_class(obj: str, row: Row, trail: tuple[str, ...]) -> PrivacyClass:
        own = declared[(obj, row.name)]
        if row.type in tables:
            return PrivacyClass.highest([own, whole_class(row.type, trail)])
        return own

    objects = {obj: ObjectType(obj, MappingProxyType({
        row.name: _field(row, notes[(obj, row.name)], row_class(obj, row, ()), tables, enums)
        for row in rows})) for obj, rows in tables.items()}
    return ObjectSet(MappingProxyType(objects), MappingProxyType(declared))


def _field(row: Row, note: Note, privacy: PrivacyClass, tables: Mapping[str, object],
           enums: Mapping[str, tuple[str, ...]]) -> Field:
    many, required = CARDINALITIES[row.cardinality]
    common = dict(privacy=privacy, many=many, required=required, doc=note.doc)
    if row.type in SCALARS:
        return Field(row.name, SCALARS[row.type], **common)
    if row.type in enums:
        return Field(row.name, Kind.ENUM, enum=row.type, **common)
    if row.type in tables:
        return Field(row.name, Kind.OBJECT, object=row.type, **common)
    raise ValueError(f"field `{row.name}` has unknown type `{row.type}`")
