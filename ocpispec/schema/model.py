"""Types of the OCPI schema catalogue: kinds, privacy classes, fields and objects."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from ocpispec.frozen import frozen


class Kind(enum.Enum):
    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    ENUM = "enum"
    URL = "url"
    OBJECT = "object"


class PrivacyClass(enum.Enum):
    """How much a field says about a person, from least to most.

    PUBLIC: infrastructure and business data. QUASI: times, energy, places, costs:
    not identifying alone, identifying in combination. PERSONAL: identifies a driver,
    card, contract or account (may leave only pseudonymised or with a written
    allowance). NEVER: may not leave at all (credentials, blobs embedding identifiers).
    """

    PUBLIC = "public"
    QUASI = "quasi-identifier"
    PERSONAL = "personal"
    NEVER = "never-exportable"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @staticmethod
    def highest(classes: "list[PrivacyClass] | tuple[PrivacyClass, ...]") -> "PrivacyClass":
        return max(classes, key=lambda c: c.rank, default=PrivacyClass.PUBLIC)


_RANK = {PrivacyClass.PUBLIC: 0, PrivacyClass.QUASI: 1, PrivacyClass.PERSONAL: 2,
         PrivacyClass.NEVER: 3}


@frozen
class Field:
    """One field of an OCPI object.

    `many` is list cardinality (`*` or `+`); `object` names the ObjectType of an
    OBJECT field; `enum` names the enumeration of an ENUM field.
    """

    name: str
    kind: Kind
    privacy: PrivacyClass
    many: bool = False
    required: bool = False
    object: str | None = None
    enum: str | None = None
    doc: str = ""


# OCPI writes a coordinate's latitude and longitude as decimal text (`"52.090600"`):
# ordered as text, `"10.5"` comes before `"5"`, so a filter compares them as numbers
DECIMAL_TEXTS = frozenset({"latitude", "longitude"})


def is_decimal_text(field: Field) -> bool:
    return field.kind is Kind.STRING and field.name in DECIMAL_TEXTS


@frozen
class ObjectType:
    name: str
    fields: Mapping[str, Field]

    def get(self, name: str) -> Field | None:
        return self.fields.get(name)
