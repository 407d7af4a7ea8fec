"""The released columns of a dataset as typed outputs declare them: name, type,
description, treatment. Keys and measures of an aggregate are fields alike."""

from __future__ import annotations

from dataclasses import dataclass

from ocpispec.plan import ir

PSEUDONYM_LENGTH = 32  # hex characters: the first 128 bits of the HMAC


@dataclass(frozen=True, slots=True)
class TypedField:
    """`type`: `string`, `number`, `integer`, `boolean`, `datetime`, `geopoint` or `any`
    (plans made before columns were typed: `any`)."""

    name: str
    type: str
    description: str
    treatment: str
    sources: tuple[str, ...]
    released_as: str

    @property
    def pseudonym(self) -> bool:
        return self.treatment == "pseudonymised"


def typed_fields(dataset: ir.Dataset) -> tuple[TypedField, ...]:
    aggregate = dataset.step(ir.Aggregate)
    columns = aggregate.keys if aggregate is not None else dataset.columns
    fields = [TypedField(c.name, c.type or "any", c.description or "", c.treatment,
                         c.sources, c.released_as) for c in columns]
    if aggregate is not None:
        fields += [TypedField(m.name, m.type or "any", m.description or "",
                              f"aggregated ({m.function})", m.sources, m.privacy)
                   for m in aggregate.measures]
    return tuple(fields)
