"""A plan: the export's header, its source, and its datasets of steps."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.plan.ir.base import FORMAT_VERSION, OMIT_DEFAULT
from ocpispec.plan.ir.codec import decode, encode, without_origins
from ocpispec.plan.ir.sealing import sealed_fingerprint
from ocpispec.plan.ir.shaping import Aggregate, Column, Project
from ocpispec.plan.ir.steps import Step


@frozen
class Withheld:
    """Catalogue fields of a module that the dataset does not release, by class."""

    privacy: str
    fields: tuple[str, ...]


@frozen
class Dataset:
    name: str
    module: str
    steps: tuple[Step, ...]
    withheld: tuple[Withheld, ...]
    origin: Span
    # a named dataset's id before it had a name (`sessions-2`): its state moves to `name`
    previous_name: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)

    def step(self, kind: type) -> Any:
        """The first step of a kind, or None."""
        return next((step for step in self.steps if isinstance(step, kind)), None)

    def all(self, kind: type) -> tuple[Any, ...]:
        return tuple(step for step in self.steps if isinstance(step, kind))

    def get(self, step_id: str) -> Any:
        """The step with this id (KeyError when the plan has none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def columns(self) -> tuple[Column, ...]:
        project, aggregate = self.step(Project), self.step(Aggregate)
        if aggregate is not None:
            return aggregate.keys
        return project.columns if project is not None else ()

    @property
    def releases_pseudonyms(self) -> bool:
        """Whether a released column (a row's, or a group key) is a keyed pseudonym; a
        `count(distinct pseudonymize(...))` counts pseudonyms and releases none."""
        return any(column.treatment == "pseudonymised" for column in self.columns)

    @property
    def column_names(self) -> tuple[str, ...]:
        aggregate = self.step(Aggregate)
        if aggregate is not None:
            return (*(key.name for key in aggregate.keys),
                    *(measure.name for measure in aggregate.measures))
        return tuple(column.name for column in self.columns)

    @property
    def released_columns(self) -> tuple[Column, ...]:
        """The released columns: an aggregate's keys, or the projected columns."""
        aggregate = self.step(Aggregate)
        return aggregate.keys if aggregate is not None else self.columns

    @property
    def withheld_count(self) -> int:
        return sum(len(group.fields) for group in self.withheld)


@frozen
class Export:
    name: str
    consumer: str | None
    purpose: str | None
    legal_basis: str | None
    legal_reference: str | None
    retention: str | None
    schedule: str | None = None
    cron: str | None = None
    pseudonym_scope: str = "export"  # ocpispec.language.pseudonym_scope.SCOPES
    # `licence "CC-BY-4.0"` (open data): the data package's licence
    licence: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    # `requires approval` / `requires signed approval` in the header (ocpispec.approval)
    approval: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)


@frozen
class SecretReference:
    """Where a secret comes from (`env` variable or stored `profile`); never the value."""

    kind: str
    name: str
    origin: Span | None = None


@frozen
class SourceSpec:
    """The OCPI interface: a stored `profile`, or env references for the versions URL
    and token plus party and version."""

    profile: str | None
    versions_url: SecretReference | None
    token: SecretReference | None
    party: str | None
    version: str | None
    origin: Span


@frozen
class Plan:
    spec: str
    export: Export
    pseudonym_key: SecretReference | None
    source: SourceSpec
    datasets: tuple[Dataset, ...]
    fingerprint: str = ""
    format_version: int = FORMAT_VERSION
    # sha256 of what the plan discloses (ocpispec.privacy_summary); not part of `fingerprint`
    privacy_fingerprint: str = ""

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint[:12]

    @property
    def short_privacy_fingerprint(self) -> str:
        return self.privacy_fingerprint[:12]

    def to_dict(self) -> dict[str, Any]:
        return encode(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return decode(cls, data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_view_json(self) -> str:
        """`to_json` for people (`ocpispec plan --format json`): the text literals of an
        expression that compares personal fields (a filter, a `jmespath(...)` column or
        measure) are blanked out wherever the plan repeats them, as the plan text has
        them (the fingerprint is the plan's own)."""
        return json.dumps(_blank_personal(self.to_dict()), indent=2, ensure_ascii=False) + "\n"


# JMESPath text literals: raw strings `'...'`, and JSON literals in backticks that hold
# text (`"x"`, `["a", "b"]`)
_TEXT_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*\"(?:[^`\\]|\\.)*`")
BLANKED = "'(personal value)'"


def _blank_personal(data: Any) -> Any:
    """`data` with every text literal of its redacted steps blanked out in every text:
    not only in the step's own expression but where the plan repeats it (a measure's
    `argument` and `parts`, the projection's one expression of all columns)."""
    literals = sorted(set(_personal_literals(data)), key=len, reverse=True)
    return _blanked(data, literals) if literals else data


def _personal_literals(data: Any) -> Iterator[str]:
    if isinstance(data, list):
        for item in data:
            yield from _personal_literals(item)
    elif isinstance(data, dict):
        if _redacted(data):
            for key in _JMESPATH_KEYS:
                yield from _texts_literals(data.get(key))
        for value in data.values():
            yield from _personal_literals(value)


# where a step holds JMESPath: its own, a measure's argument, formula and parts
_JMESPATH_KEYS = ("expression", "argument", "formula", "parts")


def _redacted(step: dict[str, Any]) -> bool:
    """A redacted filter or measure, or a projection with a redacted column (its
    expression holds every column's JMESPath)."""
    columns = step.get("columns")
    return bool(step.get("redacted")) or isinstance(columns, list) and any(
        isinstance(column, dict) and column.get("redacted") is True for column in columns)


def _texts_literals(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield from _TEXT_LITERAL.findall(data)
    elif isinstance(data, list):
        for item in data:
            yield from _texts_literals(item)
    elif isinstance(data, dict):
        for key in _JMESPATH_KEYS:
            yield from _texts_literals(data.get(key))


def _blanked(data: Any, literals: list[str]) -> Any:
    if isinstance(data, list):
        return [_blanked(item, literals) for item in data]
    if isinstance(data, dict):
        return {key: _blanked(value, literals) for key, value in data.items()}
    if isinstance(data, str):
        for literal in literals:
            data = data.replace(literal, BLANKED)
    return data


def fingerprint(plan: Plan) -> str:
    """sha256 over the canonical JSON of what the plan does; sealed (`sealing.py`) when
    it holds values that compare personal fields, which every view blanks out."""
    data = without_origins(encode(plan))
    for key in ("fingerprint", "privacy_fingerprint", "spec"):
        data.pop(key, None)
    canonical = _canonical(data)
    blanked = _blank_personal(data)
    if blanked is data:
        return hashlib.sha256(canonical.encode()).hexdigest()
    return sealed_fingerprint(canonical, _canonical(blanked))


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def with_fingerprint(plan: Plan) -> Plan:
    return dataclasses.replace(plan, fingerprint=fingerprint(plan))
